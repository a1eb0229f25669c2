import type { Alert, AlertRuntimeState, ExtremeCondition } from "@tickerbell/contracts";
import { describe, expect, it } from "vitest";
import { sessionEndsAt, tradingDayOf, tradingDayStart } from "./extreme.ts";
import { planAlert } from "./plan.ts";
import { type AlertRule, recordFieldsOf, runtimeStateOf } from "./runtime.ts";
import { type StepResult, stepAlert, type TickWindow } from "./step.ts";

const MIN = 60_000;
/** 2026-12-01 15:00 New York (EST, UTC-5): a Tuesday afternoon. */
const T0 = Date.parse("2026-12-01T20:00:00Z");

const sessionHigh: ExtremeCondition = { kind: "extreme", side: "high", span: "session" };
const sessionLow: ExtremeCondition = { kind: "extreme", side: "low", span: "session" };
const yearHigh: ExtremeCondition = { kind: "extreme", side: "high", span: "52w" };

function ruleFor(condition: ExtremeCondition, cooldownMs: number | null = null, symbol = "AAPL"): AlertRule {
  return { condition, cooldownMs, expiresAtMs: null, regularHoursOnly: false, symbol };
}

/** An armed state at a running extreme; a null `extremeSince` leaves it out (a 52-week alert). */
function armed(extreme: number, extremeSince: number | null = T0): AlertRuntimeState {
  return {
    generation: 0,
    phase: "armed",
    referencePrice: extreme,
    upper: null,
    lower: null,
    extreme,
    lastFiredAt: null,
    lastFirePrice: null,
    ...(extremeSince === null ? {} : { extremeSince }),
  };
}

/** Steps the ticks in order; returns every result (a one-shot that fired stops the run). */
function run(rule: AlertRule, state: AlertRuntimeState, ticks: TickWindow[]): StepResult[] {
  const results: StepResult[] = [];
  let current: AlertRuntimeState | null = state;
  for (const tick of ticks) {
    if (!current) break;
    const result = stepAlert(rule, current, tick, true);
    results.push(result);
    current = result.kind === "expired" ? null : result.next;
  }
  return results;
}

const firedPrices = (results: StepResult[]) =>
  results.flatMap((r) => (r.kind === "fired" ? [[r.hit.price, r.hit.level]] : []));

describe("where a new high/low alert starts", () => {
  it("takes today's high from the quote, and the instant it is set at as its session's start", () => {
    const plan = planAlert(sessionHigh, { last: 192, sessionHigh: 192.5, sessionLow: 188 }, T0);
    expect(plan).toEqual({
      ok: true,
      baseline: {
        referencePrice: 192.5,
        thresholds: { upper: null, lower: null },
        extreme: 192.5,
        extremeSince: T0,
      },
    });
    expect(planAlert(sessionLow, { last: 192, sessionHigh: 192.5, sessionLow: 188 }, T0)).toMatchObject({
      ok: true,
      baseline: { extreme: 188 },
    });
  });

  it("takes the 52-week range, which does not start again with each day", () => {
    const plan = planAlert(yearHigh, { last: 150, high52w: 199.62, low52w: 164.08 }, T0);
    expect(plan).toMatchObject({ ok: true, baseline: { extreme: 199.62, extremeSince: null } });
  });

  it("starts from the last trade when that already went beyond a stale range", () => {
    expect(planAlert(yearHigh, { last: 201, high52w: 199.62 }, T0)).toMatchObject({
      ok: true,
      baseline: { extreme: 201 },
    });
    expect(planAlert(sessionLow, { last: 187.5, sessionLow: 188 }, T0)).toMatchObject({
      ok: true,
      baseline: { extreme: 187.5 },
    });
  });

  it("is refused with the reason when the range is not known", () => {
    expect(planAlert(yearHigh, { last: 150 }, T0)).toMatchObject({
      ok: false,
      code: "extreme_range_unknown",
      message: "the 52-week high is not known for this symbol, so a new 52-week high alert cannot be set",
    });
    expect(planAlert(sessionLow, { last: 150, sessionHigh: 151 }, T0)).toMatchObject({
      ok: false,
      code: "extreme_range_unknown",
      message: "today's low is not known for this symbol, so a new session low alert cannot be set",
    });
  });
});

