import {
  type BarResolution,
  type BarsResponse,
  BarsResponseSchema,
  EarningsCalendarSchema,
  type EarningsEvent,
  FeedsResponseSchema,
  QuoteResponseSchema,
  type StudiesResponse,
  StudiesResponseSchema,
  type StudyKey,
  type SymbolFeed,
  SymbolSearchResponseSchema,
  YearRangeSchema,
} from "@tickerbell/contracts";
import type { PriceLookup, Quote, SymbolMatch, YearRange } from "../handler/ports.ts";
import { ApiError, type Fetch, JsonClient } from "./http.ts";

/** Quotes and symbol search from the pricing service. An unknown symbol is `null`, not an error. */
export class PricingClient implements PriceLookup {
  readonly #http: JsonClient;

  constructor(options: { baseUrl: string; token?: string; timeoutMs?: number; fetch?: Fetch }) {
    this.#http = new JsonClient({ service: "the pricing service", token: options.token ?? "", ...options });
  }

  async quote(symbol: string): Promise<Quote | null> {
    try {
      const q = await this.#http.call("GET", `/v1/quote/${encodeURIComponent(symbol)}`, QuoteResponseSchema);
      return {
        symbol: q.symbol,
        price: q.price,
        previousClose: q.previousClose > 0 ? q.previousClose : null,
        // Finnhub answers 0 for a symbol with no trade today.
        high: q.high > 0 ? q.high : null,
        low: q.low > 0 ? q.low : null,
        ts: q.ts,
        feed: q.feed,
      };
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  }

  async feeds(symbols: readonly string[]): Promise<Record<string, SymbolFeed>> {
    if (symbols.length === 0) return {};
    const query = encodeURIComponent([...new Set(symbols)].slice(0, 50).join(","));
    return (await this.#http.call("GET", `/v1/feeds?symbols=${query}`, FeedsResponseSchema)).feeds;
  }

  async range(symbol: string): Promise<YearRange | null> {
    try {
      const range = await this.#http.call("GET", `/v1/range/${encodeURIComponent(symbol)}`, YearRangeSchema);
      return { high52w: range.high52w, low52w: range.low52w };
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  }

  /**
   * The studies `keys` of `symbol` now (`GET /v1/studies/{symbol}?keys=sma50,volume`): their values, and for each
   * that has none, why (`missing`). An unknown symbol is null.
   */
  async studies(symbol: string, keys: readonly StudyKey[]): Promise<StudiesResponse | null> {
    const query = encodeURIComponent([...new Set(keys)].join(","));
    try {
      return await this.#http.call(
        "GET",
        `/v1/studies/${encodeURIComponent(symbol)}?keys=${query}`,
        StudiesResponseSchema,
      );
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  }

  async earnings(symbol: string): Promise<EarningsEvent[]> {
    const calendar = await this.#http.call(
      "GET",
      `/v1/earnings/${encodeURIComponent(symbol)}`,
      EarningsCalendarSchema,
    );
    return calendar.events;
  }

  /**
   * Recorded bars of `symbol` with `from <= t < to` (epoch ms); an unrecorded symbol has none. `signal` abandons
   * the request (a dry run past its budget).
   */
  async bars(
    symbol: string,
    query: { resolution: BarResolution; from: number; to: number },
    options: { signal?: AbortSignal } = {},
  ): Promise<BarsResponse> {
    const search = new URLSearchParams({
      resolution: query.resolution,
      from: String(query.from),
      to: String(query.to),
    });
    return this.#http.call(
      "GET",
      `/v1/bars/${encodeURIComponent(symbol)}?${search}`,
      BarsResponseSchema,
      options,
    );
  }

  async search(query: string): Promise<SymbolMatch[]> {
    const response = await this.#http.call(
      "GET",
      `/v1/search?q=${encodeURIComponent(query)}`,
      SymbolSearchResponseSchema,
    );
    return response.results.map((r) => ({ symbol: r.symbol, description: r.description }));
  }
}
