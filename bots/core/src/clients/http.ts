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
    const { service, baseUrl, token, timeoutMs = 5000 } = this.options;
    const send = this.options.fetch ?? fetch;
    let response: Response;
    try {
      response = await send(
        new Request(new URL(path, baseUrl), {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            accept: "application/json",
            ...(init.body === undefined ? {} : { "content-type": "application/json" }),
            ...init.headers,
          },
          ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
          signal: AbortSignal.timeout(timeoutMs),
        }),
      );
    } catch (error) {
      throw new ServiceUnavailableError(service, `${method} ${path}: ${(error as Error).message}`, error);
    }
    const text = await response.text();
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
