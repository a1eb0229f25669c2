import type { PriceTick } from "@tickerbell/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type BarPart,
  MinuteBarBuilder,
  mergeAll,
  rollUpDaily,
  toBar,
  tradingDay,
  tradingDayBounds,
} from "./bars.ts";
import { TickConflator } from "./conflation.ts";

interface Trade {
  symbol: string;
  price: number;
  ts: number;
  volume: number;
}

const START = Date.UTC(2026, 2, 6, 14, 0); // a Friday before the March DST change, so days and DST are crossed

/** Trades over a few symbols, in time order, spread over minutes (and, with big steps, days). */
const trades = fc
  .array(
    fc.record({
      symbol: fc.constantFrom("AAPL", "MSFT", "BINANCE:BTCUSDT", "OANDA:EUR_USD"),
      price: fc.integer({ min: 100, max: 100_000 }).map((cents) => cents / 100),
      step: fc.oneof(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 0, max: 20 * 3_600_000 })),
      volume: fc.integer({ min: 0, max: 500 }),
      cutAfter: fc.boolean(),
    }),
    { minLength: 1, maxLength: 150 },
  )
  .map((steps) => {
    let ts = START;
    return steps.map((s) => {
      ts += s.step;
      return { trade: { symbol: s.symbol, price: s.price, ts, volume: s.volume }, cutAfter: s.cutAfter };
    });
  });

const NEW_YORK_DATE = new Intl.DateTimeFormat("en-CA", {
  timeZone: "America/New_York",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
});