describe("a new high fires on the first trade strictly above the running high", () => {
  it("stays silent at and below the high, then fires once above it (one-shot)", () => {
    const results = run(ruleFor(sessionHigh), armed(192.5), [
      { price: 192.4, ts: T0 + MIN },
      { price: 192.5, ts: T0 + 2 * MIN },
      { price: 192.51, ts: T0 + 3 * MIN },
      { price: 193, ts: T0 + 4 * MIN },
    ]);
    expect(results.map((r) => r.kind)).toEqual(["none", "none", "fired"]);
    expect(results[2]).toMatchObject({
      kind: "fired",
      hit: { side: "upper", level: 192.5, price: 192.51, extreme: 192.5 },
      next: null,
    });
  });

  it("reads a conflated tick's high (a new low its low)", () => {
    const [high] = run(ruleFor(sessionHigh), armed(192.5), [
      { price: 192, high: 193.8, low: 191, ts: T0 + MIN },
    ]);
    expect(high).toMatchObject({ kind: "fired", hit: { level: 192.5, price: 193.8 } });
    const [low] = run(ruleFor(sessionLow), armed(188), [
      { price: 189, high: 190, low: 187.25, ts: T0 + MIN },
    ]);
    expect(low).toMatchObject({
      kind: "fired",
      hit: { side: "lower", level: 188, price: 187.25, extreme: 188 },
    });
  });

  it("repeating: tracks the high while cooling, then fires at the next trade above it", () => {
    const results = run(ruleFor(sessionHigh, 5 * MIN), armed(192.5), [
      { price: 192.6, ts: T0 + MIN }, // fires: above 192.50
      { price: 193, ts: T0 + 2 * MIN }, // cooling: the high follows to 193
      { price: 192.9, ts: T0 + 7 * MIN }, // cooldown over, but not above 193
      { price: 193.05, ts: T0 + 8 * MIN }, // fires: above 193
      { price: 193.1, ts: T0 + 9 * MIN }, // cooling again
    ]);
    expect(results.map((r) => r.kind)).toEqual(["fired", "none", "none", "fired", "none"]);
    expect(firedPrices(results)).toEqual([
      [192.6, 192.5],
      [193.05, 193],
    ]);
    expect(results[0]).toMatchObject({ next: { generation: 1, phase: "cooling", extreme: 192.6 } });
    expect(results[1]).toMatchObject({ next: { phase: "cooling", extreme: 193 } });
    expect(results[4]).toMatchObject({ next: { generation: 2, phase: "cooling", extreme: 193.1 } });
  });

  it("a new low mirrors it", () => {
    const results = run(ruleFor(sessionLow, 5 * MIN), armed(188), [
      { price: 188, ts: T0 + MIN },
      { price: 187.9, ts: T0 + 2 * MIN },
      { price: 187, ts: T0 + 3 * MIN },
      { price: 186.99, ts: T0 + 8 * MIN },
    ]);
    expect(firedPrices(results)).toEqual([
      [187.9, 188],
      [186.99, 187],
    ]);
  });
});

