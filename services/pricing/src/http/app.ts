import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Logger, Registry } from "@tickerbell/config";
import {
  BarResolutionSchema,
  BarsResponseSchema,
  EarningsCalendarSchema,
  ErrorBodySchema,
  FeedsResponseSchema,
  MarketStatusSchema,
  QuoteResponseSchema,
  StudiesResponseSchema,
  type StudyKey,
  type SymbolFeed,
  SymbolSchema,
  SymbolSearchResponseSchema,
  YearRangeSchema,
} from "@tickerbell/contracts";
import { assetClassOf, parseStudyKey, sessionAt, yearRangeRefusal } from "@tickerbell/rules";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { BarStore, MarketData, MarketStatus } from "../domain/ports.ts";
import type { StudiesBook } from "../domain/studies.ts";
import {
  CallBudgetExhaustedError,
  FinnhubNetworkError,
  FinnhubRateLimitedError,
  FinnhubRemoteError,
} from "../finnhub/errors.ts";

export interface PricingHttpDeps {
  marketData: MarketData;
  metrics: Registry;
  log: Logger;
  isReady: () => boolean;
  /** How the price source feeds a symbol (streamed, polled or idle), told with every quote. */
  feedOf: (symbol: string) => SymbolFeed;
  /** The clock that says which US/Eastern day it is (tests move it). */
  now?: () => number;
  /** Recorded price history; absent: GET /v1/bars answers 503. */
  bars?: BarStore;
  /** Called when bars of a symbol are asked for (a back-fill may start); never awaited for long. */
  onBarsDemand?: (symbol: string) => Promise<void>;
  /** The studies kept for demanded symbols (and read from the bars for others); absent: /v1/studies answers 503. */
  studies?: StudiesBook;
  /** Where `marketData`'s 52-week ranges come from, as /v1/range names it (default finnhub). */
  rangeSource?: "finnhub" | "simulated";
}

const YEAR_MS = 365 * 86_400_000;

/** The widest range one request may ask for, and the range given when none is asked. */
export const BAR_RANGES = {
  "1m": { maxMs: 7 * 86_400_000, defaultMs: 86_400_000, name: "7 days of minute bars" },
  "1d": { maxMs: 731 * 86_400_000, defaultMs: 366 * 86_400_000, name: "2 years of daily bars" },
} as const;

const epochMs = (what: string) =>
  z
    .string()
    .regex(/^\d{1,15}$/, `${what} is a time in epoch milliseconds, like 1764770400000`)
    .transform(Number)
    .optional()
    .openapi({ description: `${what}, epoch milliseconds`, example: "1764770400000" });

const BarsQuerySchema = z.object({
  resolution: BarResolutionSchema.default("1m").openapi({ description: "1m: minute bars, 1d: daily bars" }),
  from: epochMs("from (inclusive)"),
  to: epochMs("to (exclusive)"),
});

/**
 * A crypto or forex symbol's market at an instant, from the rule book's hours per asset class (no upstream call);
 * null for a stock, whose status is the US market's as Finnhub reports it.
 */
export function pairMarketStatus(symbol: string, ts: number): MarketStatus | null {
  const assetClass = assetClassOf(symbol);
  if (assetClass === "stock") return null;
  const session = sessionAt(symbol, ts);
  return {
    exchange: symbol.slice(0, symbol.indexOf(":")),
    isOpen: session === "regular",
    session,
    holiday: null,
    // Crypto has no local day; the FX week turns at 17:00 New York.
    timezone: assetClass === "crypto" ? "UTC" : "America/New_York",
    ts,
  };
}

/** How far ahead an earnings calendar looks: past the next quarter's release, whatever the day. */
export const EARNINGS_LOOKAHEAD_DAYS = 100;

const EASTERN_DAY = new Intl.DateTimeFormat("en-CA", {
  timeZone: "America/New_York",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
});

/** The US/Eastern calendar day of an instant, `YYYY-MM-DD`. */
export function easternDay(ms: number): string {
  return EASTERN_DAY.format(ms);
}

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** A refusal with its HTTP status and stable code, rendered by the one onError. */
export class HttpProblem extends Error {
  readonly status: ContentfulStatusCode;
  readonly code: string;
  readonly details: unknown;
  readonly retryAfterSeconds: number | undefined;
  constructor(
    status: ContentfulStatusCode,
    code: string,
    message: string,
    details?: unknown,
    retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "HttpProblem";
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

const errorBody = (code: string, message: string, details?: unknown) => ({
  error: details === undefined ? { code, message } : { code, message, details },
});

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorBodySchema } },
});

const OPENAPI_INFO = {
  openapi: "3.0.0",
  info: { title: "Tickerbell pricing API", version: "1.0.0" },
};

