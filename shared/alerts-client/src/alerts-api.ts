import type { z } from "zod";
import type { CallSite } from "./errors.ts";
import type { paths } from "./openapi.gen.ts";
import { type Endpoint, exchangeJson, type Fetch, parseAnswer } from "./transport.ts";

export type Method = "get" | "put" | "post" | "delete" | "patch";

/** The alert service's routes that take `method`, as its OpenAPI document names them (`/v1/alerts/{id}`). */
export type RouteOf<M extends Method> = {
  [P in keyof paths]: M extends keyof paths[P] ? P : never;
}[keyof paths];

/** One operation of the document: its parameters, request body and answers by status. */
export type Operation<M extends Method, P extends RouteOf<M>> = paths[P][M & keyof paths[P]];

/** The JSON of the operation's successful answers (null for a 204 No Content). */
export type SuccessOf<O> = O extends { responses: infer R }
  ? R[Extract<keyof R, "200" | "201" | "202">] | ("204" extends keyof R ? null : never)
  : never;

type BodyOf<O> = O extends { requestBody: infer B }
  ? { body: B }
  : O extends { requestBody?: infer B }
    ? [Exclude<B, undefined>] extends [never]
      ? unknown
      : { body?: Exclude<B, undefined> }
    : unknown;

/** What a call sends: its `path`, `query` and `header` parameters as the document has them, and its JSON `body`. */
export type CallInit<O> = (O extends { parameters: infer Ps } ? Ps : unknown) & BodyOf<O>;

/** The init argument: required when the operation requires anything, else optional. */
type InitArgument<I> = Record<string, never> extends I ? [init?: I] : [init: I];

export interface AlertsApiOptions {
  baseUrl: string;
  /** The bot's own token (its platform decides whose identities it may act for), or the internal token. */
  token: string;
  /** Per call, answer included (default 5 s). */
  timeoutMs?: number | undefined;
  /** The alert service's handler, called in process (the standalone); default: the network. */
  fetch?: Fetch | undefined;
}

const SERVICE = "the alert service";

/**
 * The alert service's API, typed from its OpenAPI document (src/openapi.gen.ts): a route, method, parameter or body
 * the service does not have is a type error. Each answer is also read with the contract's zod schema the caller
 * names, which must produce what the document promises. Refusals throw ApiError, everything else that keeps an
 * answer away throws ServiceUnavailableError.
 *
 *   const alert = await api.call("patch", "/v1/alerts/{id}", AlertSchema, {
 *     path: { id }, header: { "x-platform-user-id": "42" }, body: { note: "earnings" },
 *   });
 */
export class AlertsApi {
  readonly #endpoint: Endpoint;

  constructor(options: AlertsApiOptions) {
    this.#endpoint = { service: SERVICE, ...options };
  }

  async call<M extends Method, P extends RouteOf<M>, S extends z.ZodType<SuccessOf<Operation<M, P>>>>(
    method: M,
    route: P,
    answer: S,
    ...[init]: InitArgument<CallInit<Operation<M, P>>>
  ): Promise<z.output<S>> {
    const { path, query, header, body } = (init ?? {}) as {
      path?: Record<string, string | number>;
      query?: Record<string, string | number | boolean | undefined>;
      header?: Record<string, string | undefined>;
      body?: unknown;
    };
    const site: CallSite = { service: SERVICE, method: method.toUpperCase(), path: route };
    const json = await exchangeJson(this.#endpoint, {
      method: site.method,
      route,
      target: target(route, path, query),
      headers: defined(header),
      ...(body === undefined ? {} : { body }),
    });
    return parseAnswer(site, answer, json);
  }
}

function target(
  route: string,
  path: Record<string, string | number> | undefined,
  query: Record<string, string | number | boolean | undefined> | undefined,
): string {
  const filled = route.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = path?.[name];
    if (value === undefined) throw new TypeError(`${route} needs its path parameter ${name}`);
    return encodeURIComponent(String(value));
  });
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {}))
    if (value !== undefined) params.set(name, String(value));
  return params.size === 0 ? filled : `${filled}?${params}`;
}

function defined(headers: Record<string, string | undefined> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) if (value !== undefined) out[name] = value;
  return out;
}
