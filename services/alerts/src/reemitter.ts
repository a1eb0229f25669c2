// Every recorded firing reaches its user or is recorded undeliverable: a firing that no bot reported an
// outcome for after a grace period is published to its notifications topic again (same triggerId; a bot that
// did deliver it drops it). Runs at start and then periodically; replicas claim disjoint firings.

import type { Bus } from "@tickerbell/bus";
import { type Logger, PeriodicPass } from "@tickerbell/config";
import { type Notification, notificationTopicOf, type TOPIC_CATALOG } from "@tickerbell/contracts";
import type { RuntimeService } from "./domain/runtime-service.ts";

export interface ReemitterOptions {
  bus: Pick<Bus<typeof TOPIC_CATALOG>, "publish">;
  runtime: Pick<RuntimeService, "claimUndelivered">;
  logger: Logger;
  /** How long a firing may go without a delivery outcome before it is sent again (default 60 s). */
  graceMs?: number;
  /** How often to look (default 15 s). */
  intervalMs?: number;
}

export class Reemitter {
  readonly #options: ReemitterOptions;
  readonly #passes: PeriodicPass<number>;

  constructor(options: ReemitterOptions) {
    this.#options = options;
    this.#passes = new PeriodicPass(() => this.#pass(), {
      intervalMs: options.intervalMs ?? 15_000,
      fallback: 0,
      logger: options.logger,
      failure: "re-emitting undelivered firings failed; the next pass retries",
    });
  }

  start(): void {
    this.#passes.start();
  }

  stop(): Promise<void> {
    return this.#passes.stop();
  }

  /** One pass: claims and re-publishes, batch by batch; returns how many were sent again. */
  runOnce(): Promise<number> {
    return this.#passes.runOnce();
  }

  async #pass(): Promise<number> {
    let total = 0;
    for (;;) {
      const due = await this.#options.runtime.claimUndelivered(this.#options.graceMs ?? 60_000, 200);
      if (due.length === 0) break;
      const byTopic = new Map<ReturnType<typeof notificationTopicOf>, Notification[]>();
      for (const n of due) {
        const topic = notificationTopicOf(n.origin.platform);
        byTopic.set(topic, [...(byTopic.get(topic) ?? []), n]);
      }
      for (const [topic, notifications] of byTopic) {
        await this.#options.bus.publish(
          topic,
          notifications.map((value) => ({ value: { ...value, again: true } })),
        );
      }
      total += due.length;
      if (due.length < 200) break;
    }
    if (total > 0) this.#options.logger.info({ count: total }, "re-emitted firings that no bot reported on");
    return total;
  }
}
