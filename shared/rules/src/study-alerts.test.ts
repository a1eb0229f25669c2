import type {
  Alert,
  AlertCondition,
  AlertRuntimeState,
  AverageCondition,
  RsiCondition,
  TickStudies,
  VolumeCondition,
} from "@tickerbell/contracts";
import { describe, expect, it } from "vitest";
import { canDryRun, dailyBarsBeforeDays } from "./dry-run.ts";
import { planAlert } from "./plan.ts";
import { type AlertRule, consistentState, recordFieldsOf, runtimeStateOf } from "./runtime.ts";
import { type StepResult, stepAlert, type TickWindow } from "./step.ts";
import { volumeRefusal } from "./studies.ts";

const MIN = 60_000;
/** 2026-12-01 15:00 New York (EST, UTC-5): a Tuesday afternoon. */
const T0 = Date.parse("2026-12-01T20:00:00Z");

const volume3x: VolumeCondition = { kind: "volume", multiple: 3 };
const aboveSma50: AverageCondition = { kind: "average", average: "sma", period: 50, direction: "above" };
const belowEma20: AverageCondition = { kind: "average", average: "ema", period: 20, direction: "below" };
const crossSma50: AverageCondition = { kind: "average", average: "sma", period: 50, direction: "cross" };
const rsiAbove70: RsiCondition = { kind: "rsi", direction: "above", level: 70, period: 14, interval: "1d" };
const rsiBelow30: RsiCondition = { kind: "rsi", direction: "below", level: 30, period: 14, interval: "1h" };

function ruleFor(
  condition: AlertRule["condition"],
  cooldownMs: number | null = null,
  symbol = "AAPL",
): AlertRule {
  return { condition, cooldownMs, expiresAtMs: null, regularHoursOnly: false, symbol };
}

function armed(extra: Partial<AlertRuntimeState> = {}): AlertRuntimeState {
  return {
    generation: 0,
    phase: "armed",
    referencePrice: 100,
    upper: null,
    lower: null,
    extreme: null,
    lastFiredAt: null,
    lastFirePrice: null,
    ...extra,
  };
}

const sma = (value: number): TickStudies => ({ values: { sma50: value } });
const vol = (today: number, typical: number): TickStudies => ({ volume: { today, typical, sessions: 20 } });

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

const kinds = (results: StepResult[]) => results.map((r) => r.kind);

describe("planAlert for volume and indicator alerts", () => {
  it("refuses without the study the alert needs, naming it", () => {
    expect(planAlert(volume3x, { last: 100 })).toMatchObject({
      ok: false,
      code: "study_unknown",
      message: expect.stringContaining("at least 5 recorded sessions"),
    });
    expect(planAlert(aboveSma50, { last: 100, studies: { values: { ema200: 90 } } })).toMatchObject({
      ok: false,
      code: "study_unknown",
      message: expect.stringContaining("SMA 50"),
    });
    expect(planAlert(rsiBelow30, { last: 100, studies: { values: { "rsi14:1d": 40 } } })).toMatchObject({
      ok: false,
      code: "study_unknown",
      message: expect.stringContaining("RSI 14 (1h)"),
    });
  });

  it("refuses one already met, with the value", () => {
    // 3,300,000 / 1,000,000 = 3.3x >= 3x
    expect(planAlert(volume3x, { last: 100, studies: vol(3_300_000, 1_000_000) })).toMatchObject({
      ok: false,
      code: "condition_already_met",
      message: "today's volume is already 3.3x its typical volume by this time (3,300,000 against 1,000,000)",
    });
    expect(planAlert(aboveSma50, { last: 100, studies: sma(99.5) })).toMatchObject({
      ok: false,
      code: "condition_already_met",
      message: "price is already at or above its SMA 50 (SMA 50 $99.50, price $100.00)",
      details: { study: { key: "sma50", value: 99.5 } },
    });
    expect(planAlert(belowEma20, { last: 100, studies: { values: { ema20: 100 } } })).toMatchObject({
      code: "condition_already_met",
    });
    expect(planAlert(crossSma50, { last: 100, studies: sma(100) })).toMatchObject({
      code: "condition_already_met",
      message: expect.stringContaining("exactly at its SMA 50"),
    });
    expect(planAlert(rsiAbove70, { last: 100, studies: { values: { "rsi14:1d": 71.234 } } })).toMatchObject({
      code: "condition_already_met",
      message: "the RSI 14 is already at or above 70 (it is 71.23)",
    });
  });

  it("accepts one not met yet; a cross watches the side price is not on", () => {
    // 2,900,000 < 3 x 1,000,000
    expect(planAlert(volume3x, { last: 100, studies: vol(2_900_000, 1_000_000) })).toEqual({
      ok: true,
      baseline: { referencePrice: 100, thresholds: { upper: null, lower: null }, extreme: null },
    });
    expect(planAlert(crossSma50, { last: 100, studies: sma(101) })).toMatchObject({
      ok: true,
      baseline: { watch: "upper" },
    });
    expect(planAlert(crossSma50, { last: 100, studies: sma(99) })).toMatchObject({
      ok: true,
      baseline: { watch: "lower" },
    });
    expect(planAlert(rsiBelow30, { last: 100, studies: { values: { "rsi14:1h": 30.01 } } }).ok).toBe(true);
  });

  it("forex pairs have no volume", () => {
    expect(volumeRefusal("OANDA:EUR_USD")).toContain("no traded volume");
    expect(volumeRefusal("AAPL")).toBeNull();
    expect(volumeRefusal("BINANCE:BTCUSDT")).toBeNull();
  });
});

