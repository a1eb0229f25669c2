import type { Logger } from "@tickerbell/config";
import type { PriceTick } from "@tickerbell/contracts";
import { TickConflator } from "./conflation.ts";
import type { TickPublisher } from "./ports.ts";

export interface PublishObserver {
  /** `ticks` messages went out standing for `trades` source ticks. */
  published(ticks: number, trades: number): void;
  publishFailed(): void;
  pendingSymbols(n: number): void;
}

export interface ConflatingPublisherOptions {
  /** Most ticks per bus call (default 1000). */
  maxBatch?: number;
  /** Pause after a failed publish before retrying (default 500 ms). */
  retryDelayMs?: number;
  observer?: PublishObserver;
}

/**
 * Sends ticks to the bus one batch at a time. While the bus keeps up every tick goes out as it came; ticks that
 * arrive while a batch is in flight are conflated per symbol, so a slow bus costs resolution, never memory,
 * and never a high or low. One batch in flight at a time keeps ticks of a symbol in order.
 */
export class ConflatingPublisher {
  readonly #publisher: TickPublisher;
  readonly #log: Logger;
  readonly #conflator = new TickConflator();
  /** Ticks that arrived while nothing was in flight, in arrival order (newer than any conflated window). */
  #direct: PriceTick[] = [];
  #inFlight = false;
  readonly #maxBatch: number;
  readonly #retryDelayMs: number;
  readonly #observer: PublishObserver | undefined;
  #pump: Promise<void> | undefined;
  #stopped = false;

  constructor(publisher: TickPublisher, log: Logger, options: ConflatingPublisherOptions = {}) {
    this.#publisher = publisher;
    this.#log = log;
    this.#maxBatch = options.maxBatch ?? 1000;
    this.#retryDelayMs = options.retryDelayMs ?? 500;
    this.#observer = options.observer;
  }

  offer(tick: PriceTick): void {
    if (!(Number.isFinite(tick.price) && tick.price > 0)) return;
    if (this.#inFlight || this.#conflator.pendingSymbols > 0) {
      this.#conflator.add(tick);
    } else if (this.#direct.length >= this.#maxBatch) {
      // More than a batch in one turn: the bus cannot keep up at this rate, so conflate from here on.
      this.#foldDirect();
      this.#conflator.add(tick);
    } else {
      this.#direct.push(tick);
    }
    this.#pump ??= this.#run().finally(() => {
      this.#pump = undefined;
    });
  }

  /** Resolves once everything offered so far is on the bus (or the publisher was stopped). */
  async flush(): Promise<void> {
    while (this.#pump) await this.#pump;
  }

  /** Publishes what is pending, waiting at most `timeoutMs`, then refuses further work. */
  async stop(timeoutMs = 5_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.flush(),
      new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    this.#stopped = true;
    this.#foldDirect();
    if (this.#conflator.pendingSymbols > 0) {
      this.#log.warn({ pendingSymbols: this.#conflator.pendingSymbols }, "stopping with unpublished ticks");
    }
  }

  #foldDirect(): void {
    for (const tick of this.#direct) this.#conflator.add(tick);
    this.#direct = [];
  }

  async #run(): Promise<void> {
    while (!this.#stopped && (this.#direct.length > 0 || this.#conflator.pendingSymbols > 0)) {
      // Let ticks that arrive in this same turn join the batch.
      await new Promise((resolve) => setImmediate(resolve));
      let batch: PriceTick[];
      if (this.#conflator.pendingSymbols > 0) {
        // Windows are older than direct ticks: fold those in behind them to keep each symbol in order.
        this.#foldDirect();
        batch = this.#conflator.drain(this.#maxBatch);
      } else {
        batch = this.#direct;
        this.#direct = [];
      }
      this.#inFlight = true;
      try {
        await this.#publisher.publish(batch);
        let trades = 0;
        for (const t of batch) trades += t.count ?? 1;
        this.#observer?.published(batch.length, trades);
      } catch (error) {
        this.#observer?.publishFailed();
        this.#log.error({ err: error, ticks: batch.length }, "publishing ticks failed; retrying");
        this.#conflator.restore(batch);
        await new Promise((resolve) => setTimeout(resolve, this.#retryDelayMs));
      } finally {
        this.#inFlight = false;
      }
      this.#observer?.pendingSymbols(this.#conflator.pendingSymbols);
    }
  }
}
