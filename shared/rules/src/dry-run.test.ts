import type { AlertCondition, Bar, MarketContext } from "@tickerbell/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type DryRunAlert, DryRunReplay, dryRunAlert, SlidingWindow, tradesOf } from "./dry-run.ts";
import { planAlert } from "./plan.ts";
import { MinuteHistory } from "./window.ts";

// Every expectation below is worked out by hand from the documented order of a bar's trades: open, the extreme
// nearer the open (the high on a tie), the other extreme, close; at 0, 15, 30 and 45 s into a minute bar.

const MIN = 60_000;
const SEC = 1000;
/** Tuesday 1 December 2026, 10:00 New York (15:00 UTC): regular hours. */
const T = Date.parse("2026-12-01T15:00:00Z");

function bar(t: number, o: number, h: number, l: number, c: number): Bar {
  return { t, o, h, l, c, v: 0, n: 1 };
}
const flat = (t: number, price: number) => bar(t, price, price, price, price);

function alertOf(
  condition: AlertCondition,
  last: number,
  options: {
    cooldownSeconds?: number;
    regularHoursOnly?: boolean;
    symbol?: string;
    market?: Omit<MarketContext, "last">;
  } = {},
): DryRunAlert {
  const plan = planAlert(condition, { last, ...options.market });
  if (!plan.ok) throw new Error(plan.message);
  return {
    symbol: options.symbol ?? "AAPL",
    condition,
    repeat: options.cooldownSeconds === undefined ? null : { cooldownSeconds: options.cooldownSeconds },
    regularHoursOnly: options.regularHoursOnly ?? false,
    referencePrice: plan.baseline.referencePrice,
    thresholds: plan.baseline.thresholds,
    extreme: plan.baseline.extreme,
    ...(plan.baseline.watch === undefined ? {} : { watch: plan.baseline.watch }),
    generation: 0,
    phase: "armed",
    lastTriggeredAt: null,
    lastTriggerPrice: null,
  };
}

const minutes = (bars: Bar[]) => ({ resolution: "1m" as const, bars });

describe("a bar's trades", () => {
  it("go open, nearer extreme, other extreme, close, at 0/15/30/45 s", () => {
    expect(tradesOf(bar(T, 100, 101, 97, 98), "1m", "AAPL")).toEqual([
      { price: 100, ts: T },
      { price: 101, ts: T + 15 * SEC },
      { price: 97, ts: T + 30 * SEC },
      { price: 98, ts: T + 45 * SEC },
    ]);
    expect(tradesOf(bar(T, 100, 104, 99, 103), "1m", "AAPL").map((t) => t.price)).toEqual([
      100, 99, 104, 103,
    ]);
    // A tie goes to the high.
    expect(tradesOf(bar(T, 100, 102, 98, 100), "1m", "AAPL").map((t) => t.price)).toEqual([
      100, 102, 98, 100,
    ]);
  });

  it("of a daily bar fall in that day's regular session, New York time", () => {
    const day = Date.parse("2026-12-01T00:00:00Z");
    expect(
      tradesOf(bar(day, 100, 101, 99.5, 100), "1d", "AAPL").map((t) => new Date(t.ts).toISOString()),
    ).toEqual([
      "2026-12-01T14:30:00.000Z",
      "2026-12-01T16:40:00.000Z",
      "2026-12-01T18:50:00.000Z",
      "2026-12-01T20:59:00.000Z",
    ]);
    // In summer New York is 4 hours behind UTC.
    const july = Date.parse("2026-07-01T00:00:00Z");
    expect(new Date(tradesOf(flat(july, 5), "1d", "AAPL")[0]!.ts).toISOString()).toBe(
      "2026-07-01T13:30:00.000Z",
    );
  });

  it("of a crypto or forex pair's daily bar fall in its trading day, around the clock", () => {
    const day = Date.parse("2026-12-01T00:00:00Z");
    const times = (symbol: string) =>
      tradesOf(bar(day, 100, 101, 99.5, 100), "1d", symbol).map((t) => new Date(t.ts).toISOString());
    // A crypto pair's day is the UTC date.
    expect(times("BINANCE:BTCUSDT")).toEqual([
      "2026-12-01T00:00:00.000Z",
      "2026-12-01T08:00:00.000Z",
      "2026-12-01T16:00:00.000Z",
      "2026-12-01T23:59:00.000Z",
    ]);
    // A forex pair's day of 1 December runs from 17:00 New York on 30 November.
    expect(times("OANDA:EUR_USD")).toEqual([
      "2026-11-30T22:00:00.000Z",
      "2026-12-01T06:00:00.000Z",
      "2026-12-01T14:00:00.000Z",
      "2026-12-01T21:59:00.000Z",
    ]);
  });
});

