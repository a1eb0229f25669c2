import { ErrorBodySchema } from "@tickerbell/contracts";
import type { z } from "zod";
import { ApiError, type CallSite, ServiceUnavailableError } from "./errors.ts";

/** A fetch: the platform's, or a service's own handler called in process (Hono's `app.fetch`). */
export type Fetch = (request: Request) => Response | Promise<Response>;

/** Where a service is and how to ask it. */
export interface Endpoint {
  /** For messages: "the alert service". */
  service: string;
  baseUrl: string;
  /** The bearer token (a bot's own, or the internal one); empty: none sent. */
  token: string;
  /** How long a call may take, answer body included (default 5 s). */
  timeoutMs?: number | undefined;
  /**
   * Sends the request (default: the global fetch, over the network). A process that runs the service itself
   * (the standalone) passes the service's handler: the same API, no socket.
   */
  fetch?: Fetch | undefined;
}

/** One request: the route it is (for errors), what is actually asked, and what goes with it. */
export interface JsonRequest {
  method: string;
  /** The route as the API names it (`/v1/alerts/{id}`), for errors and logs. */
  route: string;
  /** The path and query string asked (`/v1/alerts/al_1?x=1`). */
  target: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** The caller's own cancellation: the request is abandoned (its connection closed) once this aborts. */
  signal?: AbortSignal;
}

export const DEFAULT_TIMEOUT_MS = 5000;

/**
 * Sends one JSON request and answers the 2xx answer's JSON (null when empty). A refusal with the service's error
 * body throws ApiError; no connection, no answer within the timeout, or an answer off the contract throws
 * ServiceUnavailableError.
 */
export async function exchangeJson(endpoint: Endpoint, request: JsonRequest): Promise<unknown> {
  const timeoutMs = endpoint.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // The timer holds the controller, so the abort comes whatever the garbage collector does meanwhile: an
  // AbortSignal.timeout reaches fetch through the Request it copies, weakly, and once collected it never fired.
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new DOMException(`no answer within ${timeoutMs} ms`, "TimeoutError")),
    timeoutMs,
  );
  const cancel = () => deadline.abort(request.signal?.reason);
  if (request.signal?.aborted) cancel();
  else request.signal?.addEventListener("abort", cancel, { once: true });
  try {
    return await send(endpoint, request, deadline.signal);
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener("abort", cancel);
  }
}

async function send(endpoint: Endpoint, request: JsonRequest, signal: AbortSignal): Promise<unknown> {
  const site: CallSite = { service: endpoint.service, method: request.method, path: request.route };
  const failed = (error: unknown) =>
    new ServiceUnavailableError({
      ...site,
      reason: signal.aborted ? "timeout" : "unreachable",
      message: (error as Error)?.message ?? String(error),
      cause: error,
    });
  const url = `${endpoint.baseUrl.replace(/\/+$/, "")}${request.target}`;
  const init: RequestInit = {
    method: request.method,
    headers: {
      ...(endpoint.token === "" ? {} : { authorization: `Bearer ${endpoint.token}` }),
      accept: "application/json",
      ...(request.body === undefined ? {} : { "content-type": "application/json" }),
      ...request.headers,
    },
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
    signal,
  };
  let response: Response;
  try {
    // Over the network the URL and options go to fetch as they are: a Request built here would be copied by
    // fetch, and the copy follows our signal only weakly (after a garbage collection, never).
    response = await (endpoint.fetch ? endpoint.fetch(new Request(url, init)) : fetch(url, init));
  } catch (error) {
    throw failed(error);
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw failed(error);
  }
  let json: unknown;
  try {
    json = text.length === 0 ? null : JSON.parse(text);
  } catch {
    throw new ServiceUnavailableError({
      ...site,
      reason: "off_contract",
      status: response.status,
      message: `answered ${response.status} with non-JSON`,
    });
  }
  if (!response.ok) {
    const refusal = ErrorBodySchema.safeParse(json);
    if (!refusal.success) {
      throw new ServiceUnavailableError({
        ...site,
        reason: "off_contract",
        status: response.status,
        message: `answered ${response.status}`,
      });
    }
    const { code, message, details } = refusal.data.error;
    throw new ApiError({ ...site, status: response.status, code, message, details });
  }
  return json;
}

/** The answer read with its contract's schema; anything else is the service off its contract. */
export function parseAnswer<S extends z.ZodType>(site: CallSite, schema: S, json: unknown): z.output<S> {
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new ServiceUnavailableError({
      ...site,
      reason: "off_contract",
      message: "answered outside its contract",
      cause: parsed.error,
    });
  }
  return parsed.data;
}
