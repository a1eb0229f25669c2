import type { SymbolFeed } from "@tickerbell/contracts";
import type { PriceSource, TickSink } from "../domain/ports.ts";
import type { SimulatedFeed } from "./simulated-feed.ts";

export interface SimulatedSourceOptions {
  now?: () => number;
}

/** The simulated feed as a PriceSource: advances the walks once per step and delivers subscribed symbols. */
export class SimulatedSource implements PriceSource {
  readonly name = "simulated";
  readonly #feed: SimulatedFeed;
  readonly #now: () => number;
  readonly #subscribed = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #sink: TickSink | undefined;

  constructor(feed: SimulatedFeed, options: SimulatedSourceOptions = {}) {
    this.#feed = feed;
    this.#now = options.now ?? Date.now;
  }

  async start(sink: TickSink): Promise<void> {
    this.#sink = sink;
    this.#timer = setInterval(() => this.tick(), this.#feed.stepMs);
  }

  /** Advances the feed to now and delivers what subscribed symbols traded (the timer calls this). */
  tick(): void {
    for (const t of this.#feed.advanceTo(this.#now())) if (this.#subscribed.has(t.symbol)) this.#sink?.(t);
  }

  subscribe(symbols: readonly string[]): void {
    for (const s of symbols) {
      this.#feed.track(s);
      this.#subscribed.add(s);
    }
  }

  unsubscribe(symbols: readonly string[]): void {
    for (const s of symbols) this.#subscribed.delete(s);
  }

  isReady(): boolean {
    return true;
  }

  /** The simulated feed has no cap: every watched symbol streams. */
  feedOf(symbol: string): SymbolFeed {
    return {
      path: this.#subscribed.has(symbol) ? "streamed" : "idle",
      maxStalenessSeconds: null,
      streamCap: null,
    };
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
  }
}