describe("dry run of a price alert", () => {
  const above100 = alertOf({ kind: "price", direction: "above", target: 100 }, 99);

  it("counts a one-shot alert as repeating after the default hour, back below the band in between", () => {
    const result = dryRunAlert(
      above100,
      minutes([
        // 99, 98.8, 100.5 fires (T+30s), 99.5.
        bar(T, 99, 100.5, 98.8, 99.5),
        // Cooling for an hour: 101 does not count.
        bar(T + 10 * MIN, 99, 101, 98.9, 100),
        // Cooldown over, but the band (99.50) not reached: 100.6 does not count.
        bar(T + 70 * MIN, 100.2, 100.6, 100.1, 100.3),
        // 99.4 reaches the band, 99.3, then 100.2 fires (T+80m30s).
        bar(T + 80 * MIN, 99.4, 100.2, 99.3, 100.1),
      ]),
    );
    expect(result).toEqual({
      firings: 2,
      last: { ts: T + 80 * MIN + 30 * SEC, price: 100.2 },
      coveredFrom: T,
      coveredTo: T + 81 * MIN,
      resolution: "1m",
    });
  });

  it("keeps the alert's own cooldown when it repeats", () => {
    const alert = alertOf({ kind: "price", direction: "above", target: 100 }, 99, { cooldownSeconds: 60 });
    const result = dryRunAlert(
      alert,
      minutes([
        bar(T, 99, 100.5, 98.8, 99.5), // fires at T+30s
        // 99.4 and 99.3 while cooling; 100.2 at T+90s ends the cooldown, but price must come back to 99.50 first.
        bar(T + 1 * MIN, 99.4, 100.2, 99.3, 100.1),
        // 99.4 re-arms it, 99.3, then 100.2 fires at T+2m30s.
        bar(T + 2 * MIN, 99.4, 100.2, 99.3, 100.1),
      ]),
    );
    expect(result).toMatchObject({ firings: 2, last: { ts: T + 2 * MIN + 30 * SEC, price: 100.2 } });
  });

  it("answers zero firings with no last trade when the level is never reached", () => {
    expect(dryRunAlert(above100, minutes([flat(T, 99), bar(T + MIN, 99, 99.99, 98, 99)]))).toMatchObject({
      firings: 0,
      last: null,
    });
  });

  it("reads daily bars as four trades in the day's session", () => {
    const day = Date.parse("2026-12-01T00:00:00Z");
    // 99, 98.5, 101 fires at 13:50 New York, 100.
    const result = dryRunAlert(above100, { resolution: "1d", bars: [bar(day, 99, 101, 98.5, 100)] });
    expect(result).toEqual({
      firings: 1,
      last: { ts: Date.parse("2026-12-01T18:50:00Z"), price: 101 },
      coveredFrom: day,
      coveredTo: day + 24 * 60 * MIN,
      resolution: "1d",
    });
  });
});

