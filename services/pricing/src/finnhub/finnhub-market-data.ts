import { mergeMatches } from "../domain/pair-search.ts";
import type {
  EarningsEvent,
  MarketData,
  MarketStatus,
  Quote,
  SymbolMatch,
  YearRangeFigures,
} from "../domain/ports.ts";
import type { PairDirectory } from "./pair-directory.ts";
import type { FinnhubRestClient } from "./rest-client.ts";

/** The HTTP API's market data straight from Finnhub REST, spending the interactive share of the
 * budget (earnings calendars the background share). */
export class FinnhubMarketData implements MarketData {
  readonly #rest: FinnhubRestClient;
  readonly #pairs: PairDirectory | undefined;

  /** `pairs`: where crypto and forex pairs are found (Finnhub's /search finds stocks only). */
  constructor(rest: FinnhubRestClient, pairs?: PairDirectory) {
    this.#rest = rest;
    this.#pairs = pairs;
  }

  quote(symbol: string): Promise<Quote | null> {
    return this.#rest.quote(symbol, "interactive");
  }

  async search(query: string): Promise<SymbolMatch[]> {
    // The stock search takes its call first; the pair lists come from the day's cache (or load in the background
    // share of the budget), and a failure there leaves the stock answer standing.
    const stocks = query.includes(":") ? Promise.resolve([]) : this.#rest.search(query, "interactive");
    const pairs = this.#pairs ? this.#pairs.search(query).catch(() => []) : Promise.resolve([]);
    return mergeMatches(query, await stocks, await pairs);
  }

  marketStatus(): Promise<MarketStatus> {
    return this.#rest.marketStatus("interactive");
  }

  /** Background: the earnings scheduler asks, not a person waiting, and the cache keeps it for hours. */
  earnings(symbol: string, from: string, to: string): Promise<EarningsEvent[]> {
    return this.#rest.earnings(symbol, from, to, "background");
  }

  /** Interactive: a person setting a 52-week alert waits for it (the cache keeps it for a day). */
  yearRange(symbol: string): Promise<YearRangeFigures | null> {
    return this.#rest.yearRange(symbol, "interactive");
  }
}
