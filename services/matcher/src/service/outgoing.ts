// What the matcher has to publish and the bus has not acknowledged yet: notifications (to their platform's
// topic) and alerts.runtime events. Kept across the bus's retries of the tick that produced them, so a failed
// publish is sent again without matching the tick again.
import {
  type AlertRuntimeEvent,
  type Notification,
  notificationTopicOf,
  TOPIC_ALERT_RUNTIME,
} from "@tickerbell/contracts";
import type { MatcherBus } from "./ports.ts";

export interface OutgoingCounters {
  notification(type: Notification["type"]): void;
  runtimeEvents(n: number): void;
}

export class Outgoing {
  readonly #bus: MatcherBus;
  readonly #counters: OutgoingCounters;
  #notifications: Notification[] = [];
  #runtime: AlertRuntimeEvent[] = [];

  constructor(bus: MatcherBus, counters: OutgoingCounters) {
    this.#bus = bus;
    this.#counters = counters;
  }

  notify(notification: Notification): void {
    this.#notifications.push(notification);
  }

  record(event: AlertRuntimeEvent): void {
    this.#runtime.push(event);
  }

  /**
   * Publishes everything pending. The DM path and the state path go out together (one round trip of latency,
   * not two); what the bus did not take stays pending and the error is thrown (the bus retries the handler).
   */
  async flush(): Promise<void> {
    const notifications = this.#notifications;
    const runtime = this.#runtime;
    if (notifications.length === 0 && runtime.length === 0) return;
    this.#notifications = [];
    this.#runtime = [];
    const byTopic = new Map<ReturnType<typeof notificationTopicOf>, Notification[]>();
    for (const n of notifications) {
      const topic = notificationTopicOf(n.origin.platform);
      const batch = byTopic.get(topic);
      if (batch) batch.push(n);
      else byTopic.set(topic, [n]);
    }
    const sends: { notifications: Notification[]; runtime: AlertRuntimeEvent[]; sent: Promise<void> }[] = [
      ...[...byTopic].map(([topic, batch]) => ({
        notifications: batch,
        runtime: [],
        sent: this.#bus.publish(
          topic,
          batch.map((value) => ({ value })),
        ),
      })),
    ];
    if (runtime.length > 0) {
      sends.push({
        notifications: [],
        runtime,
        sent: this.#bus.publish(
          TOPIC_ALERT_RUNTIME,
          runtime.map((value) => ({ value })),
        ),
      });
    }
    const results = await Promise.allSettled(sends.map((s) => s.sent));
    let error: unknown;
    results.forEach((result, i) => {
      const send = sends[i]!;
      if (result.status === "rejected") {
        error = result.reason;
        this.#notifications.unshift(...send.notifications);
        this.#runtime.unshift(...send.runtime);
        return;
      }
      for (const n of send.notifications) this.#counters.notification(n.type);
      if (send.runtime.length > 0) this.#counters.runtimeEvents(send.runtime.length);
    });
    if (error !== undefined) throw error;
  }
}