describe("dry run of a percent alert", () => {
  it("re-bases each firing from its price, as a repeating percent alert does", () => {
    const alert = alertOf({ kind: "percent", direction: "up", percent: 2, basis: "last" }, 100, {
      cooldownSeconds: 60,
    });
    const result = dryRunAlert(
      alert,
      minutes([
        // 100, 100, 102.5 fires (>= 102.00, T+30s): next step 102.5 * 1.02 = 104.55, cooling to T+90s.
        bar(T, 100, 102.5, 100, 102),
        // 103 (T+60s), 103 (T+75s) cooling; 104.6 at T+90s: the cooldown is over and it fires.
        bar(T + MIN, 103, 104.6, 103, 104),
      ]),
    );
    expect(result).toMatchObject({ firings: 2, last: { ts: T + 90 * SEC, price: 104.6 } });
  });

  it("fires on whichever side the bar's order reaches first", () => {
    const alert = alertOf({ kind: "percent", direction: "move", percent: 5, basis: "last" }, 100);
    // Equal distances: the high comes first and the move up fires.
    expect(dryRunAlert(alert, minutes([bar(T, 100, 106, 94, 100)]))).toMatchObject({
      firings: 1,
      last: { ts: T + 15 * SEC, price: 106 },
    });
    // The low is nearer: the move down fires.
    expect(dryRunAlert(alert, minutes([bar(T, 100, 106, 95, 100)]))).toMatchObject({
      firings: 1,
      last: { ts: T + 15 * SEC, price: 95 },
    });
  });
});

describe("dry run of a trailing alert", () => {
  it("trails from the first bar's open and fires off the peak the bars reach", () => {
    // Created at 150: the replay still starts its peak at the first bar's open, 100.
    const alert = alertOf(
      { kind: "trailing", direction: "down", offset: { unit: "percent", value: 5 } },
      150,
      {
        cooldownSeconds: 60,
      },
    );
    const result = dryRunAlert(
      alert,
      minutes([
        // 100, 99 (peak 100, level 95), 110 (peak 110, level 104.5), 104 fires at T+45s; trails again from 104.
        bar(T, 100, 110, 99, 104),
        // A tie, high first. Cooling to T+105s: 103 (T+60s), 104 (T+75s), 102 (T+90s); 103 at T+105s arms it,
        // peak 104, level 98.8.
        bar(T + MIN, 103, 104, 102, 103),
        // 101, 101.5, then 98.7 fires (T+2m30s).
        bar(T + 2 * MIN, 101, 101.5, 98.7, 99),
      ]),
    );
    expect(result).toMatchObject({ firings: 2, last: { ts: T + 2 * MIN + 30 * SEC, price: 98.7 } });
  });
});

describe("dry run of a window alert", () => {
  const upWithin = (windowSeconds: number) =>
    alertOf({ kind: "window", direction: "up", percent: 3, windowSeconds }, 100);

  it("fires when a move within the window completes", () => {
    const result = dryRunAlert(
      upWithin(300),
      minutes([
        flat(T, 100),
        // 100, 99 (window low 99: fires at 101.97), 102 fires at T+1m30s, 101.
        bar(T + MIN, 100, 102, 99, 101),
        flat(T + 2 * MIN, 102),
      ]),
    );
    expect(result).toMatchObject({ firings: 1, last: { ts: T + MIN + 30 * SEC, price: 102 } });
  });

  it("forgets a low that left the window", () => {
    const bars = [flat(T, 100), bar(T + 10 * MIN, 102, 103, 102, 103)];
    // 5 minutes: the window holds only the 102-103 minute (fires at 105.06): nothing.
    expect(dryRunAlert(upWithin(300), minutes(bars))).toMatchObject({ firings: 0, last: null });
    // An hour: the low of 100 is inside (fires at 103): 103 at T+10m30s.
    expect(dryRunAlert(upWithin(3600), minutes(bars))).toMatchObject({
      firings: 1,
      last: { ts: T + 10 * MIN + 30 * SEC, price: 103 },
    });
  });

  it("is not replayed from daily bars", () => {
    expect(dryRunAlert(upWithin(3600), { resolution: "1d", bars: [flat(T, 100)] })).toBeNull();
  });

  it("reads the same extremes as MinuteHistory, the definition", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 5, max: 90 }),
        fc.array(fc.tuple(fc.integer({ min: -20_000, max: 400_000 }), fc.integer({ min: 1, max: 500 })), {
          minLength: 1,
          maxLength: 200,
        }),
        (windowMinutes, steps) => {
          const sliding = new SlidingWindow({ windowSeconds: windowMinutes * 60 });
          const history = new MinuteHistory();
          let ts = T;
          for (const [advance, price] of steps) {
            // Mostly forwards; a negative advance is a late trade.
            ts += advance;
            sliding.record(ts, price);
            history.record(ts, price, price);
            expect(sliding.windowExtremes(windowMinutes * 60)).toEqual(
              history.windowExtremes(windowMinutes * 60),
            );
          }
        },
      ),
    );
  });
});

