import { randomUUID } from "node:crypto";
import { InMemoryBus } from "@tickerbell/bus";
import { createMetricsRegistry } from "@tickerbell/config";
import {
  type AlertCondition,
  ErrorBodySchema,
  type PriceTick,
  StudiesResponseSchema,
  TOPIC_CATALOG,
  TOPIC_PRICE_TICKS,
} from "@tickerbell/contracts";
import { FakeFinnhub } from "@tickerbell/testkit";
import { describe, expect, it } from "vitest";
import { NoDemandSnapshot } from "../src/adapters/alerts-demand-client.ts";
import type { SqlBarStore } from "../src/db/sql-bar-store.ts";
import type { BarPart } from "../src/domain/bars.ts";
import { StudiesBook } from "../src/domain/studies.ts";
import { type PricingTuning, startPricing } from "../src/pricing.ts";
import { alertChange, pricingConfig } from "./fixtures.ts";
import { captureLog, eventually, postgresBarStore } from "./helpers.ts";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 3, 15, 0); // Wednesday 11:00 New York
/** 09:30 New York (13:30 UTC) of the 2026 June/May date. */
const open0930 = (month: number, date: number) => Date.UTC(2026, month, date, 13, 30);
/** The five sessions before Wednesday 3 June and their closes: 9, 10, 11, 13, 12. */
const SESSIONS: Array<[number, number]> = [
  [open0930(4, 27), 9],
  [open0930(4, 28), 10],
  [open0930(4, 29), 11],
  [open0930(5, 1), 13],
  [open0930(5, 2), 12],
];

/**
 * One minute bar at 09:30 New York per session, closing at the session's close with 100, 200, ... 500 traded
 * (each rolls up into its day: the daily closes are 9, 10, 11, 13, 12), and today's 09:30 minute closing at 11
 * with 600 traded.
 */
function history(symbol: string, sessions = SESSIONS): BarPart[] {
  const minute = (t: number, c: number, v: number): BarPart => ({
    symbol,
    resolution: "1m",
    t,
    o: c,
    h: c,
    l: c,
    c,
    v,
    n: 1,
    openTs: t,
    closeTs: t + 59_000,
  });
  return [...sessions.map(([t, c], i) => minute(t, c, 100 * (i + 1))), minute(open0930(5, 3), 11, 600)];
}

let store: SqlBarStore;
const cleanups = postgresBarStore("tb_pricing_studies", (opened) => {
  store = opened;
});

// Hand-computed at the price 10 on the closes 9, 10, 11, 13, 12 (today's forming bar closing at 10):
// sma3 = (13 + 12 + 10) / 3 = 35/3
// ema3 (k = 2/4 = 0.5): seed (9 + 10 + 11) / 3 = 10; 10 + 0.5*(13-10) = 11.5; 11.5 + 0.5*(12-11.5) = 11.75;
//   live 11.75 + 0.5*(10 - 11.75) = 10.875
// rsi3:1d: changes +1, +1, +2 seed gain 4/3, loss 0; -1: gain (4/3*2)/3 = 8/9, loss (0*2 + 1)/3 = 1/3;
//   live -2: gain (8/9*2)/3 = 16/27, loss (1/3*2 + 2)/3 = 8/9; RSI = 100*g/(g+l) = 100*(16/27)/(16/27 + 24/27) = 40
// rsi2:1h: hourly closes 9, 10, 11, 13, 12 and today's 13:00 hour at 11 (closed by 15:00); changes +1, +1 seed
//   gain 1, loss 0; +2: gain 1.5; -1: gain 0.75, loss 0.5; -1: gain 0.375, loss 0.75; live -1: gain 0.1875,
//   loss 0.875; RSI = 100*0.1875/1.0625 = 17.6470588...
// volume: typical by 11:00 = (100 + 200 + 300 + 400 + 500) / 5 = 300; today 600 recorded + the tick's 300 = 900
const EXPECTED_VALUES = {
  sma3: 35 / 3,
  ema3: 10.875,
  "rsi3:1d": 40,
  "rsi2:1h": (100 * 0.1875) / 1.0625,
};

function closeTo(expected: Record<string, number>) {
  return Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, expect.closeTo(v, 9)]));
}

