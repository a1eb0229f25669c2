import { backoffMs, type Logger } from "@tickerbell/config";
import { type StopLatch, StoppedError } from "./backoff.ts";
import type { DeliveryLog, DeliveryState } from "./ports.ts";

export interface LookupBatcherOptions {
  log: DeliveryLog;
  logger: Logger;
  stop: StopLatch;
  /** How long a question waits for others to join its request (default 5 ms). */
  windowMs?: number;
  /** Most triggerIds in one request (default 500, the service's limit). */
  maxBatch?: number;
  /** Backoff while the log is unreachable; lookups retry until answered or stopped. */
  backoff?: { baseDelayMs: number; maxDelayMs: number };
}

interface Waiter {
  resolve: (state: DeliveryState) => void;
  reject: (error: unknown) => void;
}

/**
 * Asks the delivery log about many triggerIds in one request: the questions asked within a few milliseconds of
 * each other (a partition handed over brings a run of them) are gathered and sent together, DataLoader-style.
 * While the log is unreachable the request is retried with backoff: without an answer the notification can be
 * neither sent (it may have been) nor skipped (it may not have been).
 */
export class LookupBatcher {
  readonly #options: Required<Omit<LookupBatcherOptions, "log" | "logger" | "stop">>;
  readonly #log: DeliveryLog;
  readonly #logger: Logger;
  readonly #stop: StopLatch;
  #pending = new Map<string, Waiter[]>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Requests sent, for tests and metrics. */
  requests = 0;

  constructor(options: LookupBatcherOptions) {
    this.#log = options.log;
    this.#logger = options.logger;
    this.#stop = options.stop;
    this.#options = {
      windowMs: options.windowMs ?? 5,
      maxBatch: options.maxBatch ?? 500,
      backoff: options.backoff ?? { baseDelayMs: 250, maxDelayMs: 10_000 },
    };
  }

  stateOf(triggerId: string): Promise<DeliveryState> {
    if (this.#stop.stopped) return Promise.reject(new StoppedError("delivery lookup"));
    return new Promise((resolve, reject) => {
      const waiters = this.#pending.get(triggerId);
      if (waiters) waiters.push({ resolve, reject });
      else this.#pending.set(triggerId, [{ resolve, reject }]);
      if (this.#pending.size >= this.#options.maxBatch) this.#send();
      else this.#timer ??= setTimeout(() => this.#send(), this.#options.windowMs);
    });
  }

  #send(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#pending;
    this.#pending = new Map();
    if (batch.size > 0) void this.#ask(batch);
  }

  async #ask(batch: Map<string, Waiter[]>): Promise<void> {
    const ids = [...batch.keys()];
    for (let attempt = 1; ; attempt++) {
      try {
        this.requests++;
        const states = await this.#log.lookup(ids);
        for (const [id, waiters] of batch) for (const w of waiters) w.resolve(states.get(id) ?? "new");
        return;
      } catch (error) {
        if (this.#stop.stopped) {
          for (const waiters of batch.values()) for (const w of waiters) w.reject(error);
          return;
        }
        const delayMs = backoffMs(this.#options.backoff, attempt);
        this.#logger.warn(
          { err: error, attempt, delayMs, triggerIds: ids.length },
          "delivery log lookup failed, retrying",
        );
        await this.#stop.sleep(delayMs);
      }
    }
  }
}