describe("dry run of a new high or low", () => {
  it("replays each past session from its first trade, though the alert's session and high are today's", () => {
    // As the alert service records it: today's high so far (190.76, above every price of the days replayed) and
    // today's session, started at its creation (3 December, after them).
    const alert: DryRunAlert = {
      ...alertOf({ kind: "extreme", side: "high", span: "session" }, 190, {
        cooldownSeconds: 3600,
        market: { sessionHigh: 190.76, sessionLow: 189 },
      }),
      extremeSince: "2026-12-03T15:00:00.000Z",
    };
    const days = ["2026-11-30", "2026-12-01", "2026-12-02"].map((d) => Date.parse(`${d}T00:00:00Z`));
    // Each day: 180 starts its session, 179, then 182 beyond 180 fires (13:50 New York), 181.
    const result = dryRunAlert(alert, {
      resolution: "1d",
      bars: days.map((d) => bar(d, 180, 182, 179, 181)),
    });
    expect(result).toMatchObject({
      firings: 3,
      last: { ts: Date.parse("2026-12-02T18:50:00Z"), price: 182 },
    });
  });

  it("is not replayed over 52 weeks: the month's bars cannot tell each day's 52-week range", () => {
    const alert = alertOf({ kind: "extreme", side: "high", span: "52w" }, 190, {
      market: { high52w: 200, low52w: 150 },
    });
    expect(DryRunReplay.of(alert, "1m")).toBeNull();
    expect(DryRunReplay.of(alert, "1d")).toBeNull();
  });
});

describe("dry run of a regular-hours-only alert", () => {
  // 08:00 New York (pre-market) and 10:00 (regular) on Tuesday 1 December 2026.
  const preMarket = Date.parse("2026-12-01T13:00:00Z");
  const regular = Date.parse("2026-12-01T15:00:00Z");
  const bars = [bar(preMarket, 99.5, 101, 99.4, 100), bar(regular, 99.5, 101, 99.4, 100)];

  it("skips trades outside regular hours", () => {
    const rth = alertOf({ kind: "price", direction: "above", target: 100 }, 99, { regularHoursOnly: true });
    expect(dryRunAlert(rth, minutes(bars))).toMatchObject({
      firings: 1,
      last: { ts: regular + 30 * SEC, price: 101 },
    });
    // Without the option the pre-market high fires too; the hour's cooldown is over by 10:00, whose open (99.50)
    // is back at the band, so 10:00's high fires again.
    const anyHour = alertOf({ kind: "price", direction: "above", target: 100 }, 99);
    expect(dryRunAlert(anyHour, minutes(bars))).toMatchObject({
      firings: 2,
      last: { ts: regular + 30 * SEC, price: 101 },
    });
  });

  it("is not replayed from daily bars, which mix in the extended hours", () => {
    const rth = alertOf({ kind: "price", direction: "above", target: 100 }, 99, { regularHoursOnly: true });
    expect(
      dryRunAlert(rth, { resolution: "1d", bars: [flat(Date.parse("2026-12-01T00:00:00Z"), 101)] }),
    ).toBeNull();
  });
});

