import { randomUUID } from "node:crypto";
import { InMemoryBus } from "@tickerbell/bus";
import { createMetricsRegistry } from "@tickerbell/config";
import {
  type BarsResponse,
  BarsResponseSchema,
  StudiesResponseSchema,
  TOPIC_CATALOG,
} from "@tickerbell/contracts";
import { usSessionAt } from "@tickerbell/rules";
import { FakeFinnhub } from "@tickerbell/testkit";
import { describe, expect, it } from "vitest";
import { NoDemandSnapshot } from "../src/adapters/alerts-demand-client.ts";
import type { SqlBarStore } from "../src/db/sql-bar-store.ts";
import { type BarPart, DAY_MS, MINUTE_MS } from "../src/domain/bars.ts";
import type { BackfillMark, BarStore } from "../src/domain/ports.ts";
import { type PricingConfig, type PricingTuning, type RunningPricing, startPricing } from "../src/pricing.ts";
import { alertChange, pricingConfig } from "./fixtures.ts";
import { captureLog, postgresBarStore } from "./helpers.ts";

const NOW = Date.UTC(2026, 5, 3, 15, 0, 30); // Wednesday 11:00:30 New York
const TODAY = Date.UTC(2026, 5, 3);
const sec = (ms: number) => ms / 1000;

let store: SqlBarStore;
const cleanups = postgresBarStore("tb_pricing_backfill", (opened) => {
  store = opened;
});

async function start(config: Partial<PricingConfig>, tuning: PricingTuning = {}, barStore: BarStore = store) {
  const bus = new InMemoryBus({ catalog: TOPIC_CATALOG });
  const logs = captureLog();
  const pricing = await startPricing({
    config: pricingConfig(config),
    bus,
    demandSource: new NoDemandSnapshot(),
    log: logs.log,
    metrics: createMetricsRegistry("pricing-backfill-test"),
    barStore,
    tuning: { groupId: "pricing-backfill-test", now: () => NOW, backfillWaitMs: 30_000, ...tuning },
  });
  cleanups.push(async () => {
    await pricing.stop();
    await bus.close();
  });
  return { pricing, logs };
}

async function fakeFinnhub(candleAccess: boolean) {
  const fake = await FakeFinnhub.start({ candleAccess });
  cleanups.push(() => fake.close());
  return fake;
}

const onFake = (fake: FakeFinnhub) => ({
  FINNHUB_API_KEY: fake.apiKey,
  FINNHUB_WS_URL: fake.wsUrl,
  FINNHUB_REST_URL: fake.restUrl,
});

/** The minute of `at` as the stream records one trade at `price` then. */
function oneTradeMinute(symbol: string, at: number, price: number): BarPart {
  const t = at - (at % MINUTE_MS);
  return {
    symbol,
    resolution: "1m",
    t,
    o: price,
    h: price,
    l: price,
    c: price,
    v: 1,
    n: 1,
    openTs: at,
    closeTs: at,
  };
}

async function bars(pricing: RunningPricing, path: string): Promise<BarsResponse> {
  const res = await pricing.http.request(path);
  expect(res.status).toBe(200);
  return BarsResponseSchema.parse(await res.json());
}

