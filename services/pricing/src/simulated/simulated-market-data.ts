import { assetClassOf, usSessionAt } from "@tickerbell/rules";
import { matchPairs, mergeMatches, type PairListing } from "../domain/pair-search.ts";
import type {
  EarningsEvent,
  MarketData,
  MarketStatus,
  Quote,
  SymbolMatch,
  YearRangeFigures,
} from "../domain/ports.ts";
import type { SimulatedFeed } from "./simulated-feed.ts";
import type { SimulatedHistory } from "./simulated-history.ts";
import { SIMULATED_BY_SYMBOL, SIMULATED_UNIVERSE } from "./universe.ts";

const MAX_RESULTS = 20;
const SIMULATED_STOCKS = SIMULATED_UNIVERSE.filter((i) => i.type === "Common Stock" || i.type === "ETP");
/** The universe's crypto and forex pairs, searched as Finnhub's pair lists are. */
const SIMULATED_PAIRS: PairListing[] = SIMULATED_UNIVERSE.filter((i) => i.displaySymbol !== undefined).map(
  (i) => ({
    symbol: i.symbol,
    displaySymbol: i.displaySymbol ?? i.symbol,
    description: i.description,
  }),
);

/** Quotes, search and market status answered from the simulated universe. */
export class SimulatedMarketData implements MarketData {
  readonly #feed: SimulatedFeed;
  readonly #now: () => number;
  readonly #history: SimulatedHistory | undefined;

  /**
   * With `history`, a symbol's first quote has its made-up past made (in memory, milliseconds), so even that quote's
   * open, high, low and previous close are the ones its history and charts show.
   */
  constructor(feed: SimulatedFeed, now: () => number = Date.now, history?: SimulatedHistory) {
    this.#feed = feed;
    this.#now = now;
    this.#history = history;
  }

  async quote(symbol: string): Promise<Quote | null> {
    if (!SIMULATED_BY_SYMBOL.has(symbol)) return null;
    this.#history?.makePast(symbol, this.#now());
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

  /**
   * A made-up 52-week range around the simulated stock: 25% above and 20% below its previous close, widened to
   * today's high and low. Pairs have none, as on Finnhub.
   */
  async yearRange(symbol: string): Promise<YearRangeFigures | null> {
    if (!SIMULATED_BY_SYMBOL.has(symbol) || assetClassOf(symbol) !== "stock") return null;
    const p = this.#feed.current(symbol);
    if (!p) return null;
    return {
      high52w: Math.max(p.high, round4(p.previousClose * 1.25)),
      low52w: Math.min(p.low, round4(p.previousClose * 0.8)),
    };
  }

  async search(query: string): Promise<SymbolMatch[]> {
    const q = query.trim().toUpperCase();
    if (!q) return [];
    const rank = (symbol: string, description: string) =>
      symbol === q ? 0 : symbol.startsWith(q) ? 1 : description.startsWith(q) ? 2 : 3;
    const stocks = q.includes(":")
      ? []
      : SIMULATED_STOCKS.filter((i) => i.symbol.startsWith(q) || i.description.includes(q))
          .sort((a, b) => rank(a.symbol, a.description) - rank(b.symbol, b.description))
          .slice(0, MAX_RESULTS)
          .map((i) => ({ symbol: i.symbol, description: i.description, type: i.type }));
    return mergeMatches(q, stocks, matchPairs(SIMULATED_PAIRS, q));
  }

  async earnings(symbol: string, from: string, to: string): Promise<EarningsEvent[]> {
    return simulatedEarnings(symbol, from, to);
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

/** Months a simulated company reports in (January reports the previous year's fourth quarter). */
const REPORT_MONTHS = [0, 3, 6, 9];

/**
 * A made-up but stable earnings calendar: every stock of the universe reports four times a year on its own
 * weekday in the second half of January, April, July and October, before the open or after the close (from a
 * hash of its ticker), so a simulated run can show earnings alerts; ETPs do not report.
 */
export function simulatedEarnings(symbol: string, from: string, to: string): EarningsEvent[] {
  const instrument = SIMULATED_BY_SYMBOL.get(symbol);
  if (instrument?.type !== "Common Stock") return [];
  let hash = 0;
  for (const ch of symbol) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  const events: EarningsEvent[] = [];
  const firstYear = Number(from.slice(0, 4));
  const lastYear = Number(to.slice(0, 4));
  for (let year = firstYear; year <= lastYear; year++) {
    for (const month of REPORT_MONTHS) {
      const day = new Date(Date.UTC(year, month, 15 + (hash % 12)));
      // Companies report on weekdays.
      while (day.getUTCDay() === 0 || day.getUTCDay() === 6) day.setUTCDate(day.getUTCDate() + 1);
      const date = day.toISOString().slice(0, 10);
      if (date < from || date > to) continue;
      events.push({
        symbol,
        date,
        hour: hash % 2 === 0 ? "amc" : "bmo",
        quarter: month === 0 ? 4 : month / 3,
        year: month === 0 ? year - 1 : year,
        epsEstimate: Math.round(instrument.price * 4) / 100,
        revenueEstimate: Math.round(instrument.price * (1 + (hash % 50))) * 10_000_000,
      });
    }
  }
  return events;
}

function round4(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}