describe("StudiesBook on recorded bars (PostgreSQL)", () => {
  it("loads the demanded studies from the store and attaches their values at each tick's price", async () => {
    await store.writeHistory(history("STU1"));
    const book = new StudiesBook({ store, log: captureLog().log, now: () => NOW });
    book.want("STU1", ["sma3", "ema3", "rsi3:1d", "rsi2:1h", "volume"]);
    await book.loaded("STU1");
    const tick = book.decorate({ v: 1, symbol: "STU1", price: 10, ts: NOW, volume: 300 });
    expect(tick.studies).toEqual({
      values: closeTo(EXPECTED_VALUES),
      volume: { today: 900, typical: 300, sessions: 5 },
    });
    // Another symbol's tick passes as it came.
    const other: PriceTick = { v: 1, symbol: "OTHER", price: 1, ts: NOW };
    expect(book.decorate(other)).toBe(other);
  });

  it("closes the forming day when the next one's first trade comes: one more close in every average", async () => {
    await store.writeHistory(history("STU2"));
    const book = new StudiesBook({ store, log: captureLog().log, now: () => NOW });
    book.want("STU2", ["sma3"]);
    await book.loaded("STU2");
    book.decorate({ v: 1, symbol: "STU2", price: 15, ts: NOW });
    // Thursday: Wednesday closed at 15; sma3 = (12 + 15 + 18) / 3 = 15
    const thursday = book.decorate({ v: 1, symbol: "STU2", price: 18, ts: NOW + DAY });
    expect(thursday.studies?.values?.sma3).toBe(15);
  });

  it("closes a crypto pair's day at 00:00 UTC, as its daily bars and session highs do", async () => {
    const symbol = "BINANCE:STUUSDT";
    await store.writeHistory(history(symbol));
    const book = new StudiesBook({ store, log: captureLog().log, now: () => NOW });
    book.want(symbol, ["sma3"]);
    await book.loaded(symbol);
    book.decorate({ v: 1, symbol, price: 15, ts: Date.UTC(2026, 5, 3, 23, 59) });
    // 00:01 UTC on 4 June is still the evening of 3 June in New York, but a new day for the pair: 3 June closed
    // at 15, so sma3 = (12 + 15 + 18) / 3 = 15 (on New York's day it would be (13 + 12 + 18) / 3).
    const next = book.decorate({ v: 1, symbol, price: 18, ts: Date.UTC(2026, 5, 4, 0, 1) });
    expect(next.studies?.values?.sma3).toBe(15);
  });

  it("says what each study is short of: bars, sessions, or a pair without volume", async () => {
    await store.writeHistory(history("STU3", SESSIONS.slice(2)));
    const book = new StudiesBook({ store, log: captureLog().log, now: () => NOW });
    const answer = await book.read("STU3", ["sma50", "rsi14:1h", "volume"], 10);
    expect(answer.studies).toEqual({});
    expect(answer.missing).toEqual([
      {
        key: "sma50",
        reason: "history_too_short",
        have: 4,
        need: 50,
        message: "a 50-day simple average needs 50 daily bars; 4 recorded",
      },
      {
        key: "rsi14:1h",
        reason: "history_too_short",
        have: 5,
        need: 15,
        message: "a 14-hour RSI needs 15 hourly bars; 5 recorded",
      },
      {
        key: "volume",
        reason: "history_too_short",
        have: 3,
        need: 5,
        message: "volume needs 5 recorded sessions; 3 so far",
      },
    ]);
    const pair = await book.read("OANDA:EUR_USD", ["volume"], 1.1);
    expect(pair.missing).toEqual([
      {
        key: "volume",
        reason: "no_volume",
        have: 0,
        need: 5,
        message: "no volume is reported for currency pairs",
      },
    ]);
  });
});

/** An active alert on `symbol` watching a study, as the alert service's relay publishes it. */
function studyAlert(symbol: string, condition: AlertCondition) {
  const event = alertChange(randomUUID(), symbol, "active");
  return { ...event, alert: { ...event.alert, condition, thresholds: { upper: null, lower: null } } };
}

const noHistory = { name: "none", minutes: async () => [], days: async () => [] };

async function pricingOn(fake: FakeFinnhub, tuning: PricingTuning = {}) {
  const bus = new InMemoryBus({ catalog: TOPIC_CATALOG });
  const pricing = await startPricing({
    config: pricingConfig({
      FINNHUB_API_KEY: fake.apiKey,
      FINNHUB_WS_URL: fake.wsUrl,
      FINNHUB_REST_URL: fake.restUrl,
      // The recorder sweeps by the wall clock: keep the test's June minutes.
      PRICE_HISTORY_MINUTE_DAYS: 100_000,
    }),
    bus,
    demandSource: new NoDemandSnapshot(),
    log: captureLog().log,
    metrics: createMetricsRegistry("pricing-studies-test"),
    barStore: store,
    tuning: { groupId: "pricing-studies-test", now: () => NOW, history: noHistory, ...tuning },
  });
  cleanups.push(async () => {
    await pricing.stop();
    await bus.close();
  });
  return { pricing, bus };
}

