import { tradingDayOf } from "@tickerbell/rules";
import { describe, expect, it } from "vitest";
import { SimulatedFeed } from "./simulated-feed.ts";
import { SimulatedHistory } from "./simulated-history.ts";
import { SimulatedMarketData } from "./simulated-market-data.ts";
import { SIMULATED_UNIVERSE } from "./universe.ts";

// Tuesday 2026-11-24 in New York (EST, UTC-5).
const TUESDAY_10AM = Date.parse("2026-11-24T15:00:00Z");
const TUESDAY_6PM = Date.parse("2026-11-24T23:00:00Z");
const TUESDAY_11PM = Date.parse("2026-11-25T04:00:00Z");
const SATURDAY_NOON = Date.parse("2026-11-28T17:00:00Z");

const stocks = (ticks: ReturnType<SimulatedFeed["advanceTo"]>) =>
  ticks.filter((t) => !t.symbol.includes(":"));

function run(seed: number, startMs: number, seconds: number) {
  const feed = new SimulatedFeed({ seed, startMs });
  const ticks = [];
  for (let s = 1; s <= seconds; s++) ticks.push(...feed.advanceTo(startMs + s * 1_000));
  return { feed, ticks };
}

describe("SimulatedFeed", () => {
  it("is deterministic for a seed, however time is advanced", () => {
    const a = run(7, TUESDAY_10AM, 120).ticks;
    const b = new SimulatedFeed({ seed: 7, startMs: TUESDAY_10AM }).advanceTo(TUESDAY_10AM + 120_000);
    expect(a.length).toBeGreaterThan(100 * 60);
    expect(b).toEqual(a);
  });

  it("walks differently for another seed", () => {
    const a = run(7, TUESDAY_10AM, 30).ticks;
    const b = run(8, TUESDAY_10AM, 30).ticks;
    expect(b).not.toEqual(a);
  });

  it("does not let one symbol's walk depend on others being tracked", () => {
    const plain = new SimulatedFeed({ seed: 3, startMs: TUESDAY_10AM });
    const extra = new SimulatedFeed({ seed: 3, startMs: TUESDAY_10AM });
    extra.track("ZZZZ");
    const only = (ticks: ReturnType<SimulatedFeed["advanceTo"]>) => ticks.filter((t) => t.symbol === "AAPL");
    expect(only(extra.advanceTo(TUESDAY_10AM + 60_000))).toEqual(
      only(plain.advanceTo(TUESDAY_10AM + 60_000)),
    );
  });

  it("goes on from the prices it is told to resume from, for walks it has and walks it starts later", () => {
    const feed = new SimulatedFeed({ seed: 1, startMs: TUESDAY_10AM });
    feed.resumeFrom(
      new Map([
        ["AAPL", 321.5],
        ["LATER1", 4.2],
        ["MSFT", Number.NaN],
      ]),
    );
    expect(feed.current("AAPL")).toMatchObject({
      price: 321.5,
      open: 321.5,
      high: 321.5,
      low: 321.5,
      previousClose: 321.5,
    });
    // A price that is no price leaves the listed one.
    const msft = SIMULATED_UNIVERSE.find((i) => i.symbol === "MSFT")?.price;
    expect(feed.current("MSFT")?.price).toBe(msft);
    feed.track("LATER1");
    expect(feed.current("LATER1")?.price).toBe(4.2);
    const first = feed.advanceTo(TUESDAY_10AM + 10_000).find((t) => t.symbol === "AAPL");
    expect(Math.abs((first?.price ?? 0) / 321.5 - 1)).toBeLessThan(0.005);
    expect(first?.previousClose).toBe(321.5);
  });

  it("starts from plausible prices and moves like a stock in regular hours", () => {
    const { feed, ticks } = run(1, TUESDAY_10AM, 600);
    const aapl = SIMULATED_UNIVERSE.find((i) => i.symbol === "AAPL");
    const now = feed.current("AAPL");
    expect(now?.previousClose).toBe(aapl?.price);
    // Ten minutes of a ~28% annual volatility walk stays within a few percent.
    expect(Math.abs((now?.price ?? 0) / (aapl?.price ?? 1) - 1)).toBeLessThan(0.05);
    expect(ticks.every((t) => t.price > 0 && Number.isFinite(t.price))).toBe(true);
    expect(new Set(ticks.map((t) => t.price)).size).toBeGreaterThan(1000);
  });

  it("barely trades stocks after hours and not at all when the market is closed", () => {
    const regular = stocks(run(1, TUESDAY_10AM, 300).ticks).length;
    const after = stocks(run(1, TUESDAY_6PM, 300).ticks).length;
    expect(after).toBeGreaterThan(0);
    expect(after).toBeLessThan(regular / 5);
    expect(stocks(run(1, TUESDAY_11PM, 300).ticks)).toEqual([]);
    expect(stocks(run(1, SATURDAY_NOON, 300).ticks)).toEqual([]);
  });

  it("trades crypto around the clock and forex through the FX week, forex without volume", () => {
    const symbolsTrading = (startMs: number) => new Set(run(1, startMs, 120).ticks.map((t) => t.symbol));
    // Saturday noon in New York: only crypto.
    const saturday = symbolsTrading(SATURDAY_NOON);
    expect([...saturday].sort()).toEqual([
      "BINANCE:BTCUSDT",
      "BINANCE:ETHUSDT",
      "COINBASE:BTC-USD",
      "COINBASE:SOL-USD",
    ]);
    // Tuesday 23:00 New York: stocks are shut, crypto and forex trade.
    const night = symbolsTrading(TUESDAY_11PM);
    expect(night.has("BINANCE:BTCUSDT")).toBe(true);
    expect(night.has("OANDA:EUR_USD")).toBe(true);
    expect(night.has("AAPL")).toBe(false);
    // Friday 16:59 and 17:00 New York (EST): the FX week closes.
    const fx = (ticks: ReturnType<typeof run>["ticks"]) => ticks.filter((t) => t.symbol.startsWith("OANDA:"));
    expect(fx(run(1, Date.parse("2026-11-27T21:58:00Z"), 60).ticks).length).toBeGreaterThan(0);
    expect(fx(run(1, Date.parse("2026-11-27T22:00:00Z"), 60).ticks)).toEqual([]);
    const forex = fx(run(1, TUESDAY_11PM, 60).ticks);
    expect(forex.length).toBeGreaterThan(0);
    expect(forex.every((t) => t.volume === undefined && t.price > 0.5 && t.price < 200)).toBe(true);
    const btc = run(1, SATURDAY_NOON, 60).ticks.filter((t) => t.symbol === "BINANCE:BTCUSDT");
    expect(btc.every((t) => (t.volume ?? 0) > 0)).toBe(true);
  });

  it("trades around the clock when always open, and moves further per minute when sped up", () => {
    const open = new SimulatedFeed({ seed: 1, startMs: SATURDAY_NOON, marketHours: "always-open" });
    expect(open.advanceTo(SATURDAY_NOON + 300_000).length).toBeGreaterThan(100 * 200);
    // The same seeded shocks, scaled: a walk sped up 100x moves about 10x (sqrt) as far from its start.
    const spread = (speed: number) => {
      const feed = new SimulatedFeed({ seed: 5, startMs: TUESDAY_10AM, speed });
      const ticks = feed.advanceTo(TUESDAY_10AM + 600_000).filter((t) => t.symbol === "AAPL");
      const prices = ticks.map((t) => t.price);
      return Math.max(...prices) - Math.min(...prices);
    };
    const ratio = spread(100) / spread(1);
    expect(ratio).toBeGreaterThan(5);
    expect(ratio).toBeLessThan(20);
  });
});