describe("a replay fed in batches", () => {
  it("answers what one go over the same bars answers, wherever the batches split", () => {
    const alert = alertOf(
      { kind: "trailing", direction: "down", offset: { unit: "percent", value: 2 } },
      100,
      {
        cooldownSeconds: 60,
      },
    );
    const bars = Array.from({ length: 40 }, (_, i) => {
      const o = 100 + 5 * Math.sin(i / 3);
      return bar(T + i * MIN, o, o + 1.5, o - 1.2, o + Math.cos(i));
    });
    const whole = dryRunAlert(alert, minutes(bars));
    expect(whole?.firings).toBeGreaterThan(1);
    for (const split of [1, 7, 20, 39]) {
      const replay = DryRunReplay.of(alert, "1m")!;
      replay.replay(bars.slice(0, split));
      replay.replay(bars.slice(split));
      expect(replay.result()).toEqual(whole);
    }
  });
});

describe("dry run of a moving-average alert", () => {
  // 1 December 2026 is a Tuesday; 26 November (Thanksgiving) has no bar.
  const day = (date: string, c: number) => flat(Date.parse(`${date}T00:00:00Z`), c);
  const daily = [day("2026-11-25", 100), day("2026-11-27", 102), day("2026-11-30", 104)];
  // SMA 3 on 1 December at a price p: (102 + 104 + p) / 3, the two days before and p as today's close.
  const aboveSma3 = alertOf({ kind: "average", average: "sma", period: 3, direction: "above" }, 100, {
    market: { studies: { values: { sma3: 102 } } },
  });
  const today = [
    // 101 (SMA 102.33), 100.5, 102.5 (SMA 102.83), 102: none reaches its SMA.
    bar(T, 101, 102.5, 100.5, 102),
    // 102, then 103.2 against an SMA of 103.07: fires at T+1m30s.
    bar(T + MIN, 102, 103.2, 102, 103),
  ];

  it("reads the daily closes before each trade's day, the trade's price as today's close", () => {
    expect(dryRunAlert(aboveSma3, { resolution: "1m", bars: today, daily })).toEqual({
      firings: 1,
      last: { ts: T + MIN + 30 * SEC, price: 103.2 },
      coveredFrom: T,
      coveredTo: T + 2 * MIN,
      resolution: "1m",
    });
  });

  it("keeps the side a cross watches from the alert as set", () => {
    // Price under its SMA when set: the cross watches for the SMA from below; 99 under it is no cross.
    const cross = alertOf({ kind: "average", average: "sma", period: 3, direction: "cross" }, 100, {
      market: { studies: { values: { sma3: 102 } } },
    });
    expect(
      dryRunAlert(cross, { resolution: "1m", bars: [bar(T - MIN, 100, 100, 99, 99.5), ...today], daily }),
    ).toMatchObject({ firings: 1, last: { ts: T + MIN + 30 * SEC, price: 103.2 } });
  });

  it("takes the recorded days the minutes skip", () => {
    // A minute of 25 November too, at 97: under its SMA of (98 + 98 + 97) / 3 = 97.67.
    const before = [day("2026-11-23", 98), day("2026-11-24", 98)];
    const nov25 = flat(Date.parse("2026-11-25T15:00:00Z"), 97);
    // Without the daily bars of 27 and 30 November, which no minute covers, the SMA at T's open (101) would be
    // (98 + 97 + 101) / 3 = 98.67, and the alert would fire there.
    const result = dryRunAlert(aboveSma3, {
      resolution: "1m",
      bars: [nov25, ...today],
      daily: [...before, ...daily],
    });
    expect(result?.firings).toBe(1);
    expect(result?.last).toEqual({ ts: T + MIN + 30 * SEC, price: 103.2 });
  });

  it("has no answer while the closes before the bars are too few", () => {
    expect(dryRunAlert(aboveSma3, { resolution: "1m", bars: today, daily: daily.slice(2) })).toBeNull();
    expect(dryRunAlert(aboveSma3, minutes(today))).toBeNull();
  });

  it("replays from daily bars, each day's trades against the closes before it", () => {
    const alert = alertOf({ kind: "average", average: "sma", period: 3, direction: "above" }, 101, {
      market: { studies: { values: { sma3: 104 } } },
    });
    const warmUp = [day("2026-11-23", 104), day("2026-11-24", 104)];
    // 25 Nov: 100, 99, 103 (SMA (208 + 103) / 3 = 103.67), 101. 27 Nov: 101, 101, 104 against (104 + 101 + 104)
    // / 3 = 103: fires at 13:50 New York.
    const replayed = [
      bar(Date.parse("2026-11-25T00:00:00Z"), 100, 103, 99, 101),
      bar(Date.parse("2026-11-27T00:00:00Z"), 101, 104, 101, 103),
    ];
    expect(
      dryRunAlert(alert, { resolution: "1d", bars: replayed, daily: [...warmUp, ...replayed] }),
    ).toMatchObject({ firings: 1, last: { ts: Date.parse("2026-11-27T18:50:00Z"), price: 104 } });
  });
});