describe("stepAlert: moving averages", () => {
  it("above fires when the window's high reaches the tick's average; a tick without it does nothing", () => {
    const results = run(ruleFor(aboveSma50), armed(), [
      { price: 99, ts: T0 + MIN, studies: sma(100) }, // below the average
      { price: 105, ts: T0 + 2 * MIN }, // no studies: never fires
      { price: 105, ts: T0 + 3 * MIN, studies: { values: { ema200: 1 } } }, // another study only
      { price: 99.5, high: 100.2, ts: T0 + 4 * MIN, studies: sma(100.1) }, // high 100.2 >= 100.1
    ]);
    expect(kinds(results)).toEqual(["none", "none", "none", "fired"]);
    expect(results[3]).toMatchObject({
      hit: { side: "upper", level: 100.1, price: 100.2, study: { key: "sma50", value: 100.1 } },
      next: null,
    });
  });

  it("repeating above: cools, then waits for price back below the average by the band, then fires again", () => {
    const results = run(ruleFor(aboveSma50, 5 * MIN), armed(), [
      { price: 101, ts: T0 + MIN, studies: sma(100) }, // fires
      { price: 99.6, ts: T0 + 7 * MIN, studies: sma(100) }, // cooldown over: awaiting; band 100 x 0.995 = 99.5
      { price: 101, ts: T0 + 8 * MIN, studies: sma(100) }, // still awaiting: never went to 99.5
      { price: 99.4, ts: T0 + 9 * MIN, studies: sma(99.9) }, // band 99.9 x 0.995 = 99.4005: 99.4 is at or below
      { price: 100, ts: T0 + 10 * MIN, studies: sma(99.8) }, // fires again
    ]);
    expect(kinds(results)).toEqual(["fired", "none", "none", "none", "fired"]);
    expect(results[1]).toMatchObject({ next: { phase: "awaitingBand" } });
    expect(results[3]).toMatchObject({ next: { phase: "armed" } });
    expect(results[4]).toMatchObject({ kind: "fired", before: { generation: 1 }, next: { generation: 2 } });
  });

  it("a band is not re-armed by a tick without the average, nor does its cooldown end on one", () => {
    const results = run(ruleFor(belowEma20, 5 * MIN), armed(), [
      { price: 99, ts: T0 + MIN, studies: { values: { ema20: 100 } } }, // fires (99 <= 100)
      { price: 120, ts: T0 + 7 * MIN }, // no value: still cooling
      { price: 100.6, ts: T0 + 8 * MIN, studies: { values: { ema20: 100 } } }, // awaiting, then band 100.5 reached
      { price: 99, ts: T0 + 9 * MIN, studies: { values: { ema20: 100 } } }, // fires
    ]);
    expect(results[1]).toMatchObject({ next: { phase: "cooling" } });
    expect(results[2]).toMatchObject({ next: { phase: "armed" } });
    expect(kinds(results)).toEqual(["fired", "none", "none", "fired"]);
  });

  it("cross fires on the watched side, then watches the other", () => {
    const results = run(ruleFor(crossSma50, 5 * MIN), armed({ watch: "upper" }), [
      { price: 99, low: 98, ts: T0 + MIN, studies: sma(99.5) }, // watching upper: the low below it does not fire
      { price: 99, high: 99.2, ts: T0 + 2 * MIN, studies: sma(99.1) }, // high reaches 99.1: fires upward
      { price: 98, ts: T0 + 3 * MIN, studies: sma(99) }, // cooling
      { price: 99.5, ts: T0 + 8 * MIN, studies: sma(99) }, // armed, watching lower; 99.5 above
      { price: 98.9, ts: T0 + 9 * MIN, studies: sma(99) }, // fires downward
    ]);
    expect(kinds(results)).toEqual(["none", "fired", "none", "none", "fired"]);
    expect(results[1]).toMatchObject({
      hit: { side: "upper", level: 99.1, price: 99.2 },
      next: { watch: "lower", phase: "cooling" },
    });
    expect(results[4]).toMatchObject({ hit: { side: "lower", price: 98.9 }, next: { watch: "upper" } });
  });
});

