import { Counter, Gauge, type Registry } from "@tickerbell/config";

/** The matcher's Prometheus metrics (registered once per registry, so two instances in a process share them). */
export class MatcherMetrics {
  readonly ticks: Counter<never>;
  readonly published: Counter<"type">;
  readonly checkpoints: Counter<"outcome">;
  readonly runtimeEvents: Counter<never>;

  constructor(registry: Registry, gauges: { alerts: () => number; ownedPartitions: () => number }) {
    const registers = [registry];
    const existing = <M>(name: string) => registry.getSingleMetric(name) as M | undefined;
    this.ticks =
      existing<Counter<never>>("tickerbell_matcher_ticks_total") ??
      new Counter({ name: "tickerbell_matcher_ticks_total", help: "Ticks matched", registers });
    this.published =
      existing<Counter<"type">>("tickerbell_matcher_notifications_total") ??
      new Counter({
        name: "tickerbell_matcher_notifications_total",
        help: "Notifications published, by type (triggered, expired)",
        labelNames: ["type"],
        registers,
      });
    this.checkpoints =
      existing<Counter<"outcome">>("tickerbell_matcher_checkpoints_total") ??
      new Counter({
        name: "tickerbell_matcher_checkpoints_total",
        help: "Checkpoints (runtime state written, offsets committed), by outcome (ok, failed)",
        labelNames: ["outcome"],
        registers,
      });
    this.runtimeEvents =
      existing<Counter<never>>("tickerbell_matcher_runtime_events_total") ??
      new Counter({
        name: "tickerbell_matcher_runtime_events_total",
        help: "alerts.runtime events written (firings and checkpointed states)",
        registers,
      });
    if (!existing("tickerbell_matcher_alerts")) {
      new Gauge({
        name: "tickerbell_matcher_alerts",
        help: "Alerts in this instance's index",
        registers,
        collect() {
          this.set(gauges.alerts());
        },
      });
    }
    if (!existing("tickerbell_matcher_owned_partitions")) {
      new Gauge({
        name: "tickerbell_matcher_owned_partitions",
        help: "Partitions of prices.ticks (and alerts.changes) this instance owns",
        registers,
        collect() {
          this.set(gauges.ownedPartitions());
        },
      });
    }
  }
}