describe("a session high starts again on the first trade of the next trading day", () => {
  it("a stock's day is New York's: that trade is the new high and does not fire, the next above it does", () => {
    // 2026-12-01 23:59 New York is still Tuesday; 2026-12-02 00:00 New York (05:00 UTC) is Wednesday.
    const results = run(ruleFor(sessionHigh), armed(192.5), [
      { price: 190, ts: Date.parse("2026-12-02T04:59:00Z") },
      { price: 200, ts: Date.parse("2026-12-02T14:30:00Z") },
      { price: 199, ts: Date.parse("2026-12-02T14:31:00Z") },
      { price: 200.01, ts: Date.parse("2026-12-02T14:32:00Z") },
    ]);
    expect(results.map((r) => r.kind)).toEqual(["none", "none", "none", "fired"]);
    expect(results[1]).toMatchObject({
      next: { extreme: 200, extremeSince: Date.parse("2026-12-02T14:30:00Z") },
    });
    expect(firedPrices(results)).toEqual([[200.01, 200]]);
  });

  it("a session low starts again at a higher price too", () => {
    const results = run(ruleFor(sessionLow), armed(150), [
      { price: 160, ts: Date.parse("2026-12-02T14:30:00Z") },
      { price: 159.99, ts: Date.parse("2026-12-02T14:31:00Z") },
    ]);
    expect(firedPrices(results)).toEqual([[159.99, 160]]);
  });

  it("a crypto pair's day is the UTC day", () => {
    const rule = ruleFor(sessionHigh, null, "BINANCE:BTCUSDT");
    const since = Date.parse("2026-12-01T12:00:00Z");
    const results = run(rule, armed(90_000, since), [
      { price: 90_100, ts: Date.parse("2026-12-02T00:00:00Z") },
      { price: 90_200, ts: Date.parse("2026-12-02T00:01:00Z") },
    ]);
    expect(results.map((r) => r.kind)).toEqual(["none", "fired"]);
    expect(tradingDayOf("BINANCE:BTCUSDT", Date.parse("2026-12-01T23:59:59Z"))).toBe(
      tradingDayOf("BINANCE:BTCUSDT", since),
    );
  });

  it("a forex pair's day rolls over at 17:00 New York", () => {
    const tuesday = Date.parse("2026-12-01T15:00:00Z");
    expect(tradingDayOf("OANDA:EUR_USD", Date.parse("2026-12-01T21:59:59Z"))).toBe(
      tradingDayOf("OANDA:EUR_USD", tuesday),
    );
    expect(tradingDayOf("OANDA:EUR_USD", Date.parse("2026-12-01T22:00:00Z"))).toBe(
      tradingDayOf("OANDA:EUR_USD", tuesday) + 1,
    );
  });

  it("the 52-week high does not start again", () => {
    const results = run(ruleFor(yearHigh), armed(199.62, null), [
      { price: 199, ts: Date.parse("2026-12-02T14:30:00Z") },
      { price: 199.7, ts: Date.parse("2026-12-03T14:30:00Z") },
    ]);
    expect(firedPrices(results)).toEqual([[199.7, 199.62]]);
  });
});

describe("when a trading day ends", () => {
  const days = [
    ["AAPL", "2026-12-01T20:00:00Z", "2026-12-02T05:00:00Z"],
    // DST starts on 8 March 2026 at 02:00 New York: that day ends at 04:00 UTC, not 05:00.
    ["AAPL", "2026-03-08T12:00:00Z", "2026-03-09T04:00:00Z"],
    ["AAPL", "2026-03-07T12:00:00Z", "2026-03-08T05:00:00Z"],
    // DST ends on 1 November 2026: that day ends at 05:00 UTC, the day before at 04:00.
    ["AAPL", "2026-10-31T12:00:00Z", "2026-11-01T04:00:00Z"],
    ["AAPL", "2026-11-01T12:00:00Z", "2026-11-02T05:00:00Z"],
    ["AAPL", "2026-12-02T04:59:59Z", "2026-12-02T05:00:00Z"],
    ["BINANCE:BTCUSDT", "2026-12-01T23:59:59Z", "2026-12-02T00:00:00Z"],
    ["OANDA:EUR_USD", "2026-12-01T15:00:00Z", "2026-12-01T22:00:00Z"],
    ["OANDA:EUR_USD", "2026-07-01T22:00:00Z", "2026-07-02T21:00:00Z"],
  ] as const;
  it.each(days)("%s at %s: the next day starts at %s", (symbol, since, end) => {
    const endMs = Date.parse(end);
    expect(new Date(sessionEndsAt(symbol, Date.parse(since))).toISOString()).toBe(
      new Date(endMs).toISOString(),
    );
    expect(tradingDayOf(symbol, endMs - 1)).toBe(tradingDayOf(symbol, Date.parse(since)));
    expect(tradingDayOf(symbol, endMs)).toBe(tradingDayOf(symbol, Date.parse(since)) + 1);
  });
});

