import { ErrorBodySchema } from "@tickerbell/contracts";
import type { z } from "zod";

/** The service answered and said no (4xx/5xx): carries its error code and message for the reply. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  readonly method: string;
  readonly path: string;
  constructor(
    method: string,
    path: string,
    status: number,
    code: string,
    message: string,
    details?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
    this.method = method;
    this.path = path;
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** The service could not be reached, or answered with something that is not our contract. */
export class ServiceUnavailableError extends Error {
  readonly service: string;
  constructor(service: string, message: string, cause?: unknown) {
    super(`${service} is unavailable: ${message}`, { cause });
    this.name = "ServiceUnavailableError";
    this.service = service;
  }
}

/** A fetch: the platform's, or a service's own handler called in process (Hono's `app.fetch`). */
export type Fetch = (request: Request) => Response | Promise<Response>;

export interface JsonClientOptions {
  service: string;
  baseUrl: string;
  token: string;
  timeoutMs?: number;
  /**
   * Sends the request (default: the global fetch, over the network). A process that runs the service itself
   * (the standalone) passes the service's handler: the same API, no socket.
   */
  fetch?: Fetch;
}

/** A small JSON-over-HTTP client that validates every answer against its zod schema. */
export class JsonClient {
  private readonly options: JsonClientOptions;
  constructor(options: JsonClientOptions) {
    this.options = options;
  }

  async call<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    init: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<z.output<S>> {
    const { timeoutMs = 5000 } = this.options;
    // The timer holds the controller, so the abort comes whatever the garbage collector does meanwhile: an
    // AbortSignal.timeout reaches fetch through the Request it copies, weakly, and once collected it never fired.
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new DOMException(`no answer within ${timeoutMs} ms`, "TimeoutError")),
      timeoutMs,
    );
    try {
      return await this.#exchange(method, path, schema, init, deadline.signal);
    } finally {
      clearTimeout(timer);
    }
  }

  async #exchange<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    init: { body?: unknown; headers?: Record<string, string> },
    signal: AbortSignal,
  ): Promise<z.output<S>> {
    const { service, baseUrl, token } = this.options;
    const url = new URL(path, baseUrl);
    const request: RequestInit = {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: "application/json",
        ...(init.body === undefined ? {} : { "content-type": "application/json" }),
        ...init.headers,
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      signal,
    };
    let response: Response;
    try {
      // Over the network the URL and options go to fetch as they are: a Request built here would be copied by
      // fetch, and the copy follows our signal only weakly (after a garbage collection, never).
      response = await (this.options.fetch
        ? this.options.fetch(new Request(url, request))
        : fetch(url, request));
    } catch (error) {
      throw new ServiceUnavailableError(service, `${method} ${path}: ${(error as Error).message}`, error);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw new ServiceUnavailableError(service, `${method} ${path}: ${(error as Error).message}`, error);
    }
    let json: unknown;
    try {
      json = text.length === 0 ? null : JSON.parse(text);
    } catch {
      throw new ServiceUnavailableError(
        service,
        `${method} ${path} answered ${response.status} with non-JSON`,
      );
    }
    if (!response.ok) {
      const parsed = ErrorBodySchema.safeParse(json);
      if (!parsed.success) {
        throw new ServiceUnavailableError(service, `${method} ${path} answered ${response.status}`);
      }
      const { code, message, details } = parsed.data.error;
      throw new ApiError(method, path, response.status, code, message, details);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new ServiceUnavailableError(service, `${method} ${path} answered outside its contract`);
    }
    return parsed.data;
  }
}