describe("dry run of an RSI alert", () => {
  it("reads an hourly RSI from the minutes' hourly closes", () => {
    const alert = alertOf({ kind: "rsi", direction: "above", level: 70, period: 2, interval: "1h" }, 100, {
      market: { studies: { values: { "rsi2:1h": 50 } } },
    });
    const HOUR = 60 * MIN;
    // Hourly closes 100, 102; at 101 the RSI is 66.67 (gains 2, losses 1, over 2); at 103 in the next hour,
    // smoothed: gain (1 + 2) / 2 = 1.5, loss 0.5 / 2 = 0.25, RSI 85.7: fires at that hour's first trade.
    const bars = [flat(T, 100), flat(T + HOUR, 102), flat(T + 2 * HOUR, 101), flat(T + 3 * HOUR, 103)];
    expect(dryRunAlert(alert, minutes(bars))).toMatchObject({
      firings: 1,
      last: { ts: T + 3 * HOUR, price: 103 },
    });
    const below = alertOf({ kind: "rsi", direction: "below", level: 60, period: 2, interval: "1h" }, 100, {
      market: { studies: { values: { "rsi2:1h": 70 } } },
    });
    expect(dryRunAlert(below, minutes(bars))).toMatchObject({ firings: 0, last: null });
  });

  it("is not replayed hourly from daily bars", () => {
    const alert = alertOf({ kind: "rsi", direction: "above", level: 70, period: 2, interval: "1h" }, 100, {
      market: { studies: { values: { "rsi2:1h": 50 } } },
    });
    expect(DryRunReplay.of(alert, "1d")).toBeNull();
  });
});

describe("dry run of a volume alert", () => {
  const at = (date: string, o: number, v: number) => ({ ...flat(Date.parse(`${date}T15:00:00Z`), o), v });
  // Five sessions of 1,000 by 10:00 New York, then 1 December's 2,000 in that minute.
  const sessions = ["2026-11-23", "2026-11-24", "2026-11-25", "2026-11-27", "2026-11-30"].map((d) =>
    at(d, 100, 1000),
  );
  const bars = [...sessions, at("2026-12-01", 101, 2000)];
  const volume = (multiple: number) =>
    alertOf({ kind: "volume", multiple }, 100, {
      market: { studies: { volume: { today: 0, typical: 1000, sessions: 5 } } },
    });

  it("counts a minute's volume at its close, against the usual volume by that minute", () => {
    expect(dryRunAlert(volume(2), minutes(bars))).toMatchObject({
      firings: 1,
      last: { ts: T + 45 * SEC, price: 101 },
    });
    expect(dryRunAlert(volume(2.5), minutes(bars))).toMatchObject({ firings: 0, last: null });
  });

  it("has no answer before five sessions, and none from daily bars", () => {
    expect(dryRunAlert(volume(2), minutes(bars.slice(1)))).toBeNull();
    expect(DryRunReplay.of(volume(2), "1d")).toBeNull();
  });
});

describe("what the dry run does not answer", () => {
  it("earnings alerts, no bars, or a replay told to stop", () => {
    const above = alertOf({ kind: "price", direction: "above", target: 100 }, 99);
    expect(dryRunAlert(alertOf({ kind: "earnings" }, 99), minutes([flat(T, 100)]))).toBeNull();
    expect(dryRunAlert(above, minutes([]))).toBeNull();
    expect(dryRunAlert(above, minutes([flat(T, 101)]), { shouldStop: () => true })).toBeNull();
  });
});
