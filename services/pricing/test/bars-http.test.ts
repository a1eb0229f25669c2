import { randomUUID } from "node:crypto";
import { InMemoryBus } from "@tickerbell/bus";
import { createMetricsRegistry } from "@tickerbell/config";
import { BarsResponseSchema, ErrorBodySchema, TOPIC_CATALOG } from "@tickerbell/contracts";
import { tradingDayOf } from "@tickerbell/rules";
import { FakeFinnhub } from "@tickerbell/testkit";
import { describe, expect, it } from "vitest";
import { NoDemandSnapshot } from "../src/adapters/alerts-demand-client.ts";
import type { SqlBarStore } from "../src/db/sql-bar-store.ts";
import { MINUTE_MS } from "../src/domain/bars.ts";
import type { BarStore } from "../src/domain/ports.ts";
import { type PricingTuning, type RunningPricing, startPricing } from "../src/pricing.ts";
import { alertChange, pricingConfig } from "./fixtures.ts";
import { captureLog, postgresBarStore } from "./helpers.ts";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 3, 15, 0); // Wednesday 11:00 New York

let store: SqlBarStore;
const cleanups = postgresBarStore("tb_pricing_bars_http", (opened) => {
  store = opened;
});

async function pricingWith(bars: BarStore | undefined, fake?: FakeFinnhub, tuning: PricingTuning = {}) {
  const bus = new InMemoryBus({ catalog: TOPIC_CATALOG });
  const logs = captureLog();
  const pricing = await startPricing({
    config: pricingConfig(
      fake
        ? { FINNHUB_API_KEY: fake.apiKey, FINNHUB_WS_URL: fake.wsUrl, FINNHUB_REST_URL: fake.restUrl }
        : {},
    ),
    bus,
    demandSource: new NoDemandSnapshot(),
    log: logs.log,
    metrics: createMetricsRegistry("pricing-bars-test"),
    ...(bars ? { barStore: bars } : {}),
    tuning: { groupId: "pricing-bars-test", now: () => NOW, ...tuning },
  });
  cleanups.push(async () => {
    await pricing.stop();
    await bus.close();
  });
  return pricing;
}

async function get(pricing: RunningPricing, path: string) {
  const res = await pricing.http.request(path);
  return { status: res.status, body: (await res.json()) as unknown };
}

describe("GET /v1/bars/{symbol}", () => {
  it("records the streamed trades as minute and daily bars and serves them", async () => {
    const fake = await FakeFinnhub.start();
    cleanups.push(() => fake.close());
    const pricing = await pricingWith(store, fake, { barFlushMs: 50 });
    pricing.service.onAlertChange(alertChange(randomUUID(), "BARS1", "active"));
    await fake.waitFor(() => fake.subscriptions().includes("BARS1"), "the BARS1 subscription");
    const m = NOW - 10 * MINUTE_MS;
    fake.pushTrades([
      { symbol: "BARS1", price: 10, ts: m + 1_000, volume: 5 },
      { symbol: "BARS1", price: 12, ts: m + 2_000, volume: 1 },
      { symbol: "BARS1", price: 11, ts: m + 3_000, volume: 2 },
      { symbol: "BARS1", price: 13, ts: m + 2 * MINUTE_MS, volume: 4 },
    ]);
    // The recorder writes every 50 ms: ask until all four trades are in.
    let body: unknown;
    for (let tries = 0; tries < 300; tries++) {
      ({ body } = await get(pricing, `/v1/bars/bars1?from=${m}&to=${NOW}`));
      const bars = (body as { bars?: Array<{ n: number }> }).bars ?? [];
      if (bars.reduce((sum, b) => sum + b.n, 0) === 4) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(BarsResponseSchema.parse(body)).toEqual({
      symbol: "BARS1",
      resolution: "1m",
      from: m,
      to: NOW,
      bars: [
        { t: m, o: 10, h: 12, l: 10, c: 11, v: 8, n: 3 },
        { t: m + 2 * MINUTE_MS, o: 13, h: 13, l: 13, c: 13, v: 4, n: 1 },
      ],
      previousClose: null,
    });
    const daily = await get(pricing, "/v1/bars/BARS1?resolution=1d");
    expect(daily.status).toBe(200);
    expect(BarsResponseSchema.parse(daily.body)).toMatchObject({
      from: NOW - 366 * DAY,
      to: NOW,
      bars: [{ t: Date.UTC(2026, 5, 3), o: 10, h: 13, l: 10, c: 13, v: 12, n: 4 }],
    });
    // Every trade is in the store: nothing waits to be written.
    const metrics = await (await pricing.http.request("/metrics")).text();
    expect(metrics).toMatch(/^pricing_bar_oldest_unwritten_seconds\{[^}]*\} 0$/m);
  });

  it("answers the previous session's close from the daily bars", async () => {
    const tuesday = Date.UTC(2026, 5, 2);
    await store.writeHistory([
      {
        symbol: "PREVC",
        resolution: "1d",
        t: tuesday,
        o: 5,
        h: 6,
        l: 4,
        c: 5.5,
        v: 100,
        n: 10,
        openTs: tuesday,
        closeTs: tuesday,
      },
    ]);
    // No back-fill here: the simulated past would roll Tuesday up from its own minutes.
    const nothing = { name: "none", minutes: async () => [], days: async () => [] };
    const pricing = await pricingWith(store, undefined, { history: nothing });
    const res = await get(pricing, "/v1/bars/PREVC");
    expect(res.status).toBe(200);
    expect(BarsResponseSchema.parse(res.body)).toMatchObject({
      from: NOW - DAY,
      to: NOW,
      previousClose: 5.5,
    });
  });

  it("refuses bad and too wide ranges with a message that says what is wrong", async () => {
    const pricing = await pricingWith(store);
    const cases: Array<[string, RegExp]> = [
      [`/v1/bars/AAPL?from=${NOW}&to=${NOW - 1}`, /from \(\d+\) must be before to/],
      [`/v1/bars/AAPL?from=${NOW - 8 * DAY}&to=${NOW}`, /at most 7 days of minute bars/],
      [`/v1/bars/AAPL?resolution=1d&from=${NOW - 800 * DAY}&to=${NOW}`, /at most 2 years of daily bars/],
      ["/v1/bars/AAPL?resolution=5m", /resolution/],
      ["/v1/bars/AAPL?from=yesterday", /from \(inclusive\) is a time in epoch milliseconds/],
      [
        "/v1/bars/not%20a%20ticker",
        /a symbol is a ticker like AAPL or BRK.B, or an exchange pair like BINANCE:BTCUSDT/,
      ],
    ];
    for (const [path, message] of cases) {
      const res = await get(pricing, path);
      expect(res.status, path).toBe(400);
      expect(ErrorBodySchema.parse(res.body).error.message, path).toMatch(message);
    }
  });

  it("answers 503 when no history is recorded", async () => {
    const pricing = await pricingWith(undefined);
    const res = await get(pricing, "/v1/bars/AAPL");
    expect(res.status).toBe(503);
    expect(ErrorBodySchema.parse(res.body).error.message).toMatch(/without DATABASE_URL/);
  });

  it("is in the OpenAPI document", async () => {
    const pricing = await pricingWith(undefined);
    const doc = (await get(pricing, "/openapi.json")).body as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain("/v1/bars/{symbol}");
  });
});

