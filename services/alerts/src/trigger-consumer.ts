// Closes the loop matcher -> alert service: every `triggered` notification the matcher publishes is recorded
// as a firing (idempotent by triggerId). The outbox change it writes ("triggered" or "rearmed") flows back to
// the matcher through alerts.changes, which is how a repeating alert's next generation reaches its index.
import type { Bus, Subscription } from "@tickerbell/bus";
import { Counter, type Logger, type Registry } from "@tickerbell/config";
import {
  type Notification,
  notificationTopicOf,
  type RecordTriggerRequest,
  type RecordTriggerResponse,
  type TOPIC_CATALOG,
} from "@tickerbell/contracts";
import { DomainError } from "./domain/errors.ts";

export const TRIGGER_CONSUMER_GROUP = "alerts-triggers";
export const NOTIFICATION_TOPICS = [
  notificationTopicOf("discord"),
  notificationTopicOf("telegram"),
  notificationTopicOf("console"),
] as const;

/** The use case the consumer drives (AlertService.recordTrigger). */
export interface TriggerRecorder {
  recordTrigger(request: RecordTriggerRequest): Promise<RecordTriggerResponse>;
}

export interface TriggerConsumerOptions {
  bus: Bus<typeof TOPIC_CATALOG>;
  recorder: TriggerRecorder;
  logger: Logger;
  metrics?: Registry;
  groupId?: string;
}

export class TriggerConsumer {
  readonly #options: TriggerConsumerOptions;
  readonly #recorded: Counter<"outcome">;
  #subscription: Subscription | undefined;

  constructor(options: TriggerConsumerOptions) {
    this.#options = options;
    const name = "alerts_triggers_recorded_total";
    this.#recorded =
      (options.metrics?.getSingleMetric(name) as Counter<"outcome"> | undefined) ??
      new Counter({
        name,
        help: "Firings read from notifications.* and recorded, by outcome",
        labelNames: ["outcome"],
        registers: options.metrics ? [options.metrics] : [],
      });
  }

  async start(): Promise<void> {
    if (this.#subscription) return;
    this.#subscription = await this.#options.bus.subscribe({
      groupId: this.#options.groupId ?? TRIGGER_CONSUMER_GROUP,
      topics: NOTIFICATION_TOPICS,
      // A database outage must not dead-letter firings: an unrecorded firing leaves the alert on its old
      // generation. About ten minutes of retries before a message gives up.
      retry: { maxAttempts: 25, initialBackoffMs: 200, maxBackoffMs: 30_000 },
      handler: (message) => this.#handle(message.value),
    });
  }

  /** Drains the message in flight, commits, leaves the group. */
  async stop(): Promise<void> {
    const subscription = this.#subscription;
    this.#subscription = undefined;
    await subscription?.stop();
  }

  async #handle(notification: Notification): Promise<void> {
    if (notification.type !== "triggered") return;
    const log = this.#options.logger.child({
      alertId: notification.alertId,
      triggerId: notification.triggerId,
      symbol: notification.symbol,
    });
    try {
      const { outcome } = await this.#options.recorder.recordTrigger({
        triggerId: notification.triggerId,
        price: notification.price,
        firedAt: notification.firedAt,
      });
      this.#recorded.inc({ outcome });
      log.debug({ outcome }, "firing recorded");
    } catch (error) {
      // The alert service said no (unknown alert, invalid firing): retrying cannot change the answer.
      if (error instanceof DomainError) {
        this.#recorded.inc({ outcome: "refused" });
        log.warn({ code: error.code, reason: error.message }, "firing refused");
        return;
      }
      throw error;
    }
  }
}
