export { ApiError, ServiceUnavailableError } from "@tickerbell/alerts-client";
export { AlertSnapshotClient, type AlertSnapshotClientOptions } from "./alert-snapshot-client.ts";
export { createOpsApp } from "./http.ts";
export {
  DEFAULT_CHECKPOINT_MS,
  MATCHER_GROUP,
  MatcherService,
  type MatcherServiceOptions,
} from "./matcher-service.ts";
export { expiryNotification, firingNotification } from "./notifications.ts";
export * from "./ports.ts";
