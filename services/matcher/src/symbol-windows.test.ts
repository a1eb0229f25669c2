import { MinuteHistory } from "@tickerbell/rules";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SymbolWindows, type WindowReading } from "./symbol-windows.ts";

const START = Date.parse("2026-07-01T13:00:00Z");
const WINDOWS = [300, 900, 3600, 4 * 3600, 86_400];

const stepArb = fc.oneof(
  {
    weight: 20,
    arbitrary: fc.record({
      op: fc.constant("tick" as const),
      // Mostly seconds apart, sometimes hours (a window empties), sometimes back in time (a late trade).
      dtMs: fc.oneof(
        fc.integer({ min: 0, max: 90_000 }),
        fc.integer({ min: 0, max: 30 * 3600_000 }),
        fc.integer({ min: -120_000, max: 0 }),
      ),
      price: fc.integer({ min: 9_000, max: 11_000 }).map((c) => c / 100),
      spread: fc.integer({ min: 0, max: 200 }).map((c) => c / 100),
      // Whether the windows are read after it: unread ticks must reach a restore too.
      read: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("restore" as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("track" as const), window: fc.constantFrom(...WINDOWS) }),
  },
);

describe("SymbolWindows against the rule book's MinuteHistory", () => {
  it("gives every window's extremes exactly, through late ticks, gaps and restores from its own minutes", () => {
    let compared = 0;
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 400, size: "max" }), (steps) => {
        let windows = new SymbolWindows();
        const reference = new MinuteHistory();
        const tracked = new Set<number>([3600]);
        let ts = START;
        for (const step of steps) {
          if (step.op === "track") {
            tracked.add(step.window);
          } else if (step.op === "restore") {
            const restored = new SymbolWindows();
            restored.merge(windows.minutes());
            windows = restored;
          } else {
            ts += step.dtMs;
            windows.record(ts, step.price + step.spread, step.price);
            reference.record(ts, step.price + step.spread, step.price);
            if (!step.read) continue;
          }
          for (const w of tracked) {
            expect(windows.windowExtremes(w)).toEqual(reference.windowExtremes(w));
            compared++;
          }
        }
      }),
      { numRuns: 200 },
    );
    expect(compared).toBeGreaterThan(10_000);
  });

  it("keeps a reading's extremes until its own deadline unless a tick goes beyond them (what the index gates on)", () => {
    let held = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...WINDOWS),
        fc.array(stepArb, { minLength: 1, maxLength: 400, size: "max" }),
        (windowSeconds, steps) => {
          const windows = new SymbolWindows();
          const reference = new MinuteHistory();
          const reading: WindowReading = { low: 0, lowUntil: 0, high: 0, highUntil: 0 };
          windows.read(windowSeconds, reading);
          expect(reading.lowUntil).toBe(Number.NEGATIVE_INFINITY);
          let ts = START;
          let now = Number.NEGATIVE_INFINITY;
          for (const step of steps) {
            if (step.op !== "tick") continue;
            ts += step.dtMs;
            now = Math.max(now, ts);
            const high = step.price + step.spread;
            windows.record(ts, high, step.price);
            reference.record(ts, high, step.price);
            const actual = reference.windowExtremes(windowSeconds)!;
            // The gate's promise: nothing below the low read and its deadline not reached => the low is as read.
            if (step.price >= reading.low && now < reading.lowUntil) {
              expect(actual.low).toBe(reading.low);
              held++;
            }
            if (high <= reading.high && now < reading.highUntil) {
              expect(actual.high).toBe(reading.high);
              held++;
            }
            windows.read(windowSeconds, reading);
            expect({ high: reading.high, low: reading.low }).toEqual(actual);
            expect(reading.lowUntil).toBeGreaterThan(now);
            expect(reading.highUntil).toBeGreaterThan(now);
          }
        },
      ),
      { numRuns: 300 },
    );
    expect(held).toBeGreaterThan(10_000);
  });

  it("keeps no more than a day and a minute of minutes", () => {
    const windows = new SymbolWindows();
    for (let minute = 0; minute < 3 * 1440; minute++) {
      windows.record(START + minute * 60_000, 100, 100);
      // Every minute once the history is full, not at one minute that may happen to be right.
      if (minute >= 3 * 1440 - 5) expect(windows.minutes()).toHaveLength(1442);
    }
  });
});
