import { StopSignal } from "./consume.ts";

/**
 * One partition's started messages in start (offset) order, and which of them are done. `finish` reports how far
 * the contiguous done prefix reaches: the last offset that may be committed without skipping a message that is
 * not done yet. Offsets may have gaps (compaction, transaction markers), so the order is the start order.
 */
export class CompletionOrder {
  #started: string[] = [];
  #head = 0;
  readonly #done = new Set<string>();

  /** Started messages not yet inside the done prefix. */
  get pending(): number {
    return this.#started.length - this.#head;
  }

  start(offset: string): void {
    this.#started.push(offset);
  }

  /** Marks a started message done; returns the last offset of the done prefix when the prefix moved. */
  finish(offset: string): string | undefined {
    this.#done.add(offset);
    let last: string | undefined;
    for (let next = this.#started[this.#head]; next !== undefined && this.#done.has(next); ) {
      this.#done.delete(next);
      last = next;
      next = this.#started[++this.#head];
    }
    // Drop the consumed head now and then instead of shifting on every message.
    if (this.#head > 1024 && this.#head * 2 > this.#started.length) {
      this.#started = this.#started.slice(this.#head);
      this.#head = 0;
    }
    return last;
  }
}

/**
 * Runs one partition's deliveries with up to `limit` at once, started in offset order, and reports the
 * contiguous done prefix through `onPrefix`. A delivery resolves `true` when its message is done (handled or
 * dead-lettered) and `false` when it was abandoned because the partition stops (it stays unfinished, and so does
 * everything after it). A delivery that throws (the group is rebalancing, the DLQ is unreachable) stops the
 * partition: nothing new starts, the others finish, and `drain()` throws the first such error.
 */
export class PartitionDispatcher {
  /** Stopped when the owner stops or a delivery failed: no new message starts, retries give up. */
  readonly signal = new StopSignal();
  readonly #limit: number;
  readonly #order = new CompletionOrder();
  #running = 0;
  /** Callers of `whenOneSettles`; each settle (and each `wakeEveryMs` tick) wakes them all. */
  readonly #waiters = new Set<() => void>();
  readonly #onPrefix: (lastDoneOffset: string) => void;
  readonly #unlink: () => void;
  readonly #ticker: ReturnType<typeof setInterval> | undefined;
  #failure: { error: unknown } | undefined;

  constructor(options: {
    limit: number;
    parent: StopSignal;
    onPrefix: (lastDoneOffset: string) => void;
    /** Also wake waiters this often (the Kafka adapter heartbeats while slow handlers run). */
    wakeEveryMs?: number;
  }) {
    this.#limit = options.limit;
    this.#onPrefix = options.onPrefix;
    this.#unlink = options.parent.onStop(() => this.signal.stop());
    this.signal.onStop(() => this.#wake());
    if (options.wakeEveryMs !== undefined) {
      this.#ticker = setInterval(() => this.#wake(), options.wakeEveryMs);
      this.#ticker.unref?.();
    }
  }

  get inFlight(): number {
    return this.#running;
  }

  /** Started messages not yet inside the done prefix (running, or done behind an unfinished one). */
  get unfinished(): number {
    return this.#order.pending;
  }

  get failed(): boolean {
    return this.#failure !== undefined;
  }

  hasRoom(): boolean {
    return this.#running < this.#limit;
  }

  /** Records a failure from outside the deliveries (a heartbeat that reports a rebalance): stop and drain. */
  fail(error: unknown): void {
    this.#failure ??= { error };
    this.signal.stop();
  }

  start(offset: string, deliver: () => Promise<boolean>): void {
    this.#order.start(offset);
    this.#running++;
    deliver()
      .then(
        (done) => {
          if (!done) return;
          const last = this.#order.finish(offset);
          if (last !== undefined) this.#onPrefix(last);
        },
        (error: unknown) => this.fail(error),
      )
      .finally(() => {
        this.#running--;
        this.#wake();
      });
  }

  /**
   * Resolves when a running delivery settles, the dispatcher stops, `also` settles, or the next
   * `wakeEveryMs` tick. Resolves at once when there is nothing to wait for.
   */
  whenOneSettles(also?: Promise<unknown>): Promise<void> {
    if (this.#running === 0 && this.signal.stopped && !also) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        this.#waiters.delete(wake);
        resolve();
      };
      this.#waiters.add(wake);
      also?.then(wake, wake);
    });
  }

  /**
   * Waits for every running delivery (calling `afterEach` after each wake-up until something failed), then
   * throws the first failure if there was one.
   */
  async drain(afterEach?: () => Promise<void>): Promise<void> {
    try {
      while (this.#running > 0) {
        await this.whenOneSettles();
        if (afterEach && !this.failed) await afterEach().catch((error: unknown) => this.fail(error));
      }
    } finally {
      this.#unlink();
      clearInterval(this.#ticker);
    }
    if (this.#failure) throw this.#failure.error;
  }

  #wake(): void {
    for (const wake of [...this.#waiters]) wake();
  }
}