describe("the simulated market's quote and its made-up past", () => {
  it("agree from the first quote on: its open, high, low and previous close are those of the bars", async () => {
    const pricing = await pricingWith(store, undefined, { now: () => Date.now() });
    // The first request about the symbol is the quote; its past is made up before it answers.
    const quote = (await get(pricing, "/v1/quote/AAPL")).body as {
      price: number;
      open: number;
      high: number;
      low: number;
      previousClose: number;
    };
    const to = Date.now();
    const { body } = await get(pricing, `/v1/bars/AAPL?from=${to - 6 * DAY}&to=${to}`);
    const bars = BarsResponseSchema.parse(body).bars;
    // The last trading day in the bars (today's, or the last one that traded when the market is shut) and the
    // close of the one before it.
    const lastDay = tradingDayOf("AAPL", bars.at(-1)?.t ?? 0);
    const first = bars.findIndex((b) => tradingDayOf("AAPL", b.t) === lastDay);
    const day = bars.slice(first);
    expect(first).toBeGreaterThan(0);
    expect(quote.open).toBe(day[0]?.o);
    expect(quote.previousClose).toBe(bars[first - 1]?.c);
    // The walk may have traded since: the range only grows from the bars'.
    expect(quote.high).toBeGreaterThanOrEqual(Math.max(...day.map((b) => b.h)));
    expect(quote.low).toBeLessThanOrEqual(Math.min(...day.map((b) => b.l)));
    expect(quote.high).toBeLessThan(Math.max(...day.map((b) => b.h)) * 1.01);
    expect(quote.low).toBeGreaterThan(Math.min(...day.map((b) => b.l)) * 0.99);
  });
});

