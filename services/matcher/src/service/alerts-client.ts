// The alert service's internal API, as the matcher uses it: the start-up snapshot, trailing extremes and
// (on hand-over) firings. Bearer token = API_TOKEN_INTERNAL.
import {
  type ExtremeUpdate,
  ExtremeUpdatesResponseSchema,
  InternalAlertPageSchema,
  MAX_EXTREME_UPDATES,
  MAX_INTERNAL_PAGE,
  type RecordTriggerRequest,
  type RecordTriggerResponse,
  RecordTriggerResponseSchema,
} from "@tickerbell/contracts";
import type { AlertSnapshotPage, AlertSnapshotSource, ExtremeStore, TriggerRecorder } from "./ports.ts";

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
  timeoutMs?: number;
  /** Alerts per snapshot page (default and maximum: the API's maximum). */
  pageSize?: number;
}

export class AlertsClient implements AlertSnapshotSource, ExtremeStore, TriggerRecorder {
  readonly #baseUrl: string;
  readonly #token: string;
  readonly #timeoutMs: number;
  readonly #pageSize: number;

  constructor(options: AlertsClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/$/, "");
    this.#token = options.internalToken;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#pageSize = Math.min(options.pageSize ?? MAX_INTERNAL_PAGE, MAX_INTERNAL_PAGE);
  }

  async *activeAlerts(): AsyncIterable<AlertSnapshotPage> {
    let after: string | null = null;
    do {
      const query = new URLSearchParams({ status: "active", limit: String(this.#pageSize) });
      if (after) query.set("after", after);
      const page = InternalAlertPageSchema.parse(
        await this.#call("GET", `/v1/internal/alerts?${query}`, undefined),
      );
      yield { alerts: page.alerts, asOfSeq: page.asOfSeq ?? "0" };
      after = page.nextAfter;
    } while (after !== null);
  }

  async saveExtremes(updates: readonly ExtremeUpdate[]): Promise<number> {
    let applied = 0;
    for (let i = 0; i < updates.length; i += MAX_EXTREME_UPDATES) {
      const body = { updates: updates.slice(i, i + MAX_EXTREME_UPDATES) };
      applied += ExtremeUpdatesResponseSchema.parse(
        await this.#call("POST", "/v1/internal/extremes", body),
      ).applied;
    }
    return applied;
  }

  async recordTrigger(request: RecordTriggerRequest): Promise<RecordTriggerResponse> {
    return RecordTriggerResponseSchema.parse(await this.#call("POST", "/v1/internal/triggers", request));
  }

  async #call(method: "GET" | "POST", path: string, body: unknown): Promise<unknown> {
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
