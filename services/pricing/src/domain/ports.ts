import type {
  Bar,
  BarResolution,
  Demand,
  EarningsCalendar,
  EarningsEvent,
  MarketStatus,
  PriceTick,
  Quote,
  SymbolFeed,
  SymbolMatch,
} from "@tickerbell/contracts";
import type { BarPart } from "./bars.ts";

export type { EarningsCalendar, EarningsEvent, MarketStatus, Quote, SymbolMatch };

/** Where a source delivers ticks. Called synchronously from the source's event loop turn; must not throw. */
export type TickSink = (tick: PriceTick) => void;

/**
 * A stream of prices for the symbols someone subscribed to. Subscribing twice or unsubscribing a symbol that is
 * not subscribed is harmless; the source keeps the set and restores it after reconnecting.
 */
export interface PriceSource {
  readonly name: string;
  start(sink: TickSink): Promise<void>;
  subscribe(symbols: readonly string[]): void;
  unsubscribe(symbols: readonly string[]): void;
  /** True once the source delivers (or is able to deliver) prices; feeds /readyz. */
  isReady(): boolean;
  /** How the source feeds `symbol` now (what GET /v1/quote tells the bots). */
  feedOf(symbol: string): SymbolFeed;
  stop(): Promise<void>;
}

/**
 * A source whose live stream carries at most `streamCap` symbols and polls the rest (Finnhub's websocket and
 * `/quote`). Which symbols stream is the StreamBalancer's choice; the source applies it without a gap.
 */
export interface TieredPriceSource extends PriceSource {
  /** The stream's symbol cap now (it may shrink when the server refuses subscriptions). */
  readonly streamCap: number;
  /** The symbols on the stream or about to join it. */
  streamedSymbols(): Set<string>;
  /**
   * Streams `symbols` (at most the cap; only demanded ones count) and polls every other demanded symbol. A
   * symbol leaving the stream stays subscribed until it has been polled once, and one joining takes the slot
   * that frees then, so neither misses a stretch of trades.
   */
  setStreamed(symbols: ReadonlySet<string>): void;
}

export function isTiered(source: PriceSource): source is TieredPriceSource {
  return "setStreamed" in source && typeof source.setStreamed === "function";
}

/** Publishes ticks to `prices.ticks`; resolves when the bus accepted them. */
export interface TickPublisher {
  publish(ticks: readonly PriceTick[]): Promise<void>;
}

/**
 * The distinct symbols of active alerts and watchlists, as the alert service knows them now, with each symbol's
 * alert count and nearest levels: all of them, or of `symbols` only (at most MAX_DEMAND_SYMBOLS; an asked symbol
 * nobody needs is absent from the answer).
 */
export interface DemandSnapshotSource {
  fetchDemand(symbols?: readonly string[]): Promise<Demand>;
}

/** Point-in-time market data for the HTTP API. `quote` resolves null for a symbol the market does not know. */
export interface MarketData {
  quote(symbol: string): Promise<Quote | null>;
  search(query: string): Promise<SymbolMatch[]>;
  marketStatus(): Promise<MarketStatus>;
  /** The symbol's earnings releases from `from` to `to` (US/Eastern days, inclusive), soonest first. */
  earnings(symbol: string, from: string, to: string): Promise<EarningsEvent[]>;
  /** The symbol's 52-week range as the source reports it; null when it has none (pairs, unknown symbols). */
  yearRange(symbol: string): Promise<YearRangeFigures | null>;
}

/** A 52-week range: the highest and lowest price of the last 52 weeks. */
export interface YearRangeFigures {
  high52w: number;
  low52w: number;
}

/** A back-fill that has stored everything its history source gave for `symbol` before `backfilledUntil`. */
export interface BackfillMark {
  symbol: string;
  backfilledUntil: number;
}

/** Recorded price history. Implementations must be safe to call while a previous call is still running. */
export interface BarStore {
  /**
   * Merges minute bar parts (what a builder drained, possibly half a minute) into the stored minute bars, and
   * rolls the daily bars of the trading days they touch up again from their minute bars.
   */
  write(parts: readonly BarPart[]): Promise<void>;
  /**
   * Complete bars from a history source (a back-fill). A bar is kept only where none is stored for its symbol,
   * resolution and time, so streamed bars win and writing the same history twice changes nothing; minute bars
   * roll up into their days as `write`'s do. `mark`: once every bar is stored, the symbol's back-fill has reached
   * `backfilledUntil` (see {@link BarStore.backfilledUntil}; a mark never moves back).
   */
  writeHistory(bars: readonly BarPart[], mark?: BackfillMark): Promise<void>;
  /** How far the symbol's back-fills have reached: minutes before it were asked of the source; null before any. */
  backfilledUntil(symbol: string): Promise<number | null>;
  /** Bars with `from <= t < to`, oldest first. */
  read(symbol: string, resolution: BarResolution, from: number, to: number): Promise<Bar[]>;
  /** The close of the symbol's last daily bar before the trading day `at` falls in, or null. */
  previousClose(symbol: string, at: number): Promise<number | null>;
  /**
   * The times (`t`) of the symbol's first and last stored bars of this resolution with `t < before` (default: all);
   * null when it has none.
   */
  storedSpan(
    symbol: string,
    resolution: BarResolution,
    before?: number,
  ): Promise<{ first: number; last: number } | null>;
  /** Each stored symbol's last close: of its latest minute bar, or of its latest daily bar where it has no minutes. */
  latestCloses(): Promise<Map<string, number>>;
  /** Deletes minute bars older than `minuteBefore` and daily bars older than `dailyBefore`; answers the counts. */
  sweep(cutoffs: { minuteBefore: number; dailyBefore: number }): Promise<{ minute: number; daily: number }>;
  close(): Promise<void>;
}
