// The alert service's internal API, as the matcher uses it: the alerts (with their stored runtime state) of the
// partitions it takes over. Bearer token = API_TOKEN_INTERNAL. Nothing here is called per tick or per firing.
// Failures are the typed client's: ApiError (the service said no) or ServiceUnavailableError (unreachable, no
// answer in time, off contract).
import { AlertsApi } from "@tickerbell/alerts-client";
import { type InternalAlertPage, InternalAlertPageSchema, MAX_INTERNAL_PAGE } from "@tickerbell/contracts";
import type { AlertSnapshotPage, AlertSnapshotSource, SnapshotRequest } from "./ports.ts";

export interface AlertSnapshotClientOptions {
  baseUrl: string;
  internalToken: string;
  /** Per request; the first page may wait for the alert service to catch up with alerts.runtime (default 60 s). */
  timeoutMs?: number;
  /** Alerts per snapshot page (default and maximum: the API's maximum). */
  pageSize?: number;
}

export class AlertSnapshotClient implements AlertSnapshotSource {
  readonly #api: AlertsApi;
  readonly #pageSize: number;

  constructor(options: AlertSnapshotClientOptions) {
    this.#api = new AlertsApi({
      baseUrl: options.baseUrl,
      token: options.internalToken,
      timeoutMs: options.timeoutMs ?? 60_000,
    });
    this.#pageSize = Math.min(options.pageSize ?? MAX_INTERNAL_PAGE, MAX_INTERNAL_PAGE);
  }

  async *activeAlerts(request: SnapshotRequest): AsyncIterable<AlertSnapshotPage> {
    let after: string | null = null;
    let first = true;
    do {
      const page: InternalAlertPage = await this.#api.call(
        "get",
        "/v1/internal/alerts",
        InternalAlertPageSchema,
        {
          query: {
            status: "active",
            limit: this.#pageSize,
            partitions: request.partitions.join(","),
            partitionCount: request.partitionCount,
            after: after ?? undefined,
            // The barrier is the first page's: later pages only continue the same listing.
            runtimeOffsets:
              first && request.runtimeOffsets.size > 0
                ? [...request.runtimeOffsets].map(([p, o]) => `${p}:${o}`).join(",")
                : undefined,
          },
        },
      );
      yield {
        alerts: page.alerts,
        changeSeqs: first ? page.changeSeqs : {},
        windowHistories: first ? (page.windowHistories ?? {}) : {},
      };
      first = false;
      after = page.nextAfter;
    } while (after !== null);
  }
}
