import type { Logger } from "@tickerbell/config";
import type { PriceTick } from "@tickerbell/contracts";
import type { DemandTracker } from "./demand.ts";
import type { TieredPriceSource } from "./ports.ts";
import { chooseStreamed, DEFAULT_SWAP_MARGIN, rankSymbols } from "./stream-ranking.ts";

export interface StreamBalancerObserver {
  rebalanced(moves: { toStream: number; toPoll: number }): void;
}

export interface StreamBalancerOptions {
  source: TieredPriceSource;
  demand: DemandTracker;
  log: Logger;
  /** Re-rank this often, as prices move towards or away from levels (default 60 s). */
  periodMs?: number;
  /** How much more urgent a polled symbol must be to take a streamed one's slot (default 1.25). */
  swapMargin?: number;
  observer?: StreamBalancerObserver;
}

/**
 * Keeps the most urgent demanded symbols on the capped live stream (see stream-ranking.ts): re-ranks when the
 * demand or its levels change and on a period, from the last price of every symbol.
 */
export class StreamBalancer {
  readonly #o: StreamBalancerOptions;
  readonly #lastPrice = new Map<string, number>();
  readonly #unsubscribe: Array<() => void> = [];
  #timer: NodeJS.Timeout | undefined;
  #scheduled = false;
  #stopped = false;

  constructor(options: StreamBalancerOptions) {
    this.#o = options;
  }

  /** Listens after whoever subscribes the source to the demand, so a re-balance sees the symbols added. */
  start(): void {
    const { demand } = this.#o;
    this.#unsubscribe.push(
      demand.onChange(({ removed }) => {
        for (const symbol of removed) this.#lastPrice.delete(symbol);
        this.#schedule();
      }),
      demand.onUrgencyChange(() => this.#schedule()),
    );
    this.#timer = setInterval(() => this.rebalance(), this.#o.periodMs ?? 60_000);
    this.#timer.unref();
  }

  /** Every delivered tick: the price the distances are measured from. */
  offer(tick: PriceTick): void {
    this.#lastPrice.set(tick.symbol, tick.price);
  }

  /** Re-ranks now and moves the symbols whose path changes. */
  rebalance(): void {
    if (this.#stopped) return;
    const { source, demand, log } = this.#o;
    const ranked = rankSymbols(demand.urgency(), (s) => this.#lastPrice.get(s) ?? null);
    const before = source.streamedSymbols();
    const chosen = chooseStreamed(
      ranked,
      before,
      source.streamCap,
      this.#o.swapMargin ?? DEFAULT_SWAP_MARGIN,
    );
    const toStream = [...chosen].filter((s) => !before.has(s));
    const toPoll = [...before].filter((s) => !chosen.has(s));
    this.#o.observer?.rebalanced({ toStream: toStream.length, toPoll: toPoll.length });
    if (toStream.length === 0 && toPoll.length === 0) return;
    source.setStreamed(chosen);
    log.info(
      { toStream: toStream.slice(0, 20), toPoll: toPoll.slice(0, 20), cap: source.streamCap },
      "re-balanced the live stream by urgency",
    );
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    for (const off of this.#unsubscribe) off();
  }

  /** Several changes in one turn (a snapshot, a burst of events) make one re-balance. */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.rebalance();
    });
  }
}
