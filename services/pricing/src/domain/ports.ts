import type {
  EarningsCalendar,
  EarningsEvent,
  MarketStatus,
  PriceTick,
  Quote,
  SymbolMatch,
} from "@tickerbell/contracts";

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
  stop(): Promise<void>;
}

/** Publishes ticks to `prices.ticks`; resolves when the bus accepted them. */
export interface TickPublisher {
  publish(ticks: readonly PriceTick[]): Promise<void>;
}

/** The distinct symbols of active alerts and watchlists, as the alert service knows them now. */
export interface DemandSnapshotSource {
  fetchDemand(): Promise<string[]>;
}

/** Point-in-time market data for the HTTP API. `quote` resolves null for a symbol the market does not know. */
export interface MarketData {
  quote(symbol: string): Promise<Quote | null>;
  search(query: string): Promise<SymbolMatch[]>;
  marketStatus(): Promise<MarketStatus>;
  /** The symbol's earnings releases from `from` to `to` (US/Eastern days, inclusive), soonest first. */
  earnings(symbol: string, from: string, to: string): Promise<EarningsEvent[]>;
}
