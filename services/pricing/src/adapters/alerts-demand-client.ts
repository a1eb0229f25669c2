import { AlertsApi } from "@tickerbell/alerts-client";
import { type Demand, DemandSchema } from "@tickerbell/contracts";
import type { DemandSnapshotSource } from "../domain/ports.ts";

export interface AlertsDemandClientOptions {
  alertsUrl: string;
  internalToken: string;
  timeoutMs?: number;
}

/**
 * `GET /v1/internal/demand` on the alert service, with the internal bearer token, through the typed client:
 * failures are ApiError (the service said no) or ServiceUnavailableError (unreachable, no answer in time).
 */
export class AlertsDemandClient implements DemandSnapshotSource {
  readonly #api: AlertsApi;

  constructor(options: AlertsDemandClientOptions) {
    this.#api = new AlertsApi({
      baseUrl: options.alertsUrl,
      token: options.internalToken,
      timeoutMs: options.timeoutMs ?? 10_000,
    });
  }

  async fetchDemand(symbols?: readonly string[]): Promise<Demand> {
    return this.#api.call(
      "get",
      "/v1/internal/demand",
      DemandSchema,
      symbols === undefined ? {} : { query: { symbols: symbols.join(",") } },
    );
  }
}

/** No alert service configured (a local try-out): nobody demands anything until events say so. */
export class NoDemandSnapshot implements DemandSnapshotSource {
  async fetchDemand(): Promise<Demand> {
    return { symbols: [], bySymbol: [] };
  }
}
