import {
  ApiError,
  type Endpoint,
  exchangeJson,
  type Fetch,
  parseAnswer,
  ServiceUnavailableError,
} from "@tickerbell/alerts-client";
import type { z } from "zod";

// One error vocabulary for every service the bots call: the alert service's typed client and this JSON client
// throw the same two errors.
export { ApiError, type Fetch, ServiceUnavailableError };

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

/**
 * A small JSON-over-HTTP client that validates every answer against its zod schema, for services without a typed
 * client (the pricing service); the alert service has one (`AlertsApi` from @tickerbell/alerts-client).
 */
export class JsonClient {
  readonly #endpoint: Endpoint;
  constructor(options: JsonClientOptions) {
    this.#endpoint = options;
  }

  async call<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    init: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<z.output<S>> {
    const route = path.split("?")[0] ?? path;
    const json = await exchangeJson(this.#endpoint, { method, route, target: path, ...init });
    return parseAnswer({ service: this.#endpoint.service, method, path: route }, schema, json);
  }
}
