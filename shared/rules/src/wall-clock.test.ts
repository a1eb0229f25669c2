import { describe, expect, it } from "vitest";
import { isKnownZone, wallClock } from "./wall-clock.ts";

describe("wallClock", () => {
  it("reads an instant on the clock of a zone, with the zone's short name", () => {
    expect(wallClock(Date.parse("2026-12-03T23:05:09Z"), "Europe/Berlin")).toEqual({
      year: 2026,
      month: 12,
      day: 4,
      hour: 0,
      minute: 5,
      second: 9,
      zoneName: "GMT+1",
    });
    expect(wallClock(new Date("2026-12-03T00:35:00Z"), "Asia/Kolkata")).toMatchObject({ hour: 6, minute: 5 });
  });

  it("follows daylight saving time: the same UTC hour reads an hour apart in March and in January", () => {
    expect(wallClock(Date.parse("2026-01-15T14:00:00Z"), "America/New_York")).toMatchObject({
      hour: 9,
      zoneName: "EST",
    });
    expect(wallClock(Date.parse("2026-03-09T14:00:00Z"), "America/New_York")).toMatchObject({
      hour: 10,
      zoneName: "EDT",
    });
  });

  it("says midnight as hour 0, never 24", () => {
    expect(wallClock(Date.parse("2026-12-03T00:00:00Z"), "UTC")).toMatchObject({
      day: 3,
      hour: 0,
      minute: 0,
    });
  });
});

describe("isKnownZone", () => {
  it("knows the runtime's IANA zones and nothing else", () => {
    expect(isKnownZone("Europe/Paris")).toBe(true);
    expect(isKnownZone("Mars/Olympus_Mons")).toBe(false);
  });
});
