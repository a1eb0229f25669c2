import { assetClassOf } from "@tickerbell/rules";
import { z } from "zod";
import type { EarningsEvent, MarketStatus, Quote, SymbolMatch } from "../domain/ports.ts";
import type { CallBudget, CallPriority } from "./call-budget.ts";
import { FinnhubNetworkError, FinnhubRateLimitedError, FinnhubRemoteError } from "./errors.ts";

// Finnhub's bodies, as far as we read them. Unknown fields are ignored.
const FinnhubQuoteSchema = z.object({
  c: z.number(),
  d: z.number().nullable().optional(),
  dp: z.number().nullable().optional(),
  h: z.number(),
  l: z.number(),
  o: z.number(),
  pc: z.number(),
  t: z.number(),
});
const FinnhubSearchSchema = z.object({
  count: z.number().optional(),
  result: z.array(
    z.object({
      description: z.string(),
      displaySymbol: z.string().optional(),
      symbol: z.string(),
      type: z.string().optional(),
    }),
  ),
});
/** `/crypto/symbol` and `/forex/symbol`: every pair of one exchange, e.g. `BINANCE:BTCUSDT` shown as `BTC/USDT`. */
const FinnhubPairListSchema = z.array(
  z.object({
    description: z.string(),
    displaySymbol: z.string(),
    symbol: z.string(),
  }),
);

/** One crypto or forex pair of an exchange, as Finnhub lists it. */
export interface ExchangePair {
  symbol: string;
  displaySymbol: string;
  description: string;
}

const FinnhubMarketStatusSchema = z.object({
  exchange: z.string(),
  holiday: z.string().nullable().optional(),
  isOpen: z.boolean(),
  session: z.string().nullable().optional(),
  timezone: z.string().optional(),
  t: z.number(),
});

const FinnhubEarningsSchema = z.object({
  earningsCalendar: z.array(
    z.object({
      date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
      hour: z.string().nullable().optional(),
      quarter: z.number().int().nullable().optional(),
      year: z.number().int().nullable().optional(),
      epsEstimate: z.number().nullable().optional(),
      revenueEstimate: z.number().nullable().optional(),
      symbol: z.string(),
    }),
  ),
});
const KNOWN_HOURS = new Set(["bmo", "amc", "dmh"]);

/** `/stock/metric?metric=all`: the figures sit in `metric` (an empty object for a symbol Finnhub has none for). */
const FinnhubMetricSchema = z.object({
  metric: z
    .object({
      "52WeekHigh": z.number().nullable().optional(),
      "52WeekLow": z.number().nullable().optional(),
    })
    .passthrough()
    .nullable()
    .optional(),
});

/** `/stock/candle`: parallel arrays, `t` in epoch seconds; `s: "no_data"` (and no arrays) when there is nothing. */
const FinnhubCandlesSchema = z.union([
  z.object({
    s: z.literal("ok"),
    t: z.array(z.number()),
    o: z.array(z.number()),
    h: z.array(z.number()),
    l: z.array(z.number()),
    c: z.array(z.number()),
    v: z.array(z.number()),
  }),
  z.object({ s: z.literal("no_data") }),
]);

/** One candle as Finnhub sends it, `t` in epoch milliseconds. */
export interface Candle {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

/** Without Retry-After, a 429 pauses the budget this long. */
const DEFAULT_RATE_LIMIT_PAUSE_MS = 10_000;

export interface FinnhubRestClientOptions {
  baseUrl: string;
  apiKey: string;
  budget: CallBudget;
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Called on every answered call (for metrics). */
  onCall?: (path: string, status: number) => void;
}

/** Finnhub's REST API within one shared call budget. Errors are typed and never carry the API key. */
export class FinnhubRestClient {
  readonly #options: FinnhubRestClientOptions;

  constructor(options: FinnhubRestClientOptions) {
    this.#options = options;
  }

  get budget(): CallBudget {
    return this.#options.budget;
  }

