import type { Bar } from "@tickerbell/contracts";
import type { DryRunResult } from "@tickerbell/rules";
import { describe, expect, it } from "vitest";
import { chooseHistory, formatDryRun } from "./dry-run-line.ts";

const DAY = 86_400_000;
const NOW = Date.parse("2026-12-04T17:00:00Z");
const UTC = { kind: "zone", timeZone: "UTC" } as const;

function result(overrides: Partial<DryRunResult>): DryRunResult {
  return {
    firings: 0,
    last: null,
    coveredFrom: NOW - 30 * DAY,
    coveredTo: NOW,
    resolution: "1m",
    ...overrides,
  };
}

describe("the dry run's line", () => {
  it("counts firings, once and several, with the last one's time and price", () => {
    const last = { ts: Date.parse("2026-11-28T14:32:30Z"), price: 201.5 };
    expect(formatDryRun(result({ firings: 1, last }), NOW, UTC, "AAPL")).toBe(
      "In the last 30 days this alert would have fired once (last: 2026-11-28 14:32 UTC at $201.50).",
    );
    expect(
      formatDryRun(result({ firings: 3, last }), NOW, { kind: "zone", timeZone: "Europe/Berlin" }, "AAPL"),
    ).toBe(
      "In the last 30 days this alert would have fired 3 times (last: 2026-11-28 15:32 GMT+1 at $201.50).",
    );
    expect(formatDryRun(result({ firings: 3, last }), NOW, { kind: "discord" }, "AAPL")).toBe(
      "In the last 30 days this alert would have fired 3 times (last: <t:1795876350:f> at $201.50).",
    );
  });

  it("reads naturally at zero", () => {
    expect(formatDryRun(result({}), NOW, UTC, "AAPL")).toBe("It would not have fired in the last 30 days.");
  });

  it("says how many days are recorded when fewer than 30, a long weekend at the start aside", () => {
    expect(formatDryRun(result({ coveredFrom: NOW - 6 * DAY }), NOW, UTC, "AAPL")).toBe(
      "It would not have fired in the 6 days recorded.",
    );
    expect(formatDryRun(result({ coveredFrom: NOW - DAY + 60_000 }), NOW, UTC, "AAPL")).toBe(
      "It would not have fired in the 1 day recorded.",
    );
    // History from a Tuesday when the 30 days began on the Friday before a Monday holiday: the whole month.
    expect(formatDryRun(result({ coveredFrom: NOW - 26 * DAY }), NOW, UTC, "AAPL")).toBe(
      "It would not have fired in the last 30 days.",
    );
    expect(formatDryRun(result({ coveredFrom: NOW - 25 * DAY }), NOW, UTC, "AAPL")).toBe(
      "It would not have fired in the 25 days recorded.",
    );
  });

  it("names the day, New York's trading date, when it judged from daily bars", () => {
    const last = { ts: Date.parse("2026-11-20T18:50:00Z"), price: 182 };
    expect(formatDryRun(result({ firings: 1, last, resolution: "1d" }), NOW, UTC, "AAPL")).toBe(
      "In the last 30 days this alert would have fired once (last: 2026-11-20 at $182.00), judged from daily highs and lows.",
    );
    expect(formatDryRun(result({ resolution: "1d" }), NOW, UTC, "AAPL")).toBe(
      "It would not have fired in the last 30 days, judged from daily highs and lows.",
    );
  });

  it("names a crypto pair's UTC date and a forex pair's FX day when it judged from daily bars", () => {
    // A crypto pair's day opens at 00:00 UTC (19:00 New York the day before), a forex pair's at 17:00 New York.
    const crypto = { ts: Date.parse("2026-11-20T00:00:00Z"), price: 90_000 };
    expect(
      formatDryRun(result({ firings: 1, last: crypto, resolution: "1d" }), NOW, UTC, "BINANCE:BTCUSDT"),
    ).toContain("(last: 2026-11-20 at $90,000.00)");
    const forex = { ts: Date.parse("2026-11-19T22:00:00Z"), price: 1.0842 };
    expect(
      formatDryRun(result({ firings: 1, last: forex, resolution: "1d" }), NOW, UTC, "OANDA:EUR_USD"),
    ).toContain("(last: 2026-11-20 at 1.0842)");
  });
});

describe("which bars the dry run replays", () => {
  const bar = (t: number): Bar => ({ t, o: 1, h: 1, l: 1, c: 1, v: 0, n: 1 });
  const above = {
    condition: { kind: "price", direction: "above", target: 2 },
    regularHoursOnly: false,
  } as const;
  const minute = [bar(NOW - 5 * DAY)];

  it("minute bars, unless daily bars reach back more than a day further", () => {
    expect(chooseHistory(above, minute, [bar(NOW - 5 * DAY - 12 * 3_600_000)], NOW)?.resolution).toBe("1m");
    expect(chooseHistory(above, minute, [bar(NOW - 29 * DAY)], NOW)?.resolution).toBe("1d");
    expect(chooseHistory(above, [], [bar(NOW - 29 * DAY)], NOW)?.resolution).toBe("1d");
  });

  it("minute bars only for a window or a regular-hours-only alert; none without bars", () => {
    const window = {
      condition: { kind: "window", direction: "up", percent: 3, windowSeconds: 3600 },
      regularHoursOnly: false,
    } as const;
    expect(chooseHistory(window, minute, [bar(NOW - 29 * DAY)], NOW)?.resolution).toBe("1m");
    expect(
      chooseHistory({ ...above, regularHoursOnly: true }, minute, [bar(NOW - 29 * DAY)], NOW)?.resolution,
    ).toBe("1m");
    expect(chooseHistory(window, [], [bar(NOW - 29 * DAY)], NOW)).toBeNull();
    expect(chooseHistory(above, [], [], NOW)).toBeNull();
  });

  it("for a volume or hourly RSI alert, minute bars only; a daily indicator also from daily bars", () => {
    const minutesOnly = [
      { kind: "volume", multiple: 3 },
      { kind: "rsi", direction: "below", level: 30, period: 14, interval: "1h" },
    ] as const;
    for (const condition of minutesOnly) {
      const alert = { condition, regularHoursOnly: false };
      expect(chooseHistory(alert, minute, [bar(NOW - 29 * DAY)], NOW)?.resolution).toBe("1m");
      expect(chooseHistory(alert, [], [bar(NOW - 29 * DAY)], NOW)).toBeNull();
    }
    const daily = [
      { kind: "average", average: "sma", period: 50, direction: "cross" },
      { kind: "rsi", direction: "below", level: 30, period: 14, interval: "1d" },
    ] as const;
    for (const condition of daily)
      expect(
        chooseHistory({ condition, regularHoursOnly: false }, minute, [bar(NOW - 29 * DAY)], NOW)?.resolution,
      ).toBe("1d");
  });
});
