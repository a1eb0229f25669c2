import type { EarningsEvent, MarketData, MarketStatus, Quote, SymbolMatch } from "../domain/ports.ts";
import type { FinnhubRestClient } from "./rest-client.ts";

/** The HTTP API's market data straight from Finnhub REST, spending the interactive share of the
 * budget (earnings calendars the background share). */
export class FinnhubMarketData implements MarketData {
  readonly #rest: FinnhubRestClient;

  constructor(rest: FinnhubRestClient) {
    this.#rest = rest;
  }

  quote(symbol: string): Promise<Quote | null> {
    return this.#rest.quote(symbol, "interactive");
  }

  search(query: string): Promise<SymbolMatch[]> {
    return this.#rest.search(query, "interactive");
  }

  marketStatus(): Promise<MarketStatus> {
    return this.#rest.marketStatus("interactive");
  }

  /** Background: the earnings scheduler asks, not a person waiting, and the cache keeps it for hours. */
  earnings(symbol: string, from: string, to: string): Promise<EarningsEvent[]> {
    return this.#rest.earnings(symbol, from, to, "background");
  }
}
