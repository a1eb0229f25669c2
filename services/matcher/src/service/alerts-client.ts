// The alert service's internal API, as the matcher uses it: the alerts (with their stored runtime state) of the
// partitions it takes over. Bearer token = API_TOKEN_INTERNAL. Nothing here is called per tick or per firing.
import { InternalAlertPageSchema, MAX_INTERNAL_PAGE } from "@tickerbell/contracts";
import type { AlertSnapshotPage, AlertSnapshotSource, SnapshotRequest } from "./ports.ts";

/** The alert service answered, and the answer was not a success. */
export class AlertsApiError extends Error {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  constructor(method: string, path: string, status: number, code: string | undefined) {
    super(`alert service ${method} ${path} answered ${status}${code ? ` (${code})` : ""}`);
    this.name = "AlertsApiError";
    this.method = method;
    this.path = path;
    this.status = status;
  }
}

/** The alert service could not be reached (connection refused, reset, timeout). */
export class AlertsUnreachableError extends Error {
  constructor(method: string, path: string, cause: unknown) {
    super(`alert service ${method} ${path} unreachable: ${(cause as Error)?.message ?? String(cause)}`, {
      cause,
    });
    this.name = "AlertsUnreachableError";
  }
}

export interface AlertsClientOptions {
  baseUrl: string;
  internalToken: string;
  /** Per request; the first page may wait for the alert service to catch up with alerts.runtime (default 60 s). */
  timeoutMs?: number;
  /** Alerts per snapshot page (default and maximum: the API's maximum). */
  pageSize?: number;
}

export class AlertsClient implements AlertSnapshotSource {
  readonly #baseUrl: string;
  readonly #token: string;
  readonly #timeoutMs: number;
  readonly #pageSize: number;

  constructor(options: AlertsClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/$/, "");
    this.#token = options.internalToken;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#pageSize = Math.min(options.pageSize ?? MAX_INTERNAL_PAGE, MAX_INTERNAL_PAGE);
  }

  async *activeAlerts(request: SnapshotRequest): AsyncIterable<AlertSnapshotPage> {
    let after: string | null = null;
    let first = true;
    do {
      const query = new URLSearchParams({
        status: "active",
        limit: String(this.#pageSize),
        partitions: request.partitions.join(","),
        partitionCount: String(request.partitionCount),
      });
      if (after) query.set("after", after);
      // The barrier is the first page's: later pages only continue the same listing.
      if (first && request.runtimeOffsets.size > 0)
        query.set("runtimeOffsets", [...request.runtimeOffsets].map(([p, o]) => `${p}:${o}`).join(","));
      const page = InternalAlertPageSchema.parse(await this.#call("GET", `/v1/internal/alerts?${query}`));
      yield { alerts: page.alerts, changeSeqs: first ? page.changeSeqs : {} };
      first = false;
      after = page.nextAfter;
    } while (after !== null);
  }

  async #call(method: "GET", path: string, body?: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${this.#baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.#token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw new AlertsUnreachableError(method, path.split("?")[0]!, error);
    }
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      if (res.ok) throw new AlertsApiError(method, path.split("?")[0]!, res.status, "not_json");
    }
    if (!res.ok) {
      const code = (parsed as { error?: { code?: string } } | null)?.error?.code;
      throw new AlertsApiError(method, path.split("?")[0]!, res.status, code);
    }
    return parsed;
  }
}
