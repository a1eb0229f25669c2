import { describe, expect, it } from "vitest";
import { displayFor, isQuietAt, minutesInZone } from "./quiet-hours.ts";

describe("quiet hours", () => {
  const berlin = { timeZone: "Europe/Berlin", quietHours: { start: "22:00", end: "07:00" } };

  it("reads the wall clock of the user's zone, summer time included", () => {
    expect(minutesInZone(new Date("2026-12-03T21:30:00Z"), "Europe/Berlin")).toBe(22 * 60 + 30);
    expect(minutesInZone(new Date("2026-07-03T21:30:00Z"), "Europe/Berlin")).toBe(23 * 60 + 30);
    expect(minutesInZone(new Date("2026-12-03T21:30:00Z"), "UTC")).toBe(21 * 60 + 30);
  });

  it("wrap midnight: on from start (included) to end (excluded)", () => {
    expect(isQuietAt(berlin, new Date("2026-12-03T20:59:00Z"))).toBe(false); // 21:59 in Berlin
    expect(isQuietAt(berlin, new Date("2026-12-03T21:00:00Z"))).toBe(true); // 22:00
    expect(isQuietAt(berlin, new Date("2026-12-04T02:00:00Z"))).toBe(true); // 03:00
    expect(isQuietAt(berlin, new Date("2026-12-04T05:59:00Z"))).toBe(true); // 06:59
    expect(isQuietAt(berlin, new Date("2026-12-04T06:00:00Z"))).toBe(false); // 07:00
  });

  it("within one day, in UTC when no zone is set, and never when off", () => {
    const lunch = { timeZone: null, quietHours: { start: "12:00", end: "13:30" } };
    expect(isQuietAt(lunch, new Date("2026-12-03T11:59:00Z"))).toBe(false);
    expect(isQuietAt(lunch, new Date("2026-12-03T12:00:00Z"))).toBe(true);
    expect(isQuietAt(lunch, new Date("2026-12-03T13:30:00Z"))).toBe(false);
    expect(isQuietAt({ timeZone: "Europe/Berlin", quietHours: null }, new Date("2026-12-04T02:00:00Z"))).toBe(
      false,
    );
  });

  it("shows times in the user's zone, UTC by default, and as <t:…> on Discord", () => {
    expect(displayFor("telegram", berlin)).toEqual({ kind: "zone", timeZone: "Europe/Berlin" });
    expect(displayFor("console", { timeZone: null, quietHours: null })).toEqual({
      kind: "zone",
      timeZone: "UTC",
    });
    expect(displayFor("discord", berlin)).toEqual({ kind: "discord" });
  });
});
