import type { MarketData, MarketStatus, Quote, SymbolMatch } from "../domain/ports.ts";
import type { FinnhubRestClient } from "./rest-client.ts";

/** The HTTP API's market data straight from Finnhub REST, spending the interactive share of the budget. */
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
}