describe("stepAlert: RSI", () => {
  const rsi = (value: number): TickStudies => ({ values: { "rsi14:1d": value } });

  it("fires at the level, then after the cooldown waits for 5 points back before re-arming", () => {
    const results = run(ruleFor(rsiAbove70, 5 * MIN), armed(), [
      { price: 100, ts: T0 + MIN, studies: rsi(69.9) },
      { price: 101, ts: T0 + 2 * MIN, studies: rsi(70) }, // fires
      { price: 100, ts: T0 + 8 * MIN, studies: rsi(66) }, // awaiting: 66 > 65
      { price: 100, ts: T0 + 9 * MIN, studies: rsi(75) }, // still awaiting
      { price: 100, ts: T0 + 10 * MIN, studies: rsi(65) }, // 65 <= 70 - 5: re-armed
      { price: 102, ts: T0 + 11 * MIN, studies: rsi(71) }, // fires again
    ]);
    expect(kinds(results)).toEqual(["none", "fired", "none", "none", "none", "fired"]);
    expect(results[1]).toMatchObject({
      hit: { side: "upper", level: 70, price: 101, study: { key: "rsi14:1d", value: 70 } },
    });
    expect(results[3]).toMatchObject({ next: { phase: "awaitingBand" } });
    expect(results[4]).toMatchObject({ next: { phase: "armed" } });
  });

  it("below mirrors it on the hourly RSI; the daily one does not fire it", () => {
    const results = run(ruleFor(rsiBelow30, 5 * MIN), armed(), [
      { price: 100, ts: T0 + MIN, studies: { values: { "rsi14:1d": 10 } } },
      { price: 100, ts: T0 + 2 * MIN, studies: { values: { "rsi14:1h": 29.5 } } }, // fires
      { price: 100, ts: T0 + 8 * MIN, studies: { values: { "rsi14:1h": 35 } } }, // 35 >= 30 + 5: re-armed
      { price: 100, ts: T0 + 9 * MIN, studies: { values: { "rsi14:1h": 30 } } }, // fires
    ]);
    expect(kinds(results)).toEqual(["none", "fired", "none", "fired"]);
    expect(results[1]).toMatchObject({ hit: { side: "lower", level: 30, price: 100 } });
  });
});

describe("stepAlert: volume, at most once per trading day", () => {
  it("fires at multiple x typical and not again that New York day, even after its cooldown", () => {
    // Cooldown 5 minutes; T0 is 15:00 New York, the day ends at 05:00Z on 2026-12-02 (midnight EST).
    const nextNyDay = Date.parse("2026-12-02T05:00:00Z");
    const results = run(ruleFor(volume3x, 5 * MIN), armed(), [
      { price: 100, ts: T0, studies: vol(2_999_999, 1_000_000) }, // 2,999,999 < 3,000,000
      { price: 100, ts: T0 + MIN, studies: vol(3_000_000, 1_000_000) }, // fires
      { price: 100, ts: T0 + 30 * MIN, studies: vol(9_000_000, 1_000_000) }, // same day: cooling still
      { price: 100, ts: nextNyDay - 1, studies: vol(9_000_000, 1_000_000) }, // 23:59:59.999 New York
      { price: 100, ts: nextNyDay + 14.5 * 60 * MIN, studies: vol(3_100_000, 1_000_000) }, // next day: fires
    ]);
    expect(kinds(results)).toEqual(["none", "fired", "none", "none", "fired"]);
    expect(results[1]).toMatchObject({
      hit: {
        side: "upper",
        level: 3_000_000,
        price: 100,
        study: { key: "volume", value: 3_000_000, typical: 1_000_000 },
      },
    });
    expect(results[3]).toMatchObject({ next: { phase: "cooling" } });
  });

  it("a crypto pair's trading day is the UTC day", () => {
    // Fired 23:00Z; 00:00Z is the next day for BTCUSD (a stock's New York day would still run till 05:00Z).
    const fired = Date.parse("2026-12-01T23:00:00Z");
    const results = run(ruleFor(volume3x, 5 * MIN, "BINANCE:BTCUSDT"), armed(), [
      { price: 100, ts: fired, studies: vol(5, 1) },
      { price: 100, ts: Date.parse("2026-12-01T23:59:00Z"), studies: vol(5, 1) },
      { price: 100, ts: Date.parse("2026-12-02T00:00:00Z"), studies: vol(5, 1) },
    ]);
    expect(kinds(results)).toEqual(["fired", "none", "fired"]);
    const stock = run(ruleFor(volume3x, 5 * MIN, "AAPL"), armed(), [
      { price: 100, ts: fired, studies: vol(5, 1) },
      { price: 100, ts: Date.parse("2026-12-02T00:00:00Z"), studies: vol(5, 1) },
      { price: 100, ts: Date.parse("2026-12-02T05:00:00Z"), studies: vol(5, 1) },
    ]);
    expect(kinds(stock)).toEqual(["fired", "none", "fired"]);
  });

  it("a long cooldown outlasts the day boundary", () => {
    const results = run(ruleFor(volume3x, 24 * 60 * MIN), armed(), [
      { price: 100, ts: T0, studies: vol(5, 1) },
      { price: 100, ts: Date.parse("2026-12-02T15:00:00Z"), studies: vol(5, 1) }, // next day, cooldown on
      { price: 100, ts: T0 + 24 * 60 * MIN, studies: vol(5, 1) },
    ]);
    expect(kinds(results)).toEqual(["fired", "none", "fired"]);
  });
});