describe("when a trading day starts", () => {
  const starts = [
    // The daily bar labelled with a date holds the trades from here (New York midnight, UTC midnight, 17:00 New
    // York the evening before) to the next day's start.
    ["AAPL", "2026-12-02", "2026-12-02T05:00:00Z"],
    ["AAPL", "2026-07-01", "2026-07-01T04:00:00Z"],
    // DST starts on 8 March 2026 at 02:00 New York: midnight before it is still winter time.
    ["AAPL", "2026-03-08", "2026-03-08T05:00:00Z"],
    ["AAPL", "2026-03-09", "2026-03-09T04:00:00Z"],
    ["AAPL", "2026-11-02", "2026-11-02T05:00:00Z"],
    ["BINANCE:BTCUSDT", "2026-12-02", "2026-12-02T00:00:00Z"],
    ["COINBASE:ETH-USD", "2026-07-01", "2026-07-01T00:00:00Z"],
    ["OANDA:EUR_USD", "2026-12-02", "2026-12-01T22:00:00Z"],
    ["OANDA:EUR_USD", "2026-07-02", "2026-07-01T21:00:00Z"],
    // The FX day of Monday 9 March starts on Sunday 8 March at 17:00 New York, already summer time.
    ["OANDA:USD_JPY", "2026-03-09", "2026-03-08T21:00:00Z"],
  ] as const;
  it.each(starts)("%s, day of %s: starts at %s", (symbol, date, start) => {
    const day = Date.parse(`${date}T00:00:00Z`) / 86_400_000;
    const startMs = tradingDayStart(symbol, day);
    expect(new Date(startMs).toISOString()).toBe(new Date(start).toISOString());
    expect(tradingDayOf(symbol, startMs)).toBe(day);
    expect(tradingDayOf(symbol, startMs - 1)).toBe(day - 1);
  });
});

describe("the running extreme through the stored record (a restart)", () => {
  const record = (state: AlertRuntimeState, createdAt: string) =>
    ({
      condition: sessionHigh,
      repeat: { cooldownSeconds: 300 },
      createdAt,
      ...recordFieldsOf(state),
    }) as Pick<Alert, "condition" | "repeat" | "createdAt"> & ReturnType<typeof recordFieldsOf>;

  it("keeps the running high and its day", () => {
    const state = { ...armed(193.25, T0 + MIN), generation: 3 };
    expect(runtimeStateOf(record(state, "2026-11-01T15:00:00.000Z"))).toEqual(state);
  });

  it("a record never checkpointed holds its session from its creation", () => {
    const { extremeSince: _, ...fields } = recordFieldsOf(armed(192.5));
    const restored = runtimeStateOf({
      condition: sessionHigh,
      repeat: null,
      createdAt: new Date(T0).toISOString(),
      ...fields,
    });
    expect(restored).toEqual(armed(192.5, T0));
  });

  it("a 52-week alert carries no session", () => {
    const restored = runtimeStateOf({
      condition: yearHigh,
      repeat: null,
      ...recordFieldsOf(armed(199, null)),
    });
    expect(restored).toEqual(armed(199, null));
  });
});

describe("regular hours only", () => {
  it("outside the session the alert and its extreme are untouched", () => {
    const rule = { ...ruleFor(sessionHigh), regularHoursOnly: true };
    const state = armed(192.5);
    expect(stepAlert(rule, state, { price: 195, ts: T0 + MIN }, false)).toEqual({
      kind: "none",
      next: state,
    });
  });
});