describe("the simulated trading day", () => {
  it("opens a new day at its first trade: the last price before it is the previous close", () => {
    // Crypto's day ends at 00:00 UTC.
    const start = Date.parse("2026-11-24T23:58:00Z");
    const midnight = Date.parse("2026-11-25T00:00:00Z");
    const feed = new SimulatedFeed({ seed: 2, startMs: start });
    const btc = feed.advanceTo(start + 240_000).filter((t) => t.symbol === "BINANCE:BTCUSDT");
    const before = btc.filter((t) => t.ts < midnight);
    const after = btc.filter((t) => t.ts >= midnight);
    expect(before.length).toBeGreaterThan(60);
    expect(after.length).toBeGreaterThan(60);
    const listed = SIMULATED_UNIVERSE.find((i) => i.symbol === "BINANCE:BTCUSDT")?.price;
    expect(before.every((t) => t.previousClose === listed)).toBe(true);
    expect(after.every((t) => t.previousClose === before.at(-1)?.price)).toBe(true);
    const quote = feed.current("BINANCE:BTCUSDT");
    const prices = after.map((t) => t.price);
    expect(quote).toMatchObject({
      open: prices[0],
      high: Math.max(...prices),
      low: Math.min(...prices),
      previousClose: before.at(-1)?.price,
    });
  });

  it("quotes the day its history shows: open, high and low of its last day, the close before as previous", async () => {
    const start = Date.parse("2026-11-24T18:00:00Z"); // Tuesday 13:00 New York
    const feed = new SimulatedFeed({ seed: 4, startMs: start });
    const history = new SimulatedHistory(feed, { seed: 4, marketHours: "real" });
    const bars = await history.minutes("AAPL", Date.parse("2026-11-20T05:00:00Z"), start);
    const today = bars.filter((b) => tradingDayOf("AAPL", b.t) === tradingDayOf("AAPL", start));
    const yesterday = bars.filter((b) => tradingDayOf("AAPL", b.t) === tradingDayOf("AAPL", start) - 1);
    expect(today.length).toBeGreaterThan(300);
    expect(yesterday.length).toBeGreaterThan(300);
    const market = new SimulatedMarketData(feed, () => start);
    const quote = await market.quote("AAPL");
    expect(quote?.price).toBe(today.at(-1)?.c);
    expect(quote).toMatchObject({
      open: today[0]?.o,
      high: Math.max(...today.map((b) => b.h)),
      low: Math.min(...today.map((b) => b.l)),
      previousClose: yesterday.at(-1)?.c,
    });
    // The stream goes on from there: the same day's trades move the range, the next day's start it again.
    const ticks = feed.advanceTo(start + 3_600_000).filter((t) => t.symbol === "AAPL");
    const after = await market.quote("AAPL");
    expect(after?.high).toBe(Math.max(quote?.high ?? 0, ...ticks.map((t) => t.price)));
    expect(after?.open).toBe(quote?.open);
    expect(ticks.every((t) => t.previousClose === yesterday.at(-1)?.c)).toBe(true);
  });

  it("on a weekend, quotes the last day that traded, and opens the next one from its close", async () => {
    const saturday = Date.parse("2026-11-28T17:00:00Z");
    const feed = new SimulatedFeed({ seed: 4, startMs: saturday });
    const history = new SimulatedHistory(feed, { seed: 4, marketHours: "real" });
    const bars = await history.minutes("AAPL", Date.parse("2026-11-25T05:00:00Z"), saturday);
    const friday = bars.filter((b) => tradingDayOf("AAPL", b.t) === tradingDayOf("AAPL", saturday) - 1);
    expect(friday.length).toBeGreaterThan(300);
    expect(bars.at(-1)?.t).toBe(friday.at(-1)?.t);
    expect(feed.current("AAPL")).toMatchObject({
      open: friday[0]?.o,
      high: Math.max(...friday.map((b) => b.h)),
      low: Math.min(...friday.map((b) => b.l)),
    });
    // Monday's pre-market: its first trade opens Monday, Friday's close the previous close.
    const monday = Date.parse("2026-11-30T09:00:00Z");
    const ticks = feed.advanceTo(monday + 600_000).filter((t) => t.symbol === "AAPL");
    expect(ticks.length).toBeGreaterThan(0);
    expect(ticks[0]?.previousClose).toBe(friday.at(-1)?.c);
    expect(feed.current("AAPL")?.open).toBe(ticks[0]?.price);
  });
});