describe("back-fill from Finnhub candles", () => {
  it("stores minute history before the streamed minute and daily history before it, on first demand", async () => {
    const fake = await fakeFinnhub(true);
    const yesterday = TODAY - DAY_MS;
    const tenAm = Date.UTC(2026, 5, 2, 14, 0); // Tuesday 10:00 New York
    fake.setCandles("HISTA", "1", [
      { t: sec(tenAm), o: 10, h: 11, l: 9, c: 10.5, v: 100 },
      { t: sec(tenAm + MINUTE_MS), o: 10.5, h: 12, l: 10, c: 11, v: 50 },
      { t: sec(NOW - 30_000 - MINUTE_MS), o: 20, h: 20, l: 20, c: 20, v: 1 },
      // The current minute is the stream's: not taken from history.
      { t: sec(NOW - 30_000), o: 99, h: 99, l: 99, c: 99, v: 1 },
    ]);
    fake.setCandles("HISTA", "D", [
      { t: sec(yesterday - 7 * DAY_MS), o: 7, h: 8, l: 6, c: 7.5, v: 1000 },
      { t: sec(yesterday - DAY_MS), o: 8, h: 9, l: 7, c: 8.5, v: 1000 },
      // A day the minute history covers: rolled up from its minutes instead.
      { t: sec(yesterday), o: 1, h: 1, l: 1, c: 1, v: 1 },
    ]);
    const { pricing } = await start(onFake(fake));
    pricing.service.onAlertChange(alertChange(randomUUID(), "HISTA", "active"));
    await pricing.backfiller?.request("HISTA");

    const minutes = await bars(pricing, `/v1/bars/HISTA?from=${tenAm}&to=${NOW + MINUTE_MS}`);
    expect(minutes.bars).toEqual([
      { t: tenAm, o: 10, h: 11, l: 9, c: 10.5, v: 100, n: 0 },
      { t: tenAm + MINUTE_MS, o: 10.5, h: 12, l: 10, c: 11, v: 50, n: 0 },
      { t: NOW - 30_000 - MINUTE_MS, o: 20, h: 20, l: 20, c: 20, v: 1, n: 0 },
    ]);
    const days = await bars(pricing, `/v1/bars/HISTA?resolution=1d&to=${TODAY + DAY_MS}`);
    expect(days.bars).toEqual([
      { t: yesterday - 7 * DAY_MS, o: 7, h: 8, l: 6, c: 7.5, v: 1000, n: 0 },
      { t: yesterday - DAY_MS, o: 8, h: 9, l: 7, c: 8.5, v: 1000, n: 0 },
      { t: yesterday, o: 10, h: 12, l: 9, c: 11, v: 150, n: 0 },
      { t: TODAY, o: 20, h: 20, l: 20, c: 20, v: 1, n: 0 },
    ]);
    expect(days.previousClose).toBe(11);
    expect(fake.restCalls.filter((c) => c.path === "/stock/candle").map((c) => [c.symbol, c.status])).toEqual(
      [
        ["HISTA", 200],
        ["HISTA", 200],
      ],
    );
    // Asked again (the chart, another alert): no second fetch.
    await bars(pricing, "/v1/bars/HISTA");
    expect(fake.restCalls.filter((c) => c.path === "/stock/candle")).toHaveLength(2);
  });

  it("after a restart asks only for what is not stored: nothing within the minute, the minutes since after hours", async () => {
    const fake = await fakeFinnhub(true);
    const lastMinute = NOW - 30_000 - MINUTE_MS;
    fake.setCandles("HISTR", "1", [{ t: sec(lastMinute), o: 20, h: 20, l: 20, c: 20, v: 1 }]);
    // A year and more of days, as a back-fill brings them.
    fake.setCandles("HISTR", "D", [
      { t: sec(TODAY - 399 * DAY_MS), o: 5, h: 6, l: 4, c: 5, v: 1000 },
      { t: sec(TODAY - DAY_MS), o: 8, h: 9, l: 7, c: 8.5, v: 1000 },
    ]);
    const candleCalls = () => fake.restCalls.filter((c) => c.path === "/stock/candle").length;
    const first = await start(onFake(fake));
    await first.pricing.backfiller?.request("HISTR");
    expect(candleCalls()).toBe(2);
    await first.pricing.stop();

    // Restarted within the minute: the history is all stored, no call.
    const again = await start(onFake(fake));
    await again.pricing.backfiller?.request("HISTR");
    expect(candleCalls()).toBe(2);
    await again.pricing.stop();

    // Restarted three hours on: one call, for the minutes since the last stored one; the days are stored.
    const later = NOW + 3 * 3_600_000;
    fake.setCandles("HISTR", "1", [
      { t: sec(lastMinute), o: 20, h: 20, l: 20, c: 20, v: 1 },
      { t: sec(later - 2 * 3_600_000), o: 21, h: 22, l: 21, c: 22, v: 3 },
    ]);
    const afterHours = await start(onFake(fake), { now: () => later });
    // The stream recorded the current minute before the back-fill's turn: the gap before it is filled all the same.
    const streamed = later - (later % MINUTE_MS);
    await store.write([oneTradeMinute("HISTR", later, 23)]);
    await afterHours.pricing.backfiller?.request("HISTR");
    expect(candleCalls()).toBe(3);
    const minutes = await bars(
      afterHours.pricing,
      `/v1/bars/HISTR?from=${lastMinute}&to=${later + MINUTE_MS}`,
    );
    expect(minutes.bars.map((b) => [b.t, b.c])).toEqual([
      [lastMinute, 20],
      [later - 2 * 3_600_000, 22],
      [streamed, 23],
    ]);
  });

  it("closes the hole a run leaves when it streams a symbol and stops before back-filling it", async () => {
    const fake = await fakeFinnhub(true);
    const lastMinute = NOW - 30_000 - MINUTE_MS;
    const hole = NOW + 3_600_000 - 30_000; // a minute, an hour after the first run's back-fill
    const second = NOW + 3 * 3_600_000;
    const third = NOW + 5 * 3_600_000;
    const gap = NOW + 4 * 3_600_000 - 30_000; // a minute between the second run and the third
    fake.setCandles("HISTH", "1", [
      { t: sec(lastMinute), o: 20, h: 20, l: 20, c: 20, v: 1 },
      { t: sec(hole), o: 21, h: 21, l: 21, c: 21, v: 2 },
      { t: sec(gap), o: 24, h: 24, l: 24, c: 24, v: 4 },
    ]);
    const first = await start(onFake(fake));
    await first.pricing.backfiller?.request("HISTH");
    await first.pricing.stop();

    // The second run streams a minute of HISTH and stops before its back-fill's turn (it never asks for it).
    const streamed = second - (second % MINUTE_MS);
    const interrupted = await start(onFake(fake), { now: () => second });
    await store.write([oneTradeMinute("HISTH", second, 23)]);
    await interrupted.pricing.stop();

    // The third run's back-fill reaches back to where the last one that finished stopped: behind the streamed
    // minute too, which stands as the stream recorded it.
    const later = await start(onFake(fake), { now: () => third });
    await later.pricing.backfiller?.request("HISTH");
    const minutes = await bars(later.pricing, `/v1/bars/HISTH?from=${lastMinute}&to=${third + MINUTE_MS}`);
    expect(minutes.bars.map((b) => [b.t, b.c, b.v])).toEqual([
      [lastMinute, 20, 1],
      [hole, 21, 2],
      [streamed, 23, 1],
      [gap, 24, 4],
    ]);
  });

  it("on 403 remembers that the key has no candles and stops asking", async () => {
    const fake = await fakeFinnhub(false);
    const { pricing, logs } = await start(onFake(fake));
    await pricing.backfiller?.request("NOHIST1");
    await pricing.backfiller?.request("NOHIST2");
    const empty = await bars(pricing, "/v1/bars/NOHIST3");
    expect(empty.bars).toEqual([]);
    expect(pricing.backfiller?.unavailable).toBe(true);
    expect(fake.restCalls.filter((c) => c.path === "/stock/candle").map((c) => c.status)).toEqual([403]);
    expect(logs.text()).toMatch(
      /no access to candles: no back-fill, price history starts when a symbol is first watched/,
    );
  });
});

