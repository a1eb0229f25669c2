import { describe, expect, it } from "vitest";
import { dailyCloseBars, newYorkDateOf, newYorkMidnight, usualVolumeBars } from "./recorded-bars.ts";

const DAY = 86_400_000;

describe("recorded bars for seeding a story's price history", () => {
  it("reads New York's date and midnight, on either side of its clock changes", () => {
    // 03:00 UTC on 5 December is 22:00 on the 4th in New York.
    expect(newYorkDateOf(Date.UTC(2026, 11, 5, 3))).toBe(Date.UTC(2026, 11, 4));
    expect(newYorkDateOf(Date.UTC(2026, 11, 5, 5))).toBe(Date.UTC(2026, 11, 5));
    expect(newYorkMidnight(Date.UTC(2026, 11, 5))).toBe(Date.UTC(2026, 11, 5, 5));
    expect(newYorkMidnight(Date.UTC(2026, 6, 1))).toBe(Date.UTC(2026, 6, 1, 4));
    // 8 March 2026 springs forward at 02:00, 1 November falls back: their midnights are still EST and EDT.
    expect(newYorkMidnight(Date.UTC(2026, 2, 8))).toBe(Date.UTC(2026, 2, 8, 5));
    expect(newYorkMidnight(Date.UTC(2026, 10, 1))).toBe(Date.UTC(2026, 10, 1, 4));
  });

  it("files daily closes under the days before today, the last one yesterday", () => {
    const now = Date.UTC(2026, 11, 5, 3); // the 4th in New York
    const bars = dailyCloseBars("JNJ", [150, 151, 152], now);
    expect(bars.map((b) => [b.t, b.c, b.resolution])).toEqual([
      [Date.UTC(2026, 11, 1), 150, "1d"],
      [Date.UTC(2026, 11, 2), 151, "1d"],
      [Date.UTC(2026, 11, 3), 152, "1d"],
    ]);
  });

  it("puts each earlier day's shares in its first minute, New York time", () => {
    const now = Date.UTC(2026, 10, 3, 15);
    const bars = usualVolumeBars("TSLA", { days: 3, shares: 1000, price: 240 }, now);
    // 1 November falls back: its midnight is 04:00 UTC, the 2nd's 05:00.
    expect(bars.map((b) => b.t)).toEqual([
      Date.UTC(2026, 9, 31, 4),
      Date.UTC(2026, 10, 1, 4),
      Date.UTC(2026, 10, 2, 5),
    ]);
    expect(bars.every((b) => b.v === 1000 && b.c === 240 && b.resolution === "1m")).toBe(true);
    expect(bars.at(-1)!.t).toBeLessThan(now - DAY / 2);
  });
});