describe("the simulated past", () => {
  it("is made at the first quote; a back-fill a while later tells the same past and runs on to the live price", async () => {
    const feed = new SimulatedFeed({ seed: 6, startMs: TUESDAY_10AM });
    const history = new SimulatedHistory(feed, { seed: 6, marketHours: "real" });
    const market = new SimulatedMarketData(feed, () => TUESDAY_10AM, history);
    const quoted = await market.quote("AAPL");
    // Twenty minutes on, unwatched (nothing recorded), its back-fill comes.
    const later = TUESDAY_10AM + 20 * 60_000;
    feed.advanceTo(later);
    const from = TUESDAY_10AM - 2 * 86_400_000;
    const bars = await history.minutes("AAPL", from, later);
    const past = bars.filter((b) => b.t < TUESDAY_10AM);
    const since = bars.filter((b) => b.t >= TUESDAY_10AM);
    // The past is the one the quote told: the same minutes when asked again, its last day the quote's.
    expect(await history.minutes("AAPL", from, TUESDAY_10AM)).toEqual(past);
    expect(past.at(-1)?.c).toBe(quoted?.price);
    const today = past.filter((b) => tradingDayOf("AAPL", b.t) === tradingDayOf("AAPL", TUESDAY_10AM));
    expect(quoted?.high).toBe(Math.max(...today.map((b) => b.h)));
    // Then every minute up to the back-fill, from the past's close to the live price, each opening at the close
    // before it.
    expect(since.map((b) => b.t)).toEqual(Array.from({ length: 20 }, (_, i) => TUESDAY_10AM + i * 60_000));
    expect(since[0]?.o).toBe(quoted?.price);
    expect(since.at(-1)?.c).toBe(feed.current("AAPL")?.price);
    for (let i = 1; i < since.length; i++) expect(since[i]?.o).toBeCloseTo(since[i - 1]?.c ?? 0, 3);
    expect(since.every((b) => b.h >= Math.max(b.o, b.c) && b.l <= Math.min(b.o, b.c))).toBe(true);
  });
});

