import { type Counter, counterIn, type Histogram, histogramIn, type Registry } from "@tickerbell/config";
import type { Platform } from "@tickerbell/contracts";

/** What became of a notification's DM: sent, refused for good, or given up after the retry budget (dead-lettered). */
export type DmOutcome = "sent" | "undeliverable" | "failed";

/** What became of the chart of a DM sent first: edited in, the footer says why there is none, or the edit failed. */
export type ChartEditOutcome = "attached" | "missing" | "failed";

/**
 * The delivery pipeline's Prometheus metrics, labelled with the bot's platform. Registered once per registry:
 * the standalone runs several bots on one registry, each under its own label.
 */
export class DeliveryMetrics {
  readonly #dms: Counter<"platform" | "outcome">;
  readonly #tradeToDm: Histogram<"platform">;
  readonly #charts: Counter<"platform" | "outcome">;
  readonly #platform: Platform;

  constructor(registry: Registry, platform: Platform) {
    this.#platform = platform;
    this.#dms = counterIn(registry, {
      name: "tickerbell_bot_dms_total",
      help: "Notifications per platform and outcome (sent, undeliverable, failed: gave up for now, retried later)",
      labelNames: ["platform", "outcome"],
    });
    this.#tradeToDm = histogramIn(registry, {
      name: "tickerbell_trade_to_dm_seconds",
      help: "From the trade that fired an alert to its DM being sent (first publications only)",
      labelNames: ["platform"],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    });
    this.#charts = counterIn(registry, {
      name: "tickerbell_bot_chart_edits_total",
      help: "Charts edited into DMs already sent, per outcome (attached; missing: the footer says why; failed)",
      labelNames: ["platform", "outcome"],
    });
  }

  charts(outcome: ChartEditOutcome): void {
    this.#charts.inc({ platform: this.#platform, outcome });
  }

  dms(outcome: DmOutcome, count: number): void {
    if (count > 0) this.#dms.inc({ platform: this.#platform, outcome }, count);
  }

  tradeToDm(seconds: number): void {
    this.#tradeToDm.observe({ platform: this.#platform }, Math.max(0, seconds));
  }
}