describe("runtime state of study alerts", () => {
  const record = {
    condition: crossSma50,
    repeat: { cooldownSeconds: 300 },
    generation: 3,
    phase: "armed",
    referencePrice: 100,
    thresholds: { upper: null, lower: null },
    extreme: null,
    lastTriggeredAt: null,
    lastTriggerPrice: null,
  } satisfies Partial<Alert>;

  it("a cross's watch side is read from and written to the record", () => {
    expect(runtimeStateOf({ ...record, watch: "lower" })).toMatchObject({ watch: "lower" });
    expect(runtimeStateOf(record).watch).toBeNull();
    expect(recordFieldsOf(armed({ watch: "upper" }))).toMatchObject({ watch: "upper" });
    expect(recordFieldsOf(armed())).not.toHaveProperty("watch");
    // Other kinds carry no side.
    expect(runtimeStateOf({ ...record, condition: aboveSma50, watch: "upper" })).not.toHaveProperty("watch");
  });

  it("an awaiting band left behind by an edit to a cross arms it", () => {
    const awaiting = armed({ phase: "awaitingBand", watch: "upper" });
    expect(consistentState(ruleFor(crossSma50, 300_000), awaiting).phase).toBe("armed");
    expect(consistentState(ruleFor(rsiAbove70, 300_000), awaiting).phase).toBe("awaitingBand");
  });
});

describe("dry runs", () => {
  const rsi1d: AlertCondition = { kind: "rsi", direction: "below", level: 30, period: 14, interval: "1d" };

  it("replay volume and indicator alerts from minute bars; daily bars only the daily indicators", () => {
    for (const condition of [volume3x, aboveSma50, rsiBelow30, rsi1d])
      expect(canDryRun({ condition, regularHoursOnly: false }, "1m")).toBe(true);
    expect(canDryRun({ condition: aboveSma50, regularHoursOnly: false }, "1d")).toBe(true);
    expect(canDryRun({ condition: rsi1d, regularHoursOnly: false }, "1d")).toBe(true);
    expect(canDryRun({ condition: volume3x, regularHoursOnly: false }, "1d")).toBe(false);
    expect(canDryRun({ condition: rsiBelow30, regularHoursOnly: false }, "1d")).toBe(false);
    expect(canDryRun({ condition: aboveSma50, regularHoursOnly: true }, "1d")).toBe(false);
  });

  it("reach back for the closes a daily indicator needs", () => {
    // 50 trading days are 70 calendar days, and ten more for holidays; 15 closes (21 days) for a 14-day RSI.
    expect(dailyBarsBeforeDays(aboveSma50)).toBe(80);
    expect(dailyBarsBeforeDays(rsi1d)).toBe(31);
    expect(dailyBarsBeforeDays(rsiBelow30)).toBe(0);
    expect(dailyBarsBeforeDays(volume3x)).toBe(0);
    expect(dailyBarsBeforeDays({ kind: "price", direction: "above", target: 1 })).toBe(0);
  });
});
