export {
  AlertsApi,
  type AlertsApiOptions,
  type CallInit,
  type Method,
  type Operation,
  type RouteOf,
  type SuccessOf,
} from "./alerts-api.ts";
export { ApiError, type CallSite, ServiceUnavailableError, type UnavailableReason } from "./errors.ts";
export type { components, paths } from "./openapi.gen.ts";
export {
  DEFAULT_TIMEOUT_MS,
  type Endpoint,
  exchangeJson,
  type Fetch,
  type JsonRequest,
  parseAnswer,
} from "./transport.ts";
