import { describe, expect, it } from "vitest";
import {
  describeCondition,
  formatChange,
  formatDuration,
  formatPercent,
  formatPrice,
  formatRelative,
} from "./format.ts";

describe("formatting", () => {
  it.each([
    [200, "$200.00"],
    [1250.5, "$1,250.50"],
    [0.5, "$0.5000"],
    [0.001234, "$0.001234"],
  ])("price %d → %s", (price, text) => {
    expect(formatPrice(price)).toBe(text);
  });

  it("writes a change with the precision of the price that moved", () => {
    expect(formatChange(-0.6133, 189.39)).toBe("-$0.61");
    expect(formatChange(-0.0312, 0.41)).toBe("-$0.0312");
    expect(formatChange(12.4)).toBe("+$12.40");
  });

  it("signs percentages", () => {
    expect(formatPercent(5.2)).toBe("+5.20%");
    expect(formatPercent(-0.345)).toBe("-0.34%");
    expect(formatPercent(0)).toBe("±0.00%");
    // No change is shown in cents, not to six places.
    expect(formatChange(0)).toBe("±$0.00");
    expect(formatChange(-0.0312)).toBe("-$0.0312");
  });

  it("writes relative times both ways", () => {
    const now = new Date("2026-11-24T12:00:00Z");
    expect(formatRelative("2026-11-27T12:00:00Z", now)).toBe("in 3 days");
    expect(formatRelative(new Date("2026-11-24T10:00:00Z"), now)).toBe("2 hours ago");
    expect(formatRelative(now, now)).toBe("just now");
    expect(formatRelative("2026-11-24T12:01:00Z", now)).toBe("in 1 minute");
  });

  it("writes durations compactly", () => {
    expect([formatDuration(3600), formatDuration(1800), formatDuration(172800), formatDuration(90)]).toEqual([
      "1h",
      "30m",
      "2d",
      "90s",
    ]);
  });

  it("describes each kind of condition", () => {
    expect(describeCondition({ kind: "price", direction: "above", target: 200 })).toBe("above $200.00");
    expect(describeCondition({ kind: "price", direction: "cross", target: 5 })).toBe("crosses $5.00");
    expect(describeCondition({ kind: "percent", direction: "down", percent: 3, basis: "close" })).toBe(
      "down 3% from the previous close",
    );
    expect(
      describeCondition({ kind: "trailing", direction: "up", offset: { unit: "amount", value: 5 } }),
    ).toBe("rises $5.00 above its low (trailing)");
  });
});
