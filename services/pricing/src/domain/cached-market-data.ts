import type {
  EarningsEvent,
  MarketData,
  MarketStatus,
  Quote,
  SymbolMatch,
  YearRangeFigures,
} from "./ports.ts";

export interface CacheTtls {
  quoteMs: number;
  /** Unknown symbols are remembered longer: they do not become known within seconds. */
  unknownQuoteMs: number;
  searchMs: number;
  marketStatusMs: number;
  /** Release dates change rarely: one call per symbol and day range every few hours is plenty. */
  earningsMs: number;
  /** A 52-week range moves once a day at most: one REST call per symbol and day. */
  yearRangeMs: number;
}

export const DEFAULT_CACHE_TTLS: CacheTtls = {
  quoteMs: 5_000,
  unknownQuoteMs: 60_000,
  searchMs: 10 * 60_000,
  marketStatusMs: 60_000,
  earningsMs: 6 * 3600_000,
  yearRangeMs: 24 * 3600_000,
};

const MAX_ENTRIES = 5_000;

interface Entry<V> {
  value: Promise<V>;
  expiresAt: number;
}

/**
 * Short-lived answers in front of a MarketData, so a burst of bot commands for one symbol costs one upstream
 * call (concurrent asks share the call in flight). Failures are not cached.
 */
export class CachedMarketData implements MarketData {
  readonly #inner: MarketData;
  readonly #ttls: CacheTtls;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry<unknown>>();

  constructor(inner: MarketData, ttls: Partial<CacheTtls> = {}, now: () => number = Date.now) {
    this.#inner = inner;
    this.#ttls = { ...DEFAULT_CACHE_TTLS, ...ttls };
    this.#now = now;
  }

  quote(symbol: string): Promise<Quote | null> {
    return this.#cached(
      `quote:${symbol}`,
      () => this.#inner.quote(symbol),
      (q) => (q ? this.#ttls.quoteMs : this.#ttls.unknownQuoteMs),
    );
  }

  search(query: string): Promise<SymbolMatch[]> {
    const q = query.trim().toUpperCase();
    return this.#cached(
      `search:${q}`,
      () => this.#inner.search(q),
      () => this.#ttls.searchMs,
    );
  }

  marketStatus(): Promise<MarketStatus> {
    return this.#cached(
      "market-status",
      () => this.#inner.marketStatus(),
      () => this.#ttls.marketStatusMs,
    );
  }

  earnings(symbol: string, from: string, to: string): Promise<EarningsEvent[]> {
    return this.#cached(
      `earnings:${symbol}:${from}:${to}`,
      () => this.#inner.earnings(symbol, from, to),
      () => this.#ttls.earningsMs,
    );
  }

  yearRange(symbol: string): Promise<YearRangeFigures | null> {
    return this.#cached(
      `year-range:${symbol}`,
      () => this.#inner.yearRange(symbol),
      () => this.#ttls.yearRangeMs,
    );
  }

  #cached<V>(key: string, load: () => Promise<V>, ttlOf: (v: V) => number): Promise<V> {
    const now = this.#now();
    const hit = this.#entries.get(key) as Entry<V> | undefined;
    if (hit && hit.expiresAt > now) return hit.value;
    if (this.#entries.size >= MAX_ENTRIES) this.#evictExpired(now);
    // While loading, the entry is valid "forever" so that concurrent callers share the call.
    const entry: Entry<V> = { value: load(), expiresAt: Number.POSITIVE_INFINITY };
    this.#entries.set(key, entry);
    entry.value.then(
      (v) => {
        entry.expiresAt = this.#now() + ttlOf(v);
      },
      () => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
      },
    );
    return entry.value;
  }

  #evictExpired(now: number): void {
    for (const [k, e] of this.#entries) if (e.expiresAt <= now) this.#entries.delete(k);
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
  }
}
