import type { Bar, BarsResponse } from "@tickerbell/contracts";
import { describe, expect, it } from "vitest";
import { buildChartSpec, ChartInputError, type ChartRequest } from "./chart-data.ts";
import { barsQuery } from "./windows.ts";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** Minute bars every minute from `start` for `count` minutes, close rising by a cent a minute from `price`. */
function minuteBars(start: number, count: number, price = 100): Bar[] {
  return Array.from({ length: count }, (_, i) => {
    const c = price + i * 0.01;
    return { t: start + i * MINUTE, o: c, h: c + 0.05, l: c - 0.05, c, v: 100 + i, n: 3 };
  });
}

function response(symbol: string, bars: Bar[], resolution: "1m" | "1d" = "1m"): BarsResponse {
  return { symbol, resolution, from: 0, to: Date.UTC(2030, 0, 1), bars, previousClose: 99.5 };
}

// Thursday 3 Dec 2026 and Wednesday 2 Dec: regular sessions 14:30-21:00 UTC (9:30-16:00 New York).
const WED_OPEN = Date.UTC(2026, 11, 3, 14, 30);
const TUE_OPEN = Date.UTC(2026, 11, 2, 14, 30);
const SESSION = 390;

function request(overrides: Partial<ChartRequest> = {}): ChartRequest {
  return {
    symbol: "AAPL",
    window: "1d",
    bars: response("AAPL", [...minuteBars(TUE_OPEN, SESSION, 90), ...minuteBars(WED_OPEN, SESSION)]),
    now: WED_OPEN + SESSION * MINUTE,
    timeZone: "America/New_York",
    ...overrides,
  };
}