describe("studies on published ticks", () => {
  it("sends the studies an active alert watches on every tick of its symbol, and none once it is cancelled", async () => {
    await store.writeHistory(history("STU4"));
    const fake = await FakeFinnhub.start();
    cleanups.push(() => fake.close());
    const { pricing, bus } = await pricingOn(fake);
    const published: PriceTick[] = [];
    const subscription = await bus.subscribe({
      groupId: "studies-test-reader",
      topics: [TOPIC_PRICE_TICKS],
      fromBeginning: true,
      handler: async (message) => {
        published.push(message.value as PriceTick);
      },
    });
    cleanups.push(() => subscription.stop());

    const rsi = studyAlert("STU4", { kind: "rsi", direction: "below", level: 30, period: 3, interval: "1d" });
    pricing.service.onAlertChange(rsi);
    pricing.service.onAlertChange(studyAlert("STU4", { kind: "volume", multiple: 3 }));
    await fake.waitFor(() => fake.subscriptions().includes("STU4"), "the STU4 subscription");
    await eventually(() => pricing.studies?.symbols().includes("STU4") ?? false, "STU4's studies loaded");
    await pricing.studies?.loaded("STU4");

    fake.pushTrades([{ symbol: "STU4", price: 10, ts: NOW, volume: 300 }]);
    await eventually(() => published.some((t) => t.symbol === "STU4"), "the STU4 tick");
    expect(published.find((t) => t.symbol === "STU4")?.studies).toEqual({
      values: { "rsi3:1d": expect.closeTo(40, 9) },
      volume: { today: 900, typical: 300, sessions: 5 },
    });

    // Both alerts cancelled: the symbol's ticks (if any were still sent) carry no studies.
    pricing.service.onAlertChange({
      ...rsi,
      alert: { ...rsi.alert, status: "cancelled", version: rsi.alert.version + 100 },
    });
    expect(pricing.demand.studiesOf("STU4")).toEqual(["volume"]);
  });
});

describe("GET /v1/studies/{symbol}", () => {
  it("answers the values at the latest price and the gaps, and refuses bad keys and unknown symbols", async () => {
    await store.writeHistory(history("STU5"));
    const fake = await FakeFinnhub.start({
      symbols: [{ symbol: "STU5", description: "STUDIES", price: 10 }],
    });
    cleanups.push(() => fake.close());
    const { pricing } = await pricingOn(fake);

    const res = await pricing.http.request("/v1/studies/STU5?keys=sma3,ema3,rsi3:1d,volume,sma50");
    expect(res.status).toBe(200);
    const body = StudiesResponseSchema.parse(await res.json());
    const { "rsi2:1h": _hourly, ...daily } = EXPECTED_VALUES;
    expect(body).toEqual({
      symbol: "STU5",
      // No tick since the recording: today's volume is the 600 recorded.
      studies: { values: closeTo(daily), volume: { today: 600, typical: 300, sessions: 5 } },
      missing: [
        {
          key: "sma50",
          reason: "history_too_short",
          have: 6,
          need: 50,
          message: "a 50-day simple average needs 50 daily bars; 6 recorded",
        },
      ],
    });

    const bad = await pricing.http.request("/v1/studies/STU5?keys=sma1,macd");
    expect(bad.status).toBe(400);
    expect(ErrorBodySchema.parse(await bad.json()).error.message).toBe(
      "sma1: a moving average spans 2 to 200 sessions; macd is not a study: use smaN, emaN, rsiN:1d, rsiN:1h or volume",
    );
    const none = await pricing.http.request("/v1/studies/STU5?keys=");
    expect(none.status).toBe(400);
    const unknown = await pricing.http.request("/v1/studies/NOPE?keys=sma3");
    expect(unknown.status).toBe(404);
    expect(ErrorBodySchema.parse(await unknown.json()).error.message).toBe(
      "no studies for NOPE: the market does not know this symbol",
    );
    const doc = (await (await pricing.http.request("/openapi.json")).json()) as { paths: object };
    expect(Object.keys(doc.paths)).toContain("/v1/studies/{symbol}");
  });
});
