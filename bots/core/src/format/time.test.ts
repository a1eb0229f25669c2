import { describe, expect, it } from "vitest";
import { formatTime, UTC_DISPLAY } from "./time.ts";

describe("formatTime", () => {
  const at = new Date("2026-12-03T14:05:30Z");

  it("says a time in UTC by default", () => {
    expect(formatTime(at, UTC_DISPLAY)).toBe("2026-12-03 14:05 UTC");
  });

  it("says a time in the reader's zone, with the zone named", () => {
    expect(formatTime(at, { kind: "zone", timeZone: "Europe/Berlin" })).toBe("2026-12-03 15:05 GMT+1");
    expect(formatTime(at, { kind: "zone", timeZone: "Asia/Tokyo" })).toBe("2026-12-03 23:05 GMT+9");
  });

  it("gives Discord a timestamp each client renders in its own zone", () => {
    expect(formatTime(at, { kind: "discord" })).toBe(`<t:${Math.floor(at.getTime() / 1000)}:f>`);
  });

  it("says each minute right when times of different minutes and zones alternate", () => {
    const berlin = { kind: "zone", timeZone: "Europe/Berlin" } as const;
    const later = new Date("2026-12-03T14:06:00Z");
    const sameMinute = new Date("2026-12-03T14:05:59.999Z");
    expect(formatTime(at, berlin)).toBe("2026-12-03 15:05 GMT+1");
    expect(formatTime(later, berlin)).toBe("2026-12-03 15:06 GMT+1");
    expect(formatTime(later, UTC_DISPLAY)).toBe("2026-12-03 14:06 UTC");
    expect(formatTime(sameMinute, berlin)).toBe("2026-12-03 15:05 GMT+1");
    expect(formatTime("not a time", UTC_DISPLAY)).toBe("an unknown time");
    expect(formatTime(Number.NaN, { kind: "discord" })).toBe("an unknown time");
  });
});
