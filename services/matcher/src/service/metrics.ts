import { type Counter, counterIn, gaugeIn, type Registry } from "@tickerbell/config";

/** The matcher's Prometheus metrics (registered once per registry, so two instances in a process share them). */
export class MatcherMetrics {
  readonly ticks: Counter<never>;
  readonly published: Counter<"type">;
  readonly checkpoints: Counter<"outcome">;
  readonly runtimeEvents: Counter<never>;

  constructor(registry: Registry, gauges: { alerts: () => number; ownedPartitions: () => number }) {
    this.ticks = counterIn(registry, { name: "tickerbell_matcher_ticks_total", help: "Ticks matched" });
    this.published = counterIn(registry, {
      name: "tickerbell_matcher_notifications_total",
      help: "Notifications published, by type (triggered, expired)",
      labelNames: ["type"],
    });
    this.checkpoints = counterIn(registry, {
      name: "tickerbell_matcher_checkpoints_total",
      help: "Checkpoints (runtime state written, offsets committed), by outcome (ok, failed)",
      labelNames: ["outcome"],
    });
    this.runtimeEvents = counterIn(registry, {
      name: "tickerbell_matcher_runtime_events_total",
      help: "alerts.runtime events written (firings and checkpointed states)",
    });
    gaugeIn(registry, {
      name: "tickerbell_matcher_alerts",
      help: "Alerts in this instance's index",
      collect() {
        this.set(gauges.alerts());
      },
    });
    gaugeIn(registry, {
      name: "tickerbell_matcher_owned_partitions",
      help: "Partitions of prices.ticks (and alerts.changes) this instance owns",
      collect() {
        this.set(gauges.ownedPartitions());
      },
    });
  }
}
