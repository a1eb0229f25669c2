import { DemandSchema } from "@tickerbell/contracts";
import type { DemandSnapshotSource } from "../domain/ports.ts";

export interface AlertsDemandClientOptions {
  alertsUrl: string;
  internalToken: string;
  timeoutMs?: number;
}

/** `GET /v1/internal/demand` on the alert service, with the internal bearer token. */
export class AlertsDemandClient implements DemandSnapshotSource {
  readonly #options: AlertsDemandClientOptions;

  constructor(options: AlertsDemandClientOptions) {
    this.#options = options;
  }

  async fetchDemand(): Promise<string[]> {
    const url = `${this.#options.alertsUrl.replace(/\/$/, "")}/v1/internal/demand`;
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${this.#options.internalToken}` },
      signal: AbortSignal.timeout(this.#options.timeoutMs ?? 10_000),
    });
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`alert service GET /v1/internal/demand answered ${res.status}`);
    }
    return DemandSchema.parse(await res.json()).symbols;
  }
}

/** No alert service configured (a local try-out): nobody demands anything until events say so. */
export class NoDemandSnapshot implements DemandSnapshotSource {
  async fetchDemand(): Promise<string[]> {
    return [];
  }
}