describe("back-fill of crypto and forex pairs", () => {
  it("reads a crypto pair's candles from /crypto/candle and a forex pair's from /forex/candle, forex without volume", async () => {
    const fake = await fakeFinnhub(true);
    const threeAm = Date.UTC(2026, 5, 2, 7, 0); // Tuesday 03:00 New York: stocks shut, crypto and forex trade
    fake.setCandles("BINANCE:BTCUSDT", "1", [
      { t: sec(threeAm), o: 97_000, h: 97_100, l: 96_900, c: 97_050, v: 3.5 },
    ]);
    fake.setCandles("OANDA:EUR_USD", "1", [
      { t: sec(threeAm), o: 1.084, h: 1.085, l: 1.083, c: 1.0845, v: 812 },
    ]);
    const { pricing } = await start(onFake(fake));
    await pricing.backfiller?.request("BINANCE:BTCUSDT");
    await pricing.backfiller?.request("OANDA:EUR_USD");
    const btc = await bars(pricing, `/v1/bars/BINANCE%3ABTCUSDT?from=${threeAm}&to=${NOW}`);
    expect(btc.bars).toEqual([{ t: threeAm, o: 97_000, h: 97_100, l: 96_900, c: 97_050, v: 3.5, n: 0 }]);
    const eur = await bars(pricing, `/v1/bars/OANDA%3AEUR_USD?from=${threeAm}&to=${NOW}`);
    expect(eur.bars).toEqual([{ t: threeAm, o: 1.084, h: 1.085, l: 1.083, c: 1.0845, v: 0, n: 0 }]);
    const paths = (symbol: string) => [
      ...new Set(fake.restCalls.filter((c) => c.symbol === symbol).map((c) => c.path)),
    ];
    expect(paths("BINANCE:BTCUSDT")).toEqual(["/crypto/candle"]);
    expect(paths("OANDA:EUR_USD")).toEqual(["/forex/candle"]);
  });
});