describe("SimulatedMarketData", () => {
  it("quotes universe symbols, knows nothing else, and searches by ticker and name", async () => {
    const feed = new SimulatedFeed({ seed: 1, startMs: TUESDAY_10AM });
    const market = new SimulatedMarketData(feed, () => TUESDAY_10AM);
    expect(await market.quote("MSFT")).toMatchObject({ symbol: "MSFT", price: 415, previousClose: 415 });
    expect(await market.quote("NOPE")).toBeNull();
    expect((await market.search("aap"))[0]).toEqual({
      symbol: "AAPL",
      description: "APPLE INC",
      type: "Common Stock",
    });
    expect((await market.search("tesla")).map((m) => m.symbol)).toEqual(["TSLA"]);
    expect((await market.search("binance:eth")).map((m) => m.symbol)).toEqual(["BINANCE:ETHUSDT"]);
    expect((await market.search("EUR/USD"))[0]).toEqual({
      symbol: "OANDA:EUR_USD",
      description: "Oanda EUR/USD",
      type: "Forex",
    });
    expect(await market.quote("COINBASE:BTC-USD")).toMatchObject({
      symbol: "COINBASE:BTC-USD",
      price: 97_050,
    });
    expect(await market.marketStatus()).toMatchObject({ isOpen: true, session: "regular" });
  });
});
