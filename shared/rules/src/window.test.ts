import { describe, expect, it } from "vitest";
import { stepAlert } from "./step.ts";
import { MinuteHistory, windowLevels, windowLowerLevel, windowStartOf, windowUpperLevel } from "./window.ts";

const at = (hhmmss: string) => Date.parse(`2026-07-01T${hhmmss}Z`);

describe("a window's extremes, read from whole minutes", () => {
  const history = () => {
    const h = new MinuteHistory();
    h.record(at("10:00:30"), 100, 100);
    h.record(at("10:20:00"), 95, 95);
    h.record(at("10:59:59"), 102, 102);
    return h;
  };

  it("starts at the minute the window's length ago falls in", () => {
    expect(windowStartOf(at("11:00:10"), 3600)).toBe(at("10:00:00"));
    expect(windowStartOf(at("11:00:00"), 300)).toBe(at("10:55:00"));
  });

  it("covers the whole minute an hour ago, then lets it go when the next minute starts", () => {
    const h = history();
    h.record(at("11:00:10"), 101, 101);
    expect(h.windowExtremes(3600)).toEqual({ high: 102, low: 95 });
    expect(h.extremesFrom(at("10:00:00"))).toEqual({ high: 102, low: 95 });
    h.record(at("11:20:59"), 101, 101);
    // 10:20 is still in: the 1h window at 11:20:59 starts at 10:20:00.
    expect(h.windowExtremes(3600)).toEqual({ high: 102, low: 95 });
    h.record(at("11:21:00"), 101, 101);
    expect(h.windowExtremes(3600)).toEqual({ high: 102, low: 101 });
    expect(h.windowExtremes(300)).toEqual({ high: 101, low: 101 });
  });

  it("takes a conflated tick's high and low", () => {
    const h = new MinuteHistory();
    h.record(at("09:30:00"), 101.5, 99.25);
    expect(h.windowExtremes(300)).toEqual({ high: 101.5, low: 99.25 });
  });

  it("files a late tick under the latest minute, and never moves the window back", () => {
    const h = history();
    h.record(at("10:10:00"), 90, 90);
    expect(h.minutesFrom(at("10:59:00"))).toEqual([[at("10:59:00"), 102, 90]]);
    expect(h.windowExtremes(300)).toEqual({ high: 102, low: 90 });
  });

  it("merges a stored history: the extremes of one minute combine", () => {
    const h = history();
    h.merge([
      [at("10:20:00"), 96, 94],
      [at("10:40:00"), 99, 98],
    ]);
    expect(h.minutesFrom(0)).toEqual([
      [at("10:00:00"), 100, 100],
      [at("10:20:00"), 96, 94],
      [at("10:40:00"), 99, 98],
      [at("10:59:00"), 102, 102],
    ]);
  });

  it("has nothing to say before any tick", () => {
    expect(new MinuteHistory().windowExtremes(3600)).toBeNull();
  });
});

describe("window levels", () => {
  it("a move up fires the percent above the low, a move down the percent below the high", () => {
    expect(windowUpperLevel(95, 3)).toBe(97.85);
    expect(windowLowerLevel(102, 3)).toBe(98.94);
    expect(windowLevels("move", 3, { high: 102, low: 95 })).toEqual({ upper: 97.85, lower: 98.94 });
    expect(windowLevels("up", 3, { high: 102, low: 95 })).toEqual({ upper: 97.85, lower: null });
    expect(windowLevels("down", 3, { high: 102, low: 95 })).toEqual({ upper: null, lower: 98.94 });
  });
});

describe("stepping a window alert", () => {
  const rule = {
    condition: { kind: "window" as const, direction: "move" as const, percent: 3, windowSeconds: 3600 },
    cooldownMs: 600_000,
    expiresAtMs: null,
    regularHoursOnly: false,
  };
  const armed = {
    generation: 0,
    phase: "armed" as const,
    referencePrice: 100,
    upper: null,
    lower: null,
    extreme: null,
    lastFiredAt: null,
    lastFirePrice: null,
  };

  it("stays silent inside the move, fires on the tick that completes it, naming the window's low", () => {
    const h = new MinuteHistory();
    h.record(at("10:00:00"), 100, 100);
    // 2.5% down from the high of 100: short of the 97.00 a 3% fall needs.
    h.record(at("10:30:00"), 97.5, 97.5);
    expect(stepAlert(rule, armed, { price: 97.5, ts: at("10:30:00") }, true, h).kind).toBe("none");
    h.record(at("10:45:00"), 100.42, 100.42);
    // 97.50 * 1.03 = 100.425: 100.42 is short of it.
    expect(stepAlert(rule, armed, { price: 100.42, ts: at("10:45:00") }, true, h).kind).toBe("none");
    h.record(at("10:46:00"), 100.43, 100.43);
    const result = stepAlert(rule, armed, { price: 100.43, ts: at("10:46:00") }, true, h);
    expect(result).toMatchObject({
      kind: "fired",
      hit: { side: "upper", level: 100.425, price: 100.43, extreme: 97.5 },
      next: { generation: 1, phase: "cooling", lastFiredAt: at("10:46:00") },
    });
  });

  it("fires down from the window's high, and after its cooldown again while the move holds", () => {
    const h = new MinuteHistory();
    h.record(at("10:00:00"), 100, 100);
    h.record(at("10:10:00"), 96.9, 96.9);
    const fired = stepAlert(rule, armed, { price: 96.9, ts: at("10:10:00") }, true, h);
    expect(fired).toMatchObject({ kind: "fired", hit: { side: "lower", level: 97, extreme: 100 } });
    if (fired.kind !== "fired" || fired.next === null) throw new Error("expected a repeating firing");
    h.record(at("10:15:00"), 96.8, 96.8);
    expect(stepAlert(rule, fired.next, { price: 96.8, ts: at("10:15:00") }, true, h).kind).toBe("none");
    h.record(at("10:20:00"), 96.8, 96.8);
    expect(stepAlert(rule, fired.next, { price: 96.8, ts: at("10:20:00") }, true, h)).toMatchObject({
      kind: "fired",
      hit: { side: "lower", extreme: 100 },
    });
  });
});
