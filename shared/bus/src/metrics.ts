import { type Counter, counterIn, type Gauge, gaugeIn, type Registry } from "@tickerbell/config";

/**
 * The bus's Prometheus metrics. Registered on the registry given (reused when a second bus registers on the
 * same one), or on none, so that a bus without a registry still counts for its own tests.
 */
export class BusMetrics {
  readonly published: Counter<"topic">;
  readonly consumed: Counter<"topic" | "group" | "outcome">;
  readonly handlerFailures: Counter<"topic" | "group">;
  readonly deadLettered: Counter<"topic" | "group" | "reason">;
  readonly consumerLag: Gauge<"topic" | "partition" | "group">;

  constructor(registry?: Registry) {
    this.published = counterIn(registry, {
      name: "tickerbell_bus_published_messages_total",
      help: "Messages published (acknowledged by the bus), per topic",
      labelNames: ["topic"],
    });
    this.consumed = counterIn(registry, {
      name: "tickerbell_bus_consumed_messages_total",
      help: "Messages consumed and done with, per topic, group and outcome (handled or dead_lettered)",
      labelNames: ["topic", "group", "outcome"],
    });
    this.handlerFailures = counterIn(registry, {
      name: "tickerbell_bus_handler_failures_total",
      help: "Failed handler attempts (each retry counts), per topic and group",
      labelNames: ["topic", "group"],
    });
    this.deadLettered = counterIn(registry, {
      name: "tickerbell_bus_dead_lettered_messages_total",
      help: "Messages sent to <topic>.dlq, per original topic, group and reason (invalid or failed)",
      labelNames: ["topic", "group", "reason"],
    });
    this.consumerLag = gaugeIn(registry, {
      name: "tickerbell_bus_consumer_lag",
      help: "Messages in the partition not yet processed by this group (high watermark - next offset)",
      labelNames: ["topic", "partition", "group"],
    });
  }
}
