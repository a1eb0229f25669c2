import { DEFAULT_USER_SETTINGS } from "@tickerbell/contracts";
import { describe, expect, it } from "vitest";
import { describeSettings } from "./settings-reply.ts";

const now = new Date("2026-12-03T12:00:00Z");
const chartsOff = { ...DEFAULT_USER_SETTINGS, charts: false };

describe("/settings' charts line", () => {
  it("shows the user's choice and how to change it, in each platform's words", () => {
    expect(describeSettings(DEFAULT_USER_SETTINGS, "telegram", null, now, true)).toMatch(
      /\nCharts: on \(\/settings charts off turns them off\)$/,
    );
    expect(describeSettings(chartsOff, "console", null, now, true)).toMatch(
      /\nCharts: off \(\/settings charts on turns them on\)$/,
    );
    expect(describeSettings(chartsOff, "discord", null, now, true)).toMatch(
      /\nCharts: off \(\/settings charts state:on turns them on\)$/,
    );
  });

  it("confirms a change, and says when the operator has charts off", () => {
    expect(describeSettings(chartsOff, "telegram", { charts: false }, now, true)).toMatch(
      /^✅ Charts off: alert messages come without a chart\.\n/,
    );
    expect(describeSettings(DEFAULT_USER_SETTINGS, "telegram", { charts: true }, now, true)).toMatch(
      /^✅ Charts on: a triggered alert's message shows its price chart\.\n/,
    );
    const offHere = describeSettings(DEFAULT_USER_SETTINGS, "telegram", { charts: true }, now, false);
    expect(offHere).toMatch(/^✅ Charts on: they show once this Tickerbell turns charts on\.\n/);
    expect(offHere).toMatch(
      /\nCharts: on \(\/settings charts off turns them off\)\. This Tickerbell has charts turned off for now\.$/,
    );
  });
});
