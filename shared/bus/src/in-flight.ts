import { StopSignal } from "./delivery.ts";

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
  readonly #running = new Set<Promise<void>>();
  readonly #onPrefix: (lastDoneOffset: string) => void;
  readonly #unlink: () => void;
  #failure: { error: unknown } | undefined;

  constructor(options: { limit: number; parent: StopSignal; onPrefix: (lastDoneOffset: string) => void }) {
    this.#limit = options.limit;
    this.#onPrefix = options.onPrefix;
    this.#unlink = options.parent.onStop(() => this.signal.stop());
  }

  get inFlight(): number {
    return this.#running.size;
  }

  /** Started messages not yet inside the done prefix (running, or done behind an unfinished one). */
  get unfinished(): number {
    return this.#order.pending;
  }

  get failed(): boolean {
    return this.#failure !== undefined;
  }

  hasRoom(): boolean {
    return this.#running.size < this.#limit;
  }

  /** Records a failure from outside the deliveries (a heartbeat that reports a rebalance): stop and drain. */
  fail(error: unknown): void {
    this.#failure ??= { error };
    this.signal.stop();
  }

  start(offset: string, deliver: () => Promise<boolean>): void {
    this.#order.start(offset);
    const task: Promise<void> = deliver()
      .then(
        (done) => {
          if (!done) return;
          const last = this.#order.finish(offset);
          if (last !== undefined) this.#onPrefix(last);
        },
        (error: unknown) => this.fail(error),
      )
      .finally(() => this.#running.delete(task));
    this.#running.add(task);
  }

  /** Resolves when a running delivery settles, the dispatcher stops, or after `timeoutMs` if given. */
  async whenOneSettles(timeoutMs?: number, also?: Promise<unknown>): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let unsubscribe = () => {};
    const waits: Promise<unknown>[] = [...this.#running];
    if (also) waits.push(also);
    if (timeoutMs !== undefined)
      waits.push(new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))));
    if (!this.signal.stopped)
      waits.push(new Promise<void>((resolve) => (unsubscribe = this.signal.onStop(resolve))));
    if (waits.length === 0) return;
    try {
      await Promise.race(waits);
    } finally {
      clearTimeout(timer);
      unsubscribe();
    }
  }

  /**
   * Waits for every running delivery (calling `tick.run` after each settles and at least every `tick.everyMs`
   * until something failed), then throws the first failure if there was one.
   */
  async drain(tick?: { everyMs: number; run: () => Promise<void> }): Promise<void> {
    try {
      while (this.#running.size > 0) {
        await this.whenOneSettles(tick?.everyMs);
        if (tick && !this.failed) await tick.run().catch((error: unknown) => this.fail(error));
      }
    } finally {
      this.#unlink();
    }
    if (this.#failure) throw this.#failure.error;
  }
}
