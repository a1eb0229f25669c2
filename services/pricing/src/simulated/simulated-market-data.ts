import { usSessionAt } from "@tickerbell/rules";
import type { MarketData, MarketStatus, Quote, SymbolMatch } from "../domain/ports.ts";
import type { SimulatedFeed } from "./simulated-feed.ts";
import { SIMULATED_BY_SYMBOL, SIMULATED_UNIVERSE } from "./universe.ts";

const MAX_RESULTS = 20;

/** Quotes, search and market status answered from the simulated universe. */
export class SimulatedMarketData implements MarketData {
  readonly #feed: SimulatedFeed;
  readonly #now: () => number;

  constructor(feed: SimulatedFeed, now: () => number = Date.now) {
    this.#feed = feed;
    this.#now = now;
  }

  async quote(symbol: string): Promise<Quote | null> {
    if (!SIMULATED_BY_SYMBOL.has(symbol)) return null;
    const p = this.#feed.current(symbol);
    if (!p) return null;
    const change = round4(p.price - p.previousClose);
    return {
      symbol,
      price: p.price,
      change,
      changePercent: round4((change / p.previousClose) * 100),
      high: p.high,
      low: p.low,
      open: p.open,
      previousClose: p.previousClose,
      ts: p.ts,
    };
  }

  async search(query: string): Promise<SymbolMatch[]> {
    const q = query.trim().toUpperCase();
    if (!q) return [];
    const rank = (symbol: string, description: string) =>
      symbol === q ? 0 : symbol.startsWith(q) ? 1 : description.startsWith(q) ? 2 : 3;
    return SIMULATED_UNIVERSE.filter((i) => i.symbol.startsWith(q) || i.description.includes(q))
      .sort((a, b) => rank(a.symbol, a.description) - rank(b.symbol, b.description))
      .slice(0, MAX_RESULTS)
      .map((i) => ({ symbol: i.symbol, description: i.description, type: i.type }));
  }

  async marketStatus(): Promise<MarketStatus> {
    const ts = this.#now();
    const session = usSessionAt(ts);
    return {
      exchange: "US",
      isOpen: session === "regular",
      session,
      holiday: null,
      timezone: "America/New_York",
      ts,
    };
  }
}

function round4(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}