  /** A quote, or null when Finnhub does not know the symbol (it answers those with 200 and zeros). */
  async quote(symbol: string, priority: CallPriority): Promise<Quote | null> {
    const q = FinnhubQuoteSchema.parse(await this.#get("/quote", { symbol }, priority));
    if (q.c <= 0 || q.t <= 0) return null;
    return {
      symbol,
      price: q.c,
      change: q.d ?? q.c - q.pc,
      changePercent: q.dp ?? (q.pc > 0 ? ((q.c - q.pc) / q.pc) * 100 : 0),
      high: q.h,
      low: q.l,
      open: q.o,
      previousClose: q.pc,
      ts: q.t * 1000,
    };
  }

  async search(query: string, priority: CallPriority): Promise<SymbolMatch[]> {
    const body = FinnhubSearchSchema.parse(await this.#get("/search", { q: query }, priority));
    return body.result.map((r) => ({ symbol: r.symbol, description: r.description, type: r.type ?? "" }));
  }

  /** Every pair Finnhub lists for a crypto exchange (`binance`, `coinbase`, `kraken`, …): one call, a long list. */
  async cryptoSymbols(exchange: string, priority: CallPriority): Promise<ExchangePair[]> {
    return this.#pairs("/crypto/symbol", exchange, priority);
  }

  /** Every pair Finnhub lists for a forex broker (`oanda`, …). */
  async forexSymbols(exchange: string, priority: CallPriority): Promise<ExchangePair[]> {
    return this.#pairs("/forex/symbol", exchange, priority);
  }

  async #pairs(path: string, exchange: string, priority: CallPriority): Promise<ExchangePair[]> {
    const parsed = FinnhubPairListSchema.safeParse(await this.#get(path, { exchange }, priority));
    if (!parsed.success) {
      const where = parsed.error.issues[0]?.path.join(".") ?? "";
      throw new FinnhubRemoteError(path, 200, `unreadable symbol list (at ${where})`);
    }
    return parsed.data;
  }

  async marketStatus(priority: CallPriority): Promise<MarketStatus> {
    const s = FinnhubMarketStatusSchema.parse(
      await this.#get("/stock/market-status", { exchange: "US" }, priority),
    );
    return {
      exchange: s.exchange,
      isOpen: s.isOpen,
      session: s.session ?? null,
      holiday: s.holiday ?? null,
      timezone: s.timezone ?? "America/New_York",
      ts: s.t * 1000,
    };
  }

  /** A stock's 52-week range from its company metrics; null when Finnhub has none (pairs, unknown symbols). */
  async yearRange(
    symbol: string,
    priority: CallPriority,
  ): Promise<{ high52w: number; low52w: number } | null> {
    const parsed = FinnhubMetricSchema.safeParse(
      await this.#get("/stock/metric", { symbol, metric: "all" }, priority),
    );
    if (!parsed.success) throw new FinnhubRemoteError("/stock/metric", 200, "unreadable company metrics");
    const high = parsed.data.metric?.["52WeekHigh"];
    const low = parsed.data.metric?.["52WeekLow"];
    if (high == null || low == null || !(high > 0) || !(low > 0) || low > high) return null;
    return { high52w: high, low52w: low };
  }

  /** One symbol's earnings releases between two days (inclusive); Finnhub's empty hour reads as unknown. */
  async earnings(symbol: string, from: string, to: string, priority: CallPriority): Promise<EarningsEvent[]> {
    const parsed = FinnhubEarningsSchema.safeParse(
      await this.#get("/calendar/earnings", { from, to, symbol }, priority),
    );
    // A body we cannot read is Finnhub's fault, said as such (502), never a crash of the request.
    if (!parsed.success) {
      const where = parsed.error.issues[0]?.path.join(".") ?? "";
      throw new FinnhubRemoteError("/calendar/earnings", 200, `unreadable earnings calendar (at ${where})`);
    }
    return parsed.data.earningsCalendar
      .filter((e) => e.symbol === symbol)
      .map((e) => ({
        symbol: e.symbol,
        date: e.date,
        hour: KNOWN_HOURS.has(e.hour ?? "") ? (e.hour as EarningsEvent["hour"]) : "unknown",
        quarter: e.quarter ?? null,
        year: e.year ?? null,
        epsEstimate: e.epsEstimate ?? null,
        revenueEstimate: e.revenueEstimate ?? null,
      }))
      .sort((a, b) => a.date.localeCompare(b.date));
  }

  /**
   * Candles of one resolution (`1`: minutes, `D`: days) between two instants, epoch seconds, oldest first: a
   * stock's from `/stock/candle`, a crypto pair's from `/crypto/candle`, a forex pair's from `/forex/candle` (the
   * same parameters and body).
   */
  async candles(
    symbol: string,
    resolution: "1" | "D",
    fromSec: number,
    toSec: number,
    priority: CallPriority,
  ): Promise<Candle[]> {
    const path = candlePath(symbol);
    const parsed = FinnhubCandlesSchema.safeParse(
      await this.#get(path, { symbol, resolution, from: String(fromSec), to: String(toSec) }, priority),
    );
    if (!parsed.success) {
      const where = parsed.error.issues[0]?.path.join(".") ?? "";
      throw new FinnhubRemoteError(path, 200, `unreadable candles (at ${where})`);
    }
    const body = parsed.data;
    if (body.s === "no_data") return [];
    const candles: Candle[] = [];
    body.t.forEach((t, i) => {
      const o = body.o[i];
      const h = body.h[i];
      const l = body.l[i];
      const c = body.c[i];
      // Arrays of unequal length or prices that are not prices: skip the candle rather than invent one.
      if (o === undefined || h === undefined || l === undefined || c === undefined) return;
      if (!(o > 0 && h > 0 && l > 0 && c > 0)) return;
      candles.push({ t: t * 1000, o, h, l, c, v: body.v[i] ?? 0 });
    });
    return candles.sort((a, b) => a.t - b.t);
  }

  async #get(path: string, params: Record<string, string>, priority: CallPriority): Promise<unknown> {
    const { baseUrl, apiKey, budget, timeoutMs = 10_000, onCall } = this.#options;
    budget.take(priority);
    const url = new URL(`${baseUrl.replace(/\/$/, "")}${path}`);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    url.searchParams.set("token", apiKey);
    let res: Response;
    try {
      res = await (this.#options.fetch ?? fetch)(url, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new FinnhubNetworkError(path, error);
    }
    onCall?.(path, res.status);
    if (res.status === 429) {
      const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"));
      budget.pause(Date.now() + (retryAfterMs ?? DEFAULT_RATE_LIMIT_PAUSE_MS));
      await res.body?.cancel();
      throw new FinnhubRateLimitedError(path, retryAfterMs);
    }
    if (!res.ok) {
      const text = (await res.text().catch(() => "")).slice(0, 200);
      throw new FinnhubRemoteError(path, res.status, text.split(apiKey).join("[REDACTED]") || res.statusText);
    }
    return res.json();
  }
}

/** Where Finnhub keeps a symbol's candles, by its asset class. */
export function candlePath(symbol: string): "/stock/candle" | "/crypto/candle" | "/forex/candle" {
  const assetClass = assetClassOf(symbol);
  return assetClass === "crypto"
    ? "/crypto/candle"
    : assetClass === "forex"
      ? "/forex/candle"
      : "/stock/candle";
}

/** Retry-After is either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