describe("back-fill of the simulated feed", () => {
  it("gives a symbol a plausible past that meets the live price", async () => {
    const { pricing } = await start({ SIMULATION_MARKET_HOURS: "real" });
    const minutes = await bars(pricing, `/v1/bars/AAPL?from=${NOW - 3 * DAY_MS}&to=${NOW}`);
    expect(minutes.bars.length).toBeGreaterThan(390);
    for (const b of minutes.bars) {
      // Regular hours and, thinly traded, the extended ones (as the feed trades them).
      expect(usSessionAt(b.t)).not.toBeNull();
      expect(b.h).toBeGreaterThanOrEqual(Math.max(b.o, b.c));
      expect(b.l).toBeLessThanOrEqual(Math.min(b.o, b.c));
    }
    // The past ends at the price the walk had when it was made; the walk has moved on a little since.
    const live = (await pricing.marketData.quote("AAPL"))?.price ?? 0;
    expect(Math.abs((minutes.bars.at(-1)?.c ?? 0) / live - 1)).toBeLessThan(0.01);
    const days = await bars(pricing, `/v1/bars/AAPL?resolution=1d&to=${NOW}`);
    expect(days.bars.length).toBeGreaterThan(240);
    expect(days.bars.every((b) => usSessionAt(b.t + 15 * 3_600_000) === "regular")).toBe(true);
    expect(days.previousClose).not.toBeNull();
  });

  it("fills the holes around recorded minutes with walks that meet the recorded prices at both edges", async () => {
    // Recorded: 20 minutes at $100, a 20-minute hole (a restart's downtime), 10 minutes at $120; the last back-fill
    // that finished reached two hours back.
    const base = NOW - 30_000 - 60 * MINUTE_MS;
    const minute = (t: number, price: number) => oneTradeMinute("ORCL", t, price);
    const recorded = [
      ...Array.from({ length: 20 }, (_, i) => minute(base + i * MINUTE_MS, 100)),
      ...Array.from({ length: 10 }, (_, i) => minute(base + (40 + i) * MINUTE_MS, 120)),
    ];
    await store.writeHistory(recorded, { symbol: "ORCL", backfilledUntil: NOW - 30_000 - 2 * 3_600_000 });
    const { pricing } = await start({ SIMULATION_MARKET_HOURS: "real" });
    await pricing.backfiller?.request("ORCL");

    const all = (await bars(pricing, `/v1/bars/ORCL?from=${NOW - 3 * 3_600_000}&to=${NOW}`)).bars;
    const at = (t: number) => all.find((b) => b.t === t);
    // The recorded minutes stand as recorded.
    expect(recorded.map((r) => at(r.t)?.c)).toEqual(recorded.map((r) => r.c));
    // Every minute of the hole is there, from $100 (the close before it) to $120 (the open after it).
    const hole = all.filter((b) => b.t >= base + 20 * MINUTE_MS && b.t < base + 40 * MINUTE_MS);
    expect(hole).toHaveLength(20);
    expect(hole[0]?.o).toBeCloseTo(100, 3);
    expect(hole.at(-1)?.c).toBeCloseTo(120, 3);
    for (const b of hole) {
      expect(b.h).toBeGreaterThanOrEqual(Math.max(b.o, b.c));
      expect(b.l).toBeLessThanOrEqual(Math.min(b.o, b.c));
    }
    // Before the recorded minutes, back to the mark: a walk that ends at the first recorded open.
    expect(at(base - MINUTE_MS)?.c).toBeCloseTo(100, 3);
    expect(all[0]?.t).toBe(NOW - 30_000 - 2 * 3_600_000);
    // After them, up to this minute: from the last recorded close to the price now.
    expect(at(base + 50 * MINUTE_MS)?.o).toBeCloseTo(120, 3);
  });

  it("answers the first ask with the history the provider gave in time, however long storing it takes", async () => {
    // The simulated past is made in the process (no I/O), so it is given long before a 1 ms wait runs out; storing
    // ten days of minutes takes far longer. Waiting only for the provider, the answer holds all it gave.
    const { pricing } = await start({ SIMULATION_MARKET_HOURS: "real" }, { backfillWaitMs: 1 });
    const minutes = await bars(pricing, `/v1/bars/NVDA?from=${NOW - 3 * DAY_MS}&to=${NOW}`);
    expect(minutes.bars.length).toBeGreaterThan(390);
  });

  it("answers from the history while it is being stored: the same bars before, during and after the write", async () => {
    // The write held twice: before anything is stored, and after its first 3,000 bars; the answers at each point
    // must be what the store gives once it holds everything (minutes, days rolled up from them, the close).
    const held = new HeldHistoryStore(store, 3_000);
    const { pricing } = await start({ SIMULATION_MARKET_HOURS: "real" }, { backfillWaitMs: 30_000 }, held);
    const paths = [
      `/v1/bars/AMD?from=${NOW - 3 * DAY_MS}&to=${NOW}`,
      `/v1/bars/AMD?from=${NOW - 7 * DAY_MS}&to=${NOW - 4 * DAY_MS}`,
      `/v1/bars/AMD?resolution=1d&to=${NOW}`,
    ];
    const read = () => Promise.all(paths.map((path) => bars(pricing, path)));
    const unwritten = await read();
    expect(held.written).toBe(0);
    held.release();
    await held.paused;
    expect(held.written).toBe(3_000);
    const partlyWritten = await read();
    held.release();
    await pricing.backfiller?.request("AMD");
    expect(held.written).toBeGreaterThan(3_000);
    const stored = await read();
    expect(stored[0]!.bars.length).toBeGreaterThan(390);
    expect(stored[1]!.bars.length).toBeGreaterThan(390);
    expect(stored[2]!.bars.length).toBeGreaterThan(240);
    expect(stored[2]!.previousClose).not.toBeNull();
    expect(unwritten).toEqual(stored);
    expect(partlyWritten).toEqual(stored);
  });

  it("stops once the back-fill being written is stored, and begins no other", async () => {
    // Cut short at a stop, a write would leave a hole that no later back-fill closes (they fill only after the
    // latest stored minute).
    const held = new HeldHistoryStore(store, 3_000);
    const { pricing } = await start({ SIMULATION_MARKET_HOURS: "real" }, { backfillWaitMs: 30_000 }, held);
    await bars(pricing, `/v1/bars/INTC?from=${NOW - 3 * DAY_MS}&to=${NOW}`);
    const queued = pricing.backfiller!.request("QCOM");
    held.release();
    await held.paused;
    let stopped = false;
    const stopping = pricing.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(stopped).toBe(false);
    held.release();
    await stopping;
    expect(held.written).toBeGreaterThan(3_000);
    await queued;
    expect(await store.storedSpan("QCOM", "1m")).toBeNull();
  });

  it("holds enough of a past for volume, moving-average and RSI alerts on a simulated stock", async () => {
    const { pricing } = await start({ SIMULATION_MARKET_HOURS: "real" });
    const res = await pricing.http.request("/v1/studies/MSFT?keys=volume,sma50,ema200,rsi14:1d,rsi14:1h");
    expect(res.status).toBe(200);
    const body = StudiesResponseSchema.parse(await res.json());
    expect(body.missing).toEqual([]);
    expect(Object.keys(body.studies.values ?? {}).sort()).toEqual([
      "ema200",
      "rsi14:1d",
      "rsi14:1h",
      "sma50",
    ]);
    // Ten days of minutes: at least the 5 sessions a volume alert needs; the past trades as the feed does, so
    // today's volume so far is about the typical one by this time of day.
    const volume = body.studies.volume;
    expect(volume?.sessions).toBeGreaterThanOrEqual(5);
    const ratio = (volume?.today ?? 0) / (volume?.typical ?? 1);
    expect(ratio).toBeGreaterThan(0.7);
    expect(ratio).toBeLessThan(1.4);
  });

  it("a fake Finnhub symbol with a plausible past has every study after its back-fill", async () => {
    const fake = await fakeFinnhub(true);
    // A symbol of its own: the simulated one's AAPL above is stored in the same database.
    fake.setHistory("PLAUS", { now: NOW, price: 190 });
    fake.setQuote("PLAUS", { c: 190, pc: 189, t: sec(NOW) });
    const { pricing } = await start(onFake(fake));
    const res = await pricing.http.request("/v1/studies/PLAUS?keys=volume,sma50,ema200,rsi14:1d,rsi14:1h");
    expect(res.status).toBe(200);
    const body = StudiesResponseSchema.parse(await res.json());
    expect(body.missing).toEqual([]);
    expect(Object.keys(body.studies.values ?? {}).sort()).toEqual([
      "ema200",
      "rsi14:1d",
      "rsi14:1h",
      "sma50",
    ]);
    // Ten days, today included, reach back to Monday 25 May: 7 weekday sessions of 10 000 a minute (the fake
    // skips no holiday); by 11:00 New York 91 minutes of it (09:30 to 10:59, and the 11:00 minute: 90 + 1) = 910 000.
    expect(body.studies.volume).toEqual({ today: 0, typical: 910_000, sessions: 7 });
  });
});

