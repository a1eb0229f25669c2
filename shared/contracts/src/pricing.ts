import { z } from "zod";

// Bodies of the pricing service's HTTP API (used by the bots for quotes, autocomplete and validation).

/** `GET /v1/quote/{symbol}`. */
export const QuoteSchema = z.object({
  symbol: z.string(),
  price: z.number(),
  change: z.number(),
  changePercent: z.number(),
  high: z.number(),
  low: z.number(),
  open: z.number(),
  previousClose: z.number(),
  /** Time of the last trade the quote reflects, epoch milliseconds. */
  ts: z.number().int().nonnegative(),
});
export type Quote = z.infer<typeof QuoteSchema>;

/**
 * How the pricing service feeds a symbol: `streamed` on the live websocket, `polled` over REST round-robin
 * (its price may be up to `maxStalenessSeconds` old), `idle` when nobody watches it (the quote was a one-off).
 */
export const FeedPathSchema = z.enum(["streamed", "polled", "idle"]);
export type FeedPath = z.infer<typeof FeedPathSchema>;

export const SymbolFeedSchema = z.object({
  path: FeedPathSchema,
  /** The longest a matched price can lag on this path, in seconds; null for streamed and idle symbols. */
  maxStalenessSeconds: z.number().nonnegative().nullable(),
  /** How many symbols the live stream carries at most (the websocket cap); null where everything streams. */
  streamCap: z.number().int().positive().nullable(),
});
export type SymbolFeed = z.infer<typeof SymbolFeedSchema>;

/** `GET /v1/feeds?symbols=`: how each symbol is fed, without a quote (no call to the market data provider). */
export const FeedsResponseSchema = z.object({ feeds: z.record(z.string(), SymbolFeedSchema) });
export type FeedsResponse = z.infer<typeof FeedsResponseSchema>;

/** `GET /v1/quote/{symbol}`: the quote and how the symbol is fed. */
export const QuoteResponseSchema = QuoteSchema.extend({ feed: SymbolFeedSchema });
export type QuoteResponse = z.infer<typeof QuoteResponseSchema>;

/**
 * `GET /v1/range/{symbol}`: the 52-week range, where a `52w high`/`52w low` alert starts. From the recorded daily
 * bars when they cover a whole year, otherwise from Finnhub's company metrics (refreshed daily); 404 when neither
 * knows it (pairs, unknown symbols).
 */
export const YearRangeSchema = z.object({
  symbol: z.string(),
  high52w: z.number().positive(),
  low52w: z.number().positive(),
  /** When the range was read (epoch milliseconds). */
  asOf: z.number().int().nonnegative(),
  source: z.enum(["bars", "finnhub", "simulated"]),
});
export type YearRange = z.infer<typeof YearRangeSchema>;

export const SymbolMatchSchema = z.object({
  symbol: z.string(),
  description: z.string(),
  /** e.g. "Common Stock", "ETP"; empty when the source does not say. */
  type: z.string(),
});
export type SymbolMatch = z.infer<typeof SymbolMatchSchema>;

/** `GET /v1/search?q=`. */
export const SymbolSearchResponseSchema = z.object({
  query: z.string(),
  results: z.array(SymbolMatchSchema),
});
export type SymbolSearchResponse = z.infer<typeof SymbolSearchResponseSchema>;

/** `GET /v1/market-status` (US equities). */
export const MarketStatusSchema = z.object({
  exchange: z.string(),
  isOpen: z.boolean(),
  /** "pre-market", "regular", "post-market", or null when closed. */
  session: z.string().nullable(),
  holiday: z.string().nullable(),
  timezone: z.string(),
  ts: z.number().int().nonnegative(),
});
export type MarketStatus = z.infer<typeof MarketStatusSchema>;

/** A US/Eastern calendar day, `YYYY-MM-DD`. */
export const CalendarDaySchema = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, "a day is YYYY-MM-DD");

/** When in the day results come: before the open, after the close, during market hours, or not said. */
export const EarningsHourSchema = z.enum(["bmo", "amc", "dmh", "unknown"]);
export type EarningsHour = z.infer<typeof EarningsHourSchema>;

/** One scheduled (or reported) earnings release. */
export const EarningsEventSchema = z.object({
  symbol: z.string(),
  /** The report day, US/Eastern. */
  date: CalendarDaySchema,
  hour: EarningsHourSchema,
  /** Fiscal quarter and year the results are for, when known. */
  quarter: z.number().int().nullable(),
  year: z.number().int().nullable(),
  epsEstimate: z.number().nullable(),
  revenueEstimate: z.number().nullable(),
});
export type EarningsEvent = z.infer<typeof EarningsEventSchema>;

/** `GET /v1/earnings/{symbol}`: the symbol's releases from today (US/Eastern) on, soonest first. */
export const EarningsCalendarSchema = z.object({
  symbol: z.string(),
  from: CalendarDaySchema,
  to: CalendarDaySchema,
  events: z.array(EarningsEventSchema),
});
export type EarningsCalendar = z.infer<typeof EarningsCalendarSchema>;

/** How long one bar of price history spans. */
export const BarResolutionSchema = z.enum(["1m", "1d"]);
export type BarResolution = z.infer<typeof BarResolutionSchema>;

/**
 * One bar of recorded price history (open, high, low, close, volume, trade count). A gap in trading is a gap in
 * the bars: no bar is made up for a minute (or day) without trades.
 */
export const BarSchema = z.object({
  /** Start of the bar, epoch milliseconds: a whole minute, or 00:00 UTC of the trading day. */
  t: z.number().int().nonnegative(),
  o: z.number().positive().finite(),
  h: z.number().positive().finite(),
  l: z.number().positive().finite(),
  c: z.number().positive().finite(),
  /** Shares traded; 0 where the source reports no volume. */
  v: z.number().nonnegative(),
  /** Trades the bar was built from. */
  n: z.number().int().nonnegative(),
});
export type Bar = z.infer<typeof BarSchema>;

/** `GET /v1/bars/{symbol}?resolution=1m|1d&from&to`: bars in time order, oldest first. */
export const BarsResponseSchema = z.object({
  symbol: z.string(),
  resolution: BarResolutionSchema,
  /** The range asked for (or defaulted), epoch milliseconds, from inclusive, to exclusive. */
  from: z.number().int().nonnegative(),
  to: z.number().int().nonnegative(),
  bars: z.array(BarSchema),
  /** Previous session close, when known: charts draw it as a line. */
  previousClose: z.number().positive().finite().nullable(),
});
export type BarsResponse = z.infer<typeof BarsResponseSchema>;