export function createHttpApp(deps: PricingHttpDeps): OpenAPIHono {
  const { marketData, log } = deps;
  const app = new OpenAPIHono({
    defaultHook: (result) => {
      if (!result.success) {
        const issues = result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
        throw new HttpProblem(
          400,
          "validation_failed",
          issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; "),
          { issues },
        );
      }
    },
  });

  app.onError((err, c: Context) => {
    const problem = toProblem(err);
    if (problem) {
      if (problem.retryAfterSeconds !== undefined) c.header("Retry-After", String(problem.retryAfterSeconds));
      return c.json(errorBody(problem.code, problem.message, problem.details), problem.status);
    }
    log.error({ err, method: c.req.method, path: c.req.path }, "request failed");
    return c.json(errorBody("internal_error", "something went wrong on our side; please retry"), 500);
  });
  app.notFound((c) => c.json(errorBody("not_found", `no route ${c.req.method} ${c.req.path}`), 404));

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", (c) =>
    deps.isReady() ? c.json({ status: "ready" }) : c.json({ status: "starting" }, 503),
  );
  app.get("/metrics", async (c) => {
    c.header("Content-Type", deps.metrics.contentType);
    return c.body(await deps.metrics.metrics());
  });

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/quote/{symbol}",
      tags: ["market data"],
      summary: "The latest quote for a symbol (cached for a few seconds), and how the symbol is fed",
      description:
        "`feed.path` says how alerts on the symbol get their prices: `streamed` on the live websocket, `polled` over REST round-robin (a price may be up to `feed.maxStalenessSeconds` old), or `idle` when nobody watches it (the quote was a one-off; `maxStalenessSeconds` then tells what a newly watched symbol would lag while the stream is full, null when it would stream).",
      request: { params: z.object({ symbol: SymbolSchema }) },
      responses: {
        200: {
          description: "The quote and the symbol's feed",
          content: { "application/json": { schema: QuoteResponseSchema } },
        },
        400: errorResponse("Not a ticker"),
        404: errorResponse("The market does not know this symbol"),
        503: errorResponse("The market data provider is rate limiting us; retry after Retry-After seconds"),
      },
    }),
    async (c) => {
      const { symbol } = c.req.valid("param");
      const quote = await marketData.quote(symbol);
      if (!quote) {
        throw new HttpProblem(
          404,
          "unknown_symbol",
          `no quote for ${symbol}: the market does not know this symbol`,
          {
            symbol,
          },
        );
      }
      return c.json({ ...quote, feed: deps.feedOf(quote.symbol) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/feeds",
      tags: ["market data"],
      summary: "How each of up to 50 symbols is fed (streamed, polled or idle), without a quote",
      description:
        "What `/alerts` shows per symbol: the same `feed` GET /v1/quote answers, read from the price source alone, so it costs no call to the market data provider.",
      request: {
        query: z.object({
          symbols: z
            .string()
            .transform((raw) => raw.split(",").filter((s) => s.trim() !== ""))
            .pipe(
              z
                .array(SymbolSchema)
                .min(1, "name at least one symbol")
                .max(50, "at most 50 symbols per request"),
            ),
        }),
      },
      responses: {
        200: {
          description: "Each symbol's feed, by symbol",
          content: { "application/json": { schema: FeedsResponseSchema } },
        },
        400: errorResponse("No symbols, too many, or one that is not a ticker"),
      },
    }),
    (c) => {
      const { symbols } = c.req.valid("query");
      return c.json({ feeds: Object.fromEntries(symbols.map((s) => [s, deps.feedOf(s)])) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/search",
      tags: ["market data"],
      summary: "Symbols matching a ticker prefix or company name (autocomplete and validation)",
      request: { query: z.object({ q: z.string().trim().min(1).max(40) }) },
      responses: {
        200: {
          description: "Matches",
          content: { "application/json": { schema: SymbolSearchResponseSchema } },
        },
        400: errorResponse("Missing or too long query"),
        503: errorResponse("The market data provider is rate limiting us"),
      },
    }),
    async (c) => {
      const { q } = c.req.valid("query");
      return c.json({ query: q, results: await marketData.search(q) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/market-status",
      tags: ["market data"],
      summary:
        "Whether US equities trade now, and in which session; with ?symbol= that symbol's market (crypto: always open; forex: Sunday to Friday 17:00 New York)",
      request: { query: z.object({ symbol: SymbolSchema.optional() }) },
      responses: {
        200: {
          description: "Market status",
          content: { "application/json": { schema: MarketStatusSchema } },
        },
        503: errorResponse("The market data provider is rate limiting us"),
      },
    }),
    async (c) => {
      const { symbol } = c.req.valid("query");
      const status = symbol === undefined ? null : pairMarketStatus(symbol, (deps.now ?? Date.now)());
      return c.json(status ?? (await marketData.marketStatus()), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/earnings/{symbol}",
      tags: ["market data"],
      summary: `The symbol's earnings releases from today (US/Eastern) to ${EARNINGS_LOOKAHEAD_DAYS} days ahead (cached for hours)`,
      request: { params: z.object({ symbol: SymbolSchema }) },
      responses: {
        200: {
          description: "Releases, soonest first (none for a symbol that does not report)",
          content: { "application/json": { schema: EarningsCalendarSchema } },
        },
        400: errorResponse("Not a ticker"),
        502: errorResponse("The market data provider did not answer properly"),
        503: errorResponse("The market data provider is rate limiting us; retry after Retry-After seconds"),
      },
    }),
    async (c) => {
      const { symbol } = c.req.valid("param");
      // The same day range all day long, so every ask of a day shares one cached upstream call.
      const from = easternDay((deps.now ?? Date.now)());
      const to = addDays(from, EARNINGS_LOOKAHEAD_DAYS);
      return c.json({ symbol, from, to, events: await marketData.earnings(symbol, from, to) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/bars/{symbol}",
      tags: ["price history"],
      summary:
        "Recorded bars of a symbol, oldest first (at most 7 days of minute bars or 2 years of daily bars)",
      description:
        "Minute bars are recorded from the stream; daily bars are rolled up from them per New York trading day " +
        "(00:00 UTC of its date as `t`). A minute or day without trades has no bar. Without `to` the range ends " +
        "now; without `from` it spans a day of minute bars or a year of daily bars.",
      request: { params: z.object({ symbol: SymbolSchema }), query: BarsQuerySchema },
      responses: {
        200: { description: "The bars", content: { "application/json": { schema: BarsResponseSchema } } },
        400: errorResponse("Not a ticker, or a bad or too wide range"),
        503: errorResponse("Price history is not recorded by this deployment"),
      },
    }),
    async (c) => {
      const { symbol } = c.req.valid("param");
      const { resolution, from: askedFrom, to: askedTo } = c.req.valid("query");
      const range = BAR_RANGES[resolution];
      const to = askedTo ?? (deps.now ?? Date.now)();
      const from = askedFrom ?? Math.max(0, to - range.defaultMs);
      if (from >= to) {
        throw new HttpProblem(400, "bad_range", `from (${from}) must be before to (${to})`, { from, to });
      }
      if (to - from > range.maxMs) {
        throw new HttpProblem(
          400,
          "range_too_wide",
          `at most ${range.name} at a time: from ${from} to ${to} spans ${Math.ceil((to - from) / 86_400_000)} days`,
          { from, to, maxMs: range.maxMs },
        );
      }
      const store = deps.bars;
      if (!store) {
        throw new HttpProblem(
          503,
          "history_off",
          "price history is not recorded here: the pricing service runs without DATABASE_URL",
        );
      }
      if (deps.onBarsDemand) await deps.onBarsDemand(symbol);
      const [bars, previousClose] = await Promise.all([
        store.read(symbol, resolution, from, to),
        store.previousClose(symbol, Math.min(to, (deps.now ?? Date.now)()) - 1),
      ]);
      return c.json({ symbol, resolution, from, to, bars, previousClose }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/range/{symbol}",
      tags: ["market data"],
      summary:
        "The symbol's 52-week range: from the recorded daily bars when they cover a year, else Finnhub's (cached a day)",
      request: { params: z.object({ symbol: SymbolSchema }) },
      responses: {
        200: { description: "The range", content: { "application/json": { schema: YearRangeSchema } } },
        400: errorResponse("Not a ticker"),
        404: errorResponse("No 52-week range is known for the symbol (pairs, unknown symbols)"),
        502: errorResponse("The market data provider did not answer properly"),
        503: errorResponse("The market data provider is rate limiting us; retry after Retry-After seconds"),
      },
    }),
    async (c) => {
      const { symbol } = c.req.valid("param");
      const now = (deps.now ?? Date.now)();
      const pair = yearRangeRefusal(symbol);
      if (pair !== null) throw new HttpProblem(404, "year_range_unknown", pair, { symbol });
      const recorded = deps.bars ? await yearRangeFromBars(deps.bars, symbol, now) : null;
      if (recorded !== null) return c.json({ symbol, ...recorded, asOf: now, source: "bars" as const }, 200);
      const reported = await marketData.yearRange(symbol);
      if (reported === null)
        throw new HttpProblem(404, "year_range_unknown", `no 52-week range is known for ${symbol}`, {
          symbol,
        });
      return c.json({ symbol, ...reported, asOf: now, source: deps.rangeSource ?? "finnhub" }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/studies/{symbol}",
      tags: ["price history"],
      summary:
        "The symbol's studies now (moving averages, RSI, volume against its typical volume by this time of day), at the latest price",
      description:
        "`keys` names the studies, comma-separated: `smaN`/`emaN` (daily moving averages of N sessions, 2-200), " +
        "`rsiN:1d`/`rsiN:1h` (Wilder's RSI of N daily or hourly bars, 2-50) and `volume` (today's volume so far " +
        "and the average by the same time of day over the last up-to-20 recorded sessions, at least 5). The " +
        "forming bar closes at the latest price. A study without enough recorded history is listed in `missing` " +
        "with how much there is and how much it needs; currency pairs have no volume.",
      request: {
        params: z.object({ symbol: SymbolSchema }),
        query: z.object({
          keys: z
            .string()
            .openapi({ description: "Study keys, comma-separated", example: "sma50,rsi14:1d,volume" }),
        }),
      },
      responses: {
        200: {
          description: "The values now, and why any asked for is missing",
          content: { "application/json": { schema: StudiesResponseSchema } },
        },
        400: errorResponse("Not a ticker, or a key that names no study"),
        404: errorResponse("The market does not know this symbol"),
        503: errorResponse("Price history is not recorded by this deployment, or the provider is busy"),
      },
    }),
    async (c) => {
      const { symbol } = c.req.valid("param");
      const keys = studyKeysOf(c.req.valid("query").keys);
      const studies = deps.studies;
      if (!studies) {
        throw new HttpProblem(
          503,
          "history_off",
          "studies are computed from recorded price history, and this pricing service runs without DATABASE_URL",
        );
      }
      const quote = await marketData.quote(symbol);
      if (!quote) {
        throw new HttpProblem(
          404,
          "unknown_symbol",
          `no studies for ${symbol}: the market does not know this symbol`,
          { symbol },
        );
      }
      // Read after the symbol's back-fill (the book waits for it): a new alert's studies need the whole past.
      const answer = await studies.read(symbol, keys, quote.price);
      return c.json({ symbol, ...answer }, 200);
    },
  );

  app.doc("/openapi.json", OPENAPI_INFO);
  return app;
}

/**
 * The 52-week range from the recorded daily bars, when they cover the whole year (a bar at least 365 days old is
 * kept); null when they do not, and the source's figures are asked for instead.
 */
async function yearRangeFromBars(
  store: BarStore,
  symbol: string,
  now: number,
): Promise<{ high52w: number; low52w: number } | null> {
  const bars = await store.read(symbol, "1d", now - YEAR_MS - 7 * 86_400_000, now + 1);
  const first = bars[0];
  if (first === undefined || first.t > now - YEAR_MS) return null;
  let high = 0;
  let low = Number.POSITIVE_INFINITY;
  for (const bar of bars) {
    if (bar.t < now - YEAR_MS) continue;
    if (bar.h > high) high = bar.h;
    if (bar.l < low) low = bar.l;
  }
  return high > 0 ? { high52w: high, low52w: low } : null;
}

/** The study keys of `?keys=`, each checked; a 400 that names every bad one. */
function studyKeysOf(raw: string): StudyKey[] {
  const keys = [
    ...new Set(
      raw
        .split(",")
        .map((k) => k.trim())
        .filter((k) => k !== ""),
    ),
  ];
  if (keys.length === 0)
    throw new HttpProblem(
      400,
      "validation_failed",
      "keys: name at least one study, like sma50,rsi14:1d,volume",
    );
  if (keys.length > 20)
    throw new HttpProblem(400, "validation_failed", "keys: at most 20 studies per request");
  const errors = keys.flatMap((k) => {
    const spec = parseStudyKey(k);
    return "error" in spec ? [spec.error] : [];
  });
  if (errors.length > 0) throw new HttpProblem(400, "bad_study_key", errors.join("; "), { keys });
  return keys;
}

function toProblem(err: unknown): HttpProblem | undefined {
  if (err instanceof HttpProblem) return err;
  // Our own REST budget or Finnhub's 429: either way, busy for a while (Retry-After in whole seconds, at least 1).
  const busyFor = (ms: number) =>
    new HttpProblem(
      503,
      "upstream_busy",
      "market data is rate limited right now; retry shortly",
      undefined,
      Math.max(1, Math.ceil(ms / 1000)),
    );
  if (err instanceof CallBudgetExhaustedError) return busyFor(err.retryAtMs - Date.now());
  if (err instanceof FinnhubRateLimitedError) return busyFor(err.retryAfterMs ?? 10_000);
  if (err instanceof FinnhubRemoteError || err instanceof FinnhubNetworkError) {
    return new HttpProblem(
      502,
      "upstream_unavailable",
      "the market data provider did not answer properly; retry later",
    );
  }
  if (err instanceof HTTPException)
    return new HttpProblem(err.status as ContentfulStatusCode, "bad_request", err.message || "bad request");
  return undefined;
}