/**
 * The real store with a back-fill's write held: nothing is written until the first release, then the first
 * `firstPart` bars (writeHistory's batches stand alone, so a part is what a write cut short leaves), then the
 * rest at the second release.
 */
class HeldHistoryStore implements BarStore {
  readonly #store: BarStore;
  readonly #firstPart: number;
  #gate = Promise.withResolvers<void>();
  readonly #paused = Promise.withResolvers<void>();
  written = 0;

  constructor(store: BarStore, firstPart: number) {
    this.#store = store;
    this.#firstPart = firstPart;
  }

  /** Resolves once the first part is written and the rest held. */
  get paused(): Promise<void> {
    return this.#paused.promise;
  }

  release(): void {
    const gate = this.#gate;
    this.#gate = Promise.withResolvers<void>();
    gate.resolve();
  }

  async writeHistory(bars: readonly BarPart[], mark?: BackfillMark): Promise<void> {
    await this.#gate.promise;
    await this.#store.writeHistory(bars.slice(0, this.#firstPart));
    this.written = Math.min(bars.length, this.#firstPart);
    this.#paused.resolve();
    await this.#gate.promise;
    await this.#store.writeHistory(bars.slice(this.#firstPart), mark);
    this.written = bars.length;
  }
  backfilledUntil(symbol: string) {
    return this.#store.backfilledUntil(symbol);
  }

  write(parts: readonly BarPart[]) {
    return this.#store.write(parts);
  }
  read(...args: Parameters<BarStore["read"]>) {
    return this.#store.read(...args);
  }
  previousClose(symbol: string, at: number) {
    return this.#store.previousClose(symbol, at);
  }
  storedSpan(...args: Parameters<BarStore["storedSpan"]>) {
    return this.#store.storedSpan(...args);
  }
  latestCloses() {
    return this.#store.latestCloses();
  }
  sweep(cutoffs: { minuteBefore: number; dailyBefore: number }) {
    return this.#store.sweep(cutoffs);
  }
  async close() {}
}
