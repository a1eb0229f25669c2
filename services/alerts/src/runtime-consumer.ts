// The matcher -> alert service half of the firing path: every alerts.runtime event (a firing with the state
// after it, or a checkpointed state) is stored, in batched transactions. Nothing flows back to the matcher: its
// firing is authoritative; this is what a matcher taking the partition over starts from, what /alerts shows,
// and what the re-emitter sends again when no bot reported a delivery.
import type { Bus, Subscription } from "@tickerbell/bus";
import { type Counter, counterIn, type Logger, type Registry } from "@tickerbell/config";
import { TOPIC_ALERT_RUNTIME, type TOPIC_CATALOG } from "@tickerbell/contracts";
import type { RuntimeRecord } from "./domain/ports.ts";
import type { RuntimeService } from "./domain/runtime-service.ts";
import { GroupCommit } from "./group-commit.ts";

export const RUNTIME_CONSUMER_GROUP = "alerts-runtime";

export interface RuntimeConsumerOptions {
  bus: Bus<typeof TOPIC_CATALOG>;
  runtime: Pick<RuntimeService, "apply">;
  logger: Logger;
  metrics?: Registry;
  groupId?: string;
  /** Events per transaction at most (default 500). */
  maxBatch?: number;
}

export class RuntimeConsumer {
  readonly #options: RuntimeConsumerOptions;
  readonly #writer: GroupCommit<RuntimeRecord>;
  readonly #applied: Counter<"what">;
  #subscription: Subscription | undefined;

  constructor(options: RuntimeConsumerOptions) {
    this.#options = options;
    this.#applied = counterIn(options.metrics, {
      name: "alerts_runtime_applied_total",
      help: "alerts.runtime events stored, by what they did (states, firings, finished, skipped)",
      labelNames: ["what"],
    });
    this.#writer = new GroupCommit(
      async (records) => {
        const applied = await options.runtime.apply(records);
        for (const [what, n] of Object.entries(applied)) if (n > 0) this.#applied.inc({ what }, n);
      },
      { maxBatch: options.maxBatch ?? 500 },
    );
  }

  async start(): Promise<void> {
    if (this.#subscription) return;
    this.#subscription = await this.#options.bus.subscribe({
      groupId: this.#options.groupId ?? RUNTIME_CONSUMER_GROUP,
      topics: [TOPIC_ALERT_RUNTIME],
      // Many events of a partition in flight at once is what lets them share a transaction.
      maxInFlight: 1_000,
      // A database outage must not dead-letter a firing: about ten minutes of retries before giving up.
      retry: { attempts: 25, baseDelayMs: 200, maxDelayMs: 30_000 },
      handler: (message) =>
        this.#writer.add({
          event: message.value,
          partition: message.partition,
          offset: BigInt(message.offset),
        }),
    });
  }

  /** Resolves once everything published to alerts.runtime so far is stored (for an orderly shutdown). */
  async caughtUp(): Promise<void> {
    await this.#subscription?.caughtUp();
  }

  /** Finishes what is in flight, commits, leaves the group. */
  async stop(): Promise<void> {
    const subscription = this.#subscription;
    this.#subscription = undefined;
    await subscription?.stop();
  }
}