describe("the simulated market after a restart", () => {
  it("goes on from each symbol's last recorded price, not from its listed one", async () => {
    // What an earlier run recorded: MSFT (listed at $415) last traded at $520 an hour ago; AMZN (listed at $182) at
    // $12.34 yesterday (its daily bar only: the minutes were swept).
    const now = Date.now();
    const minute = now - 60 * MINUTE_MS - ((now - 60 * MINUTE_MS) % MINUTE_MS);
    await store.writeHistory([
      {
        symbol: "MSFT",
        resolution: "1m",
        t: minute - MINUTE_MS,
        o: 500,
        h: 519,
        l: 499,
        c: 518,
        v: 5,
        n: 2,
        openTs: minute - MINUTE_MS,
        closeTs: minute - 1,
      },
      {
        symbol: "MSFT",
        resolution: "1m",
        t: minute,
        o: 518,
        h: 521,
        l: 517,
        c: 520,
        v: 5,
        n: 2,
        openTs: minute,
        closeTs: minute + MINUTE_MS - 1,
      },
      {
        symbol: "AMZN",
        resolution: "1d",
        t: tradingDayOf("AMZN", now - DAY),
        o: 12,
        h: 13,
        l: 11,
        c: 12.34,
        v: 9,
        n: 3,
        openTs: now - DAY,
        closeTs: now - DAY,
      },
    ]);
    const pricing = await pricingWith(store, undefined, { now: () => Date.now() });
    const quote = async (symbol: string) =>
      ((await get(pricing, `/v1/quote/${symbol}`)).body as { price: number }).price;
    // At speed 1 a second of walking moves a price by far less than 1%.
    expect(Math.abs((await quote("MSFT")) / 520 - 1)).toBeLessThan(0.01);
    expect(Math.abs((await quote("AMZN")) / 12.34 - 1)).toBeLessThan(0.01);
  });
});

describe("GET /v1/range/{symbol}", () => {
  const day = (t: number, h: number, l: number) => ({
    symbol: "YEAR1",
    resolution: "1d" as const,
    t,
    o: l,
    h,
    l,
    c: h,
    v: 100,
    n: 10,
    openTs: t,
    closeTs: t,
  });

  it("reads Finnhub's company metrics once a day, then from the cache, within the REST budget", async () => {
    const fake = await FakeFinnhub.start({ yearRanges: { AAPL: { high: 199.62, low: 164.08 } } });
    cleanups.push(() => fake.close());
    const pricing = await pricingWith(undefined, fake);
    const first = await get(pricing, "/v1/range/aapl");
    expect(first).toEqual({
      status: 200,
      body: { symbol: "AAPL", high52w: 199.62, low52w: 164.08, asOf: NOW, source: "finnhub" },
    });
    expect((await get(pricing, "/v1/range/AAPL")).body).toEqual(first.body);
    expect(fake.restCalls.filter((c) => c.path === "/stock/metric").map((c) => [c.symbol, c.status])).toEqual(
      [["AAPL", 200]],
    );
  });

  it("answers 404 with the reason for a symbol without a range: unknown, or a pair", async () => {
    const fake = await FakeFinnhub.start();
    cleanups.push(() => fake.close());
    const pricing = await pricingWith(undefined, fake);
    const unknown = await get(pricing, "/v1/range/ZZZZ");
    expect(unknown.status).toBe(404);
    expect(ErrorBodySchema.parse(unknown.body).error.message).toBe("no 52-week range is known for ZZZZ");
    const pair = await get(pricing, "/v1/range/BINANCE:BTCUSDT");
    expect(pair.status).toBe(404);
    expect(ErrorBodySchema.parse(pair.body).error.message).toMatch(/no 52-week range for pairs/);
    // A pair never costs a REST call.
    expect(fake.restCalls.filter((c) => c.path === "/stock/metric").map((c) => c.symbol)).toEqual(["ZZZZ"]);
  });

  it("takes the range from the recorded daily bars when they cover a whole year, without a REST call", async () => {
    const fake = await FakeFinnhub.start({ yearRanges: { YEAR1: { high: 999, low: 1 } } });
    cleanups.push(() => fake.close());
    // A year and a day of history: the oldest day (high 500) is outside the 52 weeks and does not count.
    await store.writeHistory([
      day(Date.UTC(2025, 5, 2), 500, 40),
      day(Date.UTC(2025, 5, 4), 120, 80),
      day(Date.UTC(2026, 0, 15), 150, 95),
      day(Date.UTC(2026, 5, 2), 130, 110),
    ]);
    const nothing = { name: "none", minutes: async () => [], days: async () => [] };
    const pricing = await pricingWith(store, fake, { history: nothing });
    expect((await get(pricing, "/v1/range/YEAR1")).body).toEqual({
      symbol: "YEAR1",
      high52w: 150,
      low52w: 80,
      asOf: NOW,
      source: "bars",
    });
    expect(fake.restCalls.filter((c) => c.path === "/stock/metric")).toEqual([]);
  });

  it("the simulated market answers it for its stocks", async () => {
    const pricing = await pricingWith(undefined);
    const res = await get(pricing, "/v1/range/AAPL");
    expect(res.status).toBe(200);
    const body = res.body as { high52w: number; low52w: number; source: string };
    expect(body.source).toBe("simulated");
    expect(body.high52w).toBeGreaterThan(body.low52w);
    expect((await get(pricing, "/v1/range/BINANCE:BTCUSDT")).status).toBe(404);
  });
});