/** The bars of raw trades, computed the plain way: group, then take first, max, min, last, sums. */
function referenceBars(list: Trade[], periodOf: (ts: number, symbol: string) => number) {
  const groups = new Map<string, Trade[]>();
  for (const t of list) {
    const key = `${t.symbol} ${periodOf(t.ts, t.symbol)}`;
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  return [...groups.entries()]
    .map(([key, g]) => ({
      key,
      t: periodOf(g[0]?.ts ?? 0, g[0]?.symbol ?? ""),
      o: g[0]?.price,
      h: Math.max(...g.map((x) => x.price)),
      l: Math.min(...g.map((x) => x.price)),
      c: g[g.length - 1]?.price,
      v: g.reduce((sum, x) => sum + x.volume, 0),
      n: g.length,
    }))
    .sort((a, b) => a.key.localeCompare(b.key));
}

const minuteOf = (ts: number) => Math.floor(ts / 60_000) * 60_000;
const nyDateOf = (ts: number) => Date.parse(`${NEW_YORK_DATE.format(ts)}T00:00:00Z`);
/** A stock's day is its New York date, a crypto pair's its UTC date, a forex pair's the New York date 7 hours on. */
const tradingDateOf = (ts: number, symbol: string) =>
  symbol.startsWith("BINANCE:")
    ? Math.floor(ts / 86_400_000) * 86_400_000
    : symbol.startsWith("OANDA:")
      ? nyDateOf(ts + 7 * 3_600_000)
      : nyDateOf(ts);

function asSorted(parts: BarPart[]) {
  return parts
    .map((p) => ({ key: `${p.symbol} ${p.t}`, ...toBar(p) }))
    .sort((a, b) => a.key.localeCompare(b.key));
}

/** The ticks a conflating publisher would make of these trades, its windows cut where told and at every minute. */
function conflated(steps: { trade: Trade; cutAfter: boolean }[]): PriceTick[] {
  const conflator = new TickConflator();
  const out: PriceTick[] = [];
  let minute: number | undefined;
  for (const { trade, cutAfter } of steps) {
    if (minute !== undefined && minuteOf(trade.ts) !== minute) out.push(...conflator.drain());
    minute = minuteOf(trade.ts);
    conflator.add({ v: 1, ...trade });
    if (cutAfter) out.push(...conflator.drain());
  }
  out.push(...conflator.drain());
  return out;
}

describe("minute bars", () => {
  it("bars from conflated ticks equal bars from the raw trades behind them", () => {
    fc.assert(
      fc.property(trades, (steps) => {
        const builder = new MinuteBarBuilder();
        for (const tick of conflated(steps)) builder.add(tick);
        expect(asSorted(builder.drain())).toEqual(
          referenceBars(
            steps.map((s) => s.trade),
            minuteOf,
          ),
        );
      }),
    );
  });

  it("drained half-way, the parts merge into the same bars (a minute written in two goes)", () => {
    fc.assert(
      fc.property(trades, (steps) => {
        const builder = new MinuteBarBuilder();
        const written: BarPart[] = [];
        for (const { trade, cutAfter } of steps) {
          builder.add({ v: 1, ...trade });
          if (cutAfter) written.push(...builder.drain());
        }
        written.push(...builder.drain());
        expect(asSorted(mergeAll(written))).toEqual(
          referenceBars(
            steps.map((s) => s.trade),
            minuteOf,
          ),
        );
      }),
    );
  });

  it("daily bars rolled up from minute bars equal the trades grouped by trading date (New York, UTC, FX)", () => {
    fc.assert(
      fc.property(trades, (steps) => {
        const builder = new MinuteBarBuilder();
        for (const { trade } of steps) builder.add({ v: 1, ...trade });
        expect(asSorted(rollUpDaily(builder.drain()))).toEqual(
          referenceBars(
            steps.map((s) => s.trade),
            tradingDateOf,
          ),
        );
      }),
    );
  });

  it("a minute without trades has no bar", () => {
    const builder = new MinuteBarBuilder();
    const at = Date.UTC(2026, 5, 1, 14, 30);
    builder.add({ v: 1, symbol: "AAPL", price: 10, ts: at + 5_000, volume: 3 });
    builder.add({ v: 1, symbol: "AAPL", price: 12, ts: at + 3 * 60_000 + 1, volume: 1 });
    expect(builder.drain().map((p) => [p.t, p.o, p.c, p.v, p.n])).toEqual([
      [at, 10, 10, 3, 1],
      [at + 3 * 60_000, 12, 12, 1, 1],
    ]);
  });

  it("a late trade does not take the close, an early one takes the open", () => {
    const at = Date.UTC(2026, 5, 1, 14, 30);
    const builder = new MinuteBarBuilder();
    builder.add({ v: 1, symbol: "AAPL", price: 10, ts: at + 20_000 });
    builder.add({ v: 1, symbol: "AAPL", price: 11, ts: at + 40_000 });
    builder.add({ v: 1, symbol: "AAPL", price: 9, ts: at + 10_000 });
    const [bar] = builder.drain();
    expect(bar && toBar(bar)).toEqual({ t: at, o: 9, h: 11, l: 9, c: 11, v: 0, n: 3 });
  });
});

describe("trading day", () => {
  it("is the New York date, across both DST changes", () => {
    for (const ts of [
      Date.UTC(2026, 2, 8, 4, 59), // 23:59 EST on the 7th
      Date.UTC(2026, 2, 8, 5, 0), // 00:00 EST on the 8th (DST starts at 02:00)
      Date.UTC(2026, 2, 9, 3, 59), // 23:59 EDT on the 8th
      Date.UTC(2026, 10, 1, 3, 59), // 23:59 EDT on Oct 31st
      Date.UTC(2026, 10, 2, 4, 59), // 23:59 EST on Nov 1st (DST ended at 02:00)
      Date.UTC(2026, 10, 2, 5, 0),
    ]) {
      expect(new Date(tradingDay("AAPL", ts)).toISOString().slice(0, 10)).toBe(NEW_YORK_DATE.format(ts));
    }
  });

  it("spans New York midnight to midnight: 23 hours the day DST starts, 25 the day it ends", () => {
    const spring = tradingDayBounds("AAPL", Date.UTC(2026, 2, 8));
    expect(new Date(spring.start).toISOString()).toBe("2026-03-08T05:00:00.000Z");
    expect(spring.end - spring.start).toBe(23 * 3_600_000);
    const autumn = tradingDayBounds("AAPL", Date.UTC(2026, 10, 1));
    expect(autumn.end - autumn.start).toBe(25 * 3_600_000);
  });

  it("of a crypto pair is the UTC day, of a forex pair the FX day from 17:00 New York", () => {
    const late = Date.UTC(2026, 11, 1, 23, 30); // 18:30 New York on 1 December
    expect(new Date(tradingDay("BINANCE:BTCUSDT", late)).toISOString()).toBe("2026-12-01T00:00:00.000Z");
    expect(new Date(tradingDay("OANDA:EUR_USD", late)).toISOString()).toBe("2026-12-02T00:00:00.000Z");
    expect(new Date(tradingDay("AAPL", late)).toISOString()).toBe("2026-12-01T00:00:00.000Z");
    const crypto = tradingDayBounds("BINANCE:BTCUSDT", Date.UTC(2026, 11, 1));
    expect([crypto.start, crypto.end]).toEqual([Date.UTC(2026, 11, 1), Date.UTC(2026, 11, 2)]);
    const fx = tradingDayBounds("OANDA:EUR_USD", Date.UTC(2026, 11, 2));
    expect([fx.start, fx.end]).toEqual([Date.UTC(2026, 11, 1, 22), Date.UTC(2026, 11, 2, 22)]);
  });
});