describe("buildChartSpec", () => {
  it("charts the symbol asked for and refuses bars of another symbol", () => {
    expect(buildChartSpec(request()).symbol).toBe("AAPL");
    expect(buildChartSpec(request({ symbol: "aapl" })).title).toMatch(/^AAPL · 1d/);
    expect(() => buildChartSpec(request({ symbol: "MSFT" }))).toThrow(
      new ChartInputError("bars are for AAPL, not MSFT: refusing to chart them"),
    );
  });

  it("refuses bars of the wrong resolution for the window", () => {
    expect(() => buildChartSpec(request({ window: "1y" }))).toThrow(
      /a 1y chart is drawn from 1d bars, got 1m/,
    );
  });

  it("names what is wrong with a bad request instead of crashing", () => {
    expect(() => buildChartSpec(request({ timeZone: "Mars/Olympus" }))).toThrow(
      /timeZone: "Mars\/Olympus" is not a time zone/,
    );
    expect(() => buildChartSpec({ ...request(), window: "2w" as never })).toThrow(
      /^bad chart request: window:/,
    );
    expect(() => buildChartSpec(request({ levels: [{ price: -3, label: "below -3" }] }))).toThrow(
      /levels\.0\.price/,
    );
    const broken = response("AAPL", minuteBars(WED_OPEN, 3));
    broken.bars[1] = { ...broken.bars[1]!, c: Number.NaN };
    expect(() => buildChartSpec(request({ bars: broken }))).toThrow(
      "bad chart request: bars: bars.bars.1.c must be a positive price",
    );
    expect(() => buildChartSpec(request({ bars: { ...broken, bars: "none" } as never }))).toThrow(
      /bars\.bars must be an array/,
    );
  });

  it("1d keeps only the latest trading day and leaves bars after `now` out", () => {
    const now = WED_OPEN + 60 * MINUTE;
    const spec = buildChartSpec(request({ now }));
    const times = spec.segments.flat().map((point) => point.t);
    expect(times[0]).toBe(WED_OPEN);
    expect(times.at(-1)).toBe(now);
    expect(times).toHaveLength(61);
    expect(spec.volume).toHaveLength(61);
    expect(spec.from).toBe(WED_OPEN);
  });

  it("1d of a crypto pair is its UTC day, of a forex pair its FX day from 17:00 New York", () => {
    // 22:00 UTC on 2 December to 02:00 UTC on 3 December: one New York evening, two UTC days.
    const start = Date.UTC(2026, 11, 2, 22);
    const now = start + 240 * MINUTE;
    const firstOf = (symbol: string) =>
      buildChartSpec(request({ symbol, bars: response(symbol, minuteBars(start, 240)), now })).from;
    expect(firstOf("BINANCE:BTCUSDT")).toBe(Date.UTC(2026, 11, 3));
    // The FX day of 3 December began at 17:00 New York (22:00 UTC) on the 2nd: all four hours are in it.
    expect(firstOf("OANDA:EUR_USD")).toBe(start);
    expect(firstOf("AAPL")).toBe(start);
    const afterRoll = Date.UTC(2026, 11, 2, 21);
    expect(
      buildChartSpec(
        request({
          symbol: "OANDA:EUR_USD",
          bars: response("OANDA:EUR_USD", minuteBars(afterRoll, 240)),
          now,
        }),
      ).from,
    ).toBe(start);
  });

  it("5d spans five trading days in 5-minute buckets, leaving older days out", () => {
    const days = [1, 2, 3, 4, 5, 8].map((day) => Date.UTC(2026, 5, day, 14, 30)); // Mon-Fri, then Monday
    const bars = days.flatMap((open) => minuteBars(open, SESSION));
    const spec = buildChartSpec(
      request({ window: "5d", bars: response("AAPL", bars), now: days[5]! + SESSION * MINUTE }),
    );
    expect(spec.from).toBe(days[1]);
    expect(spec.segments).toHaveLength(5);
    expect(spec.volume).toHaveLength(5 * (SESSION / 5));
    // A bucket closes at its last minute's close and sums the volume of its five minutes.
    const firstBucket = spec.segments[0]![0]!;
    expect(firstBucket.t).toBe(days[1]);
    expect(firstBucket.price).toBeCloseTo(100.04, 10);
    expect(spec.volume[0]!.volume).toBe(100 + 101 + 102 + 103 + 104);
  });

  it("keeps a gap a gap: no line across the market close", () => {
    const spec = buildChartSpec(request({ window: "5d" }));
    expect(spec.segments).toHaveLength(2);
    expect(spec.segments[0]!.at(-1)!.t).toBeLessThan(TUE_OPEN + SESSION * MINUTE);
    expect(spec.segments[1]![0]!.t).toBe(WED_OPEN);
    // An outage of an hour inside the session is a gap too; a quiet minute is not.
    const withHoles = [...minuteBars(WED_OPEN, 60), ...minuteBars(WED_OPEN + 62 * MINUTE, 30)];
    withHoles.push(...minuteBars(WED_OPEN + 160 * MINUTE, 30));
    const holed = buildChartSpec(request({ bars: response("AAPL", withHoles) }));
    expect(holed.segments.map((segment) => segment.length)).toEqual([90, 30]);
  });

  it("daily windows count calendar days back from the latest bar", () => {
    const bars: Bar[] = Array.from({ length: 400 }, (_, i) => ({
      t: Date.UTC(2025, 10, 1) + i * DAY,
      o: 50,
      h: 51,
      l: 49,
      c: 50 + i / 100,
      v: 1_000,
      n: 10,
    }));
    const last = bars.at(-1)!.t;
    for (const [window, days] of [
      ["1m", 31],
      ["6m", 183],
      ["1y", 366],
    ] as const) {
      const spec = buildChartSpec(request({ window, bars: response("AAPL", bars, "1d"), now: last + DAY }));
      expect(spec.volume).toHaveLength(days);
      expect(spec.volume[0]!.t).toBe(last + DAY - days * DAY);
      expect(spec.segments).toHaveLength(1);
    }
  });

  it("marks the trigger point at the trigger time and price, with the alert's level and reference", () => {
    const at = WED_OPEN + 90 * MINUTE + 17_000;
    const spec = buildChartSpec(
      request({
        now: at,
        alert: {
          level: { price: 100.9, label: "above 100.90" },
          reference: { kind: "peak", price: 103.25 },
          trigger: { at, price: 100.91 },
        },
      }),
    );
    expect(spec.points).toEqual([{ kind: "trigger", t: at, price: 100.91, label: "fired 11:00 at 100.91" }]);
    expect(spec.lines).toEqual([
      { kind: "previousClose", price: 99.5, label: "prev close 99.50", inView: true },
      { kind: "alertLevel", price: 100.9, label: "above 100.90", inView: true },
      { kind: "reference", price: 103.25, label: "peak 103.25", inView: true },
    ]);
    // The axis reaches the reference even though no bar came near it.
    expect(spec.priceMax).toBeGreaterThan(103.25);
    expect(spec.to).toBeGreaterThan(at);
  });

  it("labels a currency pair's rates to the pip, as the messages write them", () => {
    const bars = minuteBars(WED_OPEN, SESSION, 1.0842).map((b) => ({
      ...b,
      h: b.c + 0.0001,
      l: b.c - 0.0001,
    }));
    const at = WED_OPEN + 90 * MINUTE;
    const spec = buildChartSpec(
      request({
        symbol: "OANDA:EUR_USD",
        bars: { ...response("OANDA:EUR_USD", bars), previousClose: 1.0838 },
        now: at,
        alert: { level: { price: 1.085, label: "above 1.0850" }, trigger: { at, price: 1.08505 } },
      }),
    );
    expect(spec.title).toMatch(/^OANDA:EUR_USD · 1d · 1\.\d{4,5}$/);
    expect(spec.points[0]?.label).toBe("fired 11:00 at 1.08505");
    expect(spec.lines[0]).toMatchObject({ kind: "previousClose", label: "prev close 1.0838" });
  });

  it("shows the trigger even when its minute's bar has not been recorded yet", () => {
    const at = WED_OPEN + SESSION * MINUTE + 5 * MINUTE;
    const spec = buildChartSpec(
      request({
        now: at,
        alert: { level: { price: 104, label: "above 104" }, trigger: { at, price: 104.1 } },
      }),
    );
    expect(spec.to).toBeGreaterThan(at);
    expect(spec.points[0]!.t).toBe(at);
  });

  it("a trigger on a day with no bars yet shows the latest day's path up to the trigger", () => {
    const at = Date.UTC(2026, 11, 4, 9, 1); // Friday 04:01 New York, before any Friday bar is recorded
    const spec = buildChartSpec(
      request({
        now: at,
        alert: { level: { price: 104, label: "above 104" }, trigger: { at, price: 104.2 } },
      }),
    );
    expect(spec.from).toBe(WED_OPEN);
    expect(spec.volume).toHaveLength(SESSION);
    expect(spec.to).toBe(at + MINUTE);
    expect(spec.points[0]).toMatchObject({ t: at, price: 104.2 });
  });

  it("refuses a trigger outside the window", () => {
    const trigger = { at: TUE_OPEN, price: 90 };
    expect(() =>
      buildChartSpec(request({ alert: { level: { price: 90, label: "below 90" }, trigger } })),
    ).toThrow(/trigger time lies before the 1d window/);
    expect(() =>
      buildChartSpec(
        request({
          now: WED_OPEN,
          alert: { level: { price: 90, label: "x" }, trigger: { at: WED_OPEN + 1, price: 90 } },
        }),
      ),
    ).toThrow(/after the time the chart is drawn at/);
  });

  it("labels the user's levels and keeps far ones off the axis", () => {
    const spec = buildChartSpec(
      request({
        levels: [
          { price: 102, label: "above 102" },
          { price: 500, label: "above 500" },
        ],
      }),
    );
    expect(spec.lines.filter((line) => line.kind === "level")).toEqual([
      { kind: "level", price: 102, label: "above 102", inView: true },
      { kind: "level", price: 500, label: "above 500", inView: false },
    ]);
    expect(spec.priceMax).toBeLessThan(500);
  });

  it("writes the time axis in the user's zone", () => {
    const newYork = buildChartSpec(request());
    const tokyo = buildChartSpec(request({ timeZone: "Asia/Tokyo" }));
    // 9:30-16:00 New York is 23:30-06:00 the next day in Tokyo.
    expect(newYork.ticks.map((tick) => tick.label)).toEqual([
      "10:00",
      "11:00",
      "12:00",
      "13:00",
      "14:00",
      "15:00",
    ]);
    expect(tokyo.ticks.map((tick) => tick.label)).toEqual([
      "Dec 4",
      "01:00",
      "02:00",
      "03:00",
      "04:00",
      "05:00",
    ]);
    expect(tokyo.ticks.map((tick) => tick.t)).toEqual(newYork.ticks.map((tick) => tick.t));
    expect(newYork.subtitle).toBe("times in America/New_York");
    const kolkata = buildChartSpec(request({ timeZone: "Asia/Kolkata" }));
    expect(kolkata.ticks[0]).toEqual({ t: WED_OPEN, label: "20:00" });
  });

  it("an empty window still gives a chart that says so", () => {
    const spec = buildChartSpec(request({ bars: response("AAPL", []) }));
    expect(spec.segments).toEqual([]);
    expect(spec.subtitle).toMatch(/^no trades recorded in this window/);
    expect(spec.to).toBeGreaterThan(spec.from);
  });
});

describe("barsQuery", () => {
  it("asks for the window's resolution, up to the minute in progress, far enough back", () => {
    const now = WED_OPEN + 30_500;
    expect(barsQuery("1d", now)).toEqual({
      resolution: "1m",
      from: WED_OPEN + MINUTE - 5 * DAY,
      to: WED_OPEN + MINUTE,
    });
    expect(barsQuery("1y", now).resolution).toBe("1d");
  });

  it("never asks for more than the bars API serves at once: 7 days of minute bars, 2 years of daily bars", () => {
    const now = WED_OPEN + 30_500;
    for (const window of ["1d", "5d"] as const) {
      const query = barsQuery(window, now);
      expect(query.to - query.from, window).toBeLessThanOrEqual(7 * DAY);
    }
    for (const window of ["1m", "6m", "1y"] as const) {
      const query = barsQuery(window, now);
      expect(query.to - query.from, window).toBeLessThanOrEqual(731 * DAY);
    }
  });
});
