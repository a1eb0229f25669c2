import { describe, expect, it } from "vitest";
import { isRegularHours, MarketClock, newYorkOffsetMs, nyseHolidays, usSessionAt } from "./market-hours.ts";

// NYSE's published full-day closures.
const PUBLISHED: Record<number, string[]> = {
  2025: [
    "2025-01-01",
    "2025-01-09",
    "2025-01-20",
    "2025-02-17",
    "2025-04-18",
    "2025-05-26",
    "2025-06-19",
    "2025-07-04",
    "2025-09-01",
    "2025-11-27",
    "2025-12-25",
  ],
  2026: [
    "2026-01-01",
    "2026-01-19",
    "2026-02-16",
    "2026-04-03",
    "2026-05-25",
    "2026-06-19",
    "2026-07-03",
    "2026-09-07",
    "2026-11-26",
    "2026-12-25",
  ],
  2027: [
    "2027-01-01",
    "2027-01-18",
    "2027-02-15",
    "2027-03-26",
    "2027-05-31",
    "2027-06-18",
    "2027-07-05",
    "2027-09-06",
    "2027-11-25",
    "2027-12-24",
  ],
  2028: [
    "2028-01-17",
    "2028-02-21",
    "2028-04-14",
    "2028-05-29",
    "2028-06-19",
    "2028-07-04",
    "2028-09-04",
    "2028-11-23",
    "2028-12-25",
  ],
};

describe("nyseHolidays", () => {
  it.each(Object.entries(PUBLISHED))("matches the published calendar for %s", (year, days) => {
    expect(nyseHolidays(Number(year))).toEqual(days);
  });
});

describe("newYorkOffsetMs", () => {
  it("switches at 2:00 local on the DST Sundays", () => {
    const hour = 3_600_000;
    expect(newYorkOffsetMs(Date.parse("2026-03-08T06:59:59Z"))).toBe(-5 * hour);
    expect(newYorkOffsetMs(Date.parse("2026-03-08T07:00:00Z"))).toBe(-4 * hour);
    expect(newYorkOffsetMs(Date.parse("2026-11-01T05:59:59Z"))).toBe(-4 * hour);
    expect(newYorkOffsetMs(Date.parse("2026-11-01T06:00:00Z"))).toBe(-5 * hour);
  });

  it("agrees with the platform time zone database every 37 minutes over 2025-2028", () => {
    const format = new Intl.DateTimeFormat("en-US", {
      timeZone: "America/New_York",
      timeZoneName: "shortOffset",
    });
    for (
      let t = Date.parse("2025-01-01T00:00:00Z");
      t < Date.parse("2029-01-01T00:00:00Z");
      t += 37 * 60_000
    ) {
      const name = format.formatToParts(t).find((p) => p.type === "timeZoneName")!.value;
      expect(newYorkOffsetMs(t), new Date(t).toISOString()).toBe(
        name === "GMT-4" ? -4 * 3_600_000 : -5 * 3_600_000,
      );
    }
  });
});

describe("isRegularHours", () => {
  it.each([
    ["2026-03-03T14:29:59Z", false], // Tuesday 09:29:59 EST
    ["2026-03-03T14:30:00Z", true], // the open
    ["2026-03-03T20:59:59Z", true],
    ["2026-03-03T21:00:00Z", false], // the close is exclusive
    ["2026-03-09T13:30:00Z", true], // Monday after the switch to EDT: 09:30
    ["2026-03-09T20:30:00Z", false], // 16:30 EDT
    ["2026-07-03T15:00:00Z", false], // Independence Day observed
    ["2026-07-04T15:00:00Z", false], // Saturday
    ["2026-07-06T15:00:00Z", true],
    ["2025-01-09T15:00:00Z", false], // national day of mourning
    ["2027-12-24T15:00:00Z", false], // Christmas observed
    ["2028-01-03T15:00:00Z", true], // New Year's Day fell on a Saturday: no closure
  ])("%s -> %s", (iso, expected) => {
    expect(isRegularHours(Date.parse(iso))).toBe(expected);
  });

  it("answers the same from a fresh clock and a clock that saw other days first", () => {
    const warm = new MarketClock();
    const step = 7 * 60_000 + 13_000;
    for (let t = Date.parse("2026-10-28T00:00:00Z"); t < Date.parse("2026-11-10T00:00:00Z"); t += step) {
      expect(warm.isRegularHours(t), new Date(t).toISOString()).toBe(new MarketClock().isRegularHours(t));
    }
  });

  it("agrees with a time zone database based check on random instants", () => {
    const parts = new Intl.DateTimeFormat("en-US", {
      timeZone: "America/New_York",
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      weekday: "short",
    });
    const clock = new MarketClock();
    let seed = 12345;
    for (let i = 0; i < 5000; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const t = Date.parse("2025-01-01T00:00:00Z") + (seed % (4 * 365 * 24 * 60)) * 60_000;
      const p = Object.fromEntries(parts.formatToParts(t).map((x) => [x.type, x.value]));
      const minute = Number(p.hour) * 60 + Number(p.minute);
      const date = `${p.year}-${p.month}-${p.day}`;
      const expected =
        !["Sat", "Sun"].includes(p.weekday!) &&
        !nyseHolidays(Number(p.year)).includes(date) &&
        minute >= 570 &&
        minute < 960;
      expect(clock.isRegularHours(t), new Date(t).toISOString()).toBe(expected);
    }
  });
});

describe("usSessionAt (the session the simulated feed trades in)", () => {
  it("follows New York wall-clock time, including daylight saving", () => {
    expect(usSessionAt(Date.parse("2026-11-24T15:00:00Z"))).toBe("regular");
    expect(usSessionAt(Date.parse("2026-11-24T09:00:00Z"))).toBe("pre-market");
    expect(usSessionAt(Date.parse("2026-11-24T14:29:00Z"))).toBe("pre-market");
    expect(usSessionAt(Date.parse("2026-11-24T14:30:00Z"))).toBe("regular");
    expect(usSessionAt(Date.parse("2026-11-24T21:00:00Z"))).toBe("post-market");
    expect(usSessionAt(Date.parse("2026-11-24T23:00:00Z"))).toBe("post-market");
    expect(usSessionAt(Date.parse("2026-11-25T01:00:00Z"))).toBeNull();
    expect(usSessionAt(Date.parse("2026-11-25T04:00:00Z"))).toBeNull();
    expect(usSessionAt(Date.parse("2026-11-28T17:00:00Z"))).toBeNull();
    // July: EDT (UTC-4), so 13:30 UTC is the open.
    expect(usSessionAt(Date.parse("2026-07-14T13:30:00Z"))).toBe("regular");
    expect(usSessionAt(Date.parse("2026-07-14T13:29:00Z"))).toBe("pre-market");
  });

  it("agrees with isRegularHours, holidays included (the market is shut all day on Thanksgiving)", () => {
    expect(usSessionAt(Date.parse("2026-11-26T15:00:00Z"))).toBeNull();
    expect(usSessionAt(Date.parse("2026-11-26T10:00:00Z"))).toBeNull();
    for (
      let t = Date.parse("2026-11-20T00:00:00Z");
      t < Date.parse("2026-12-02T00:00:00Z");
      t += 7 * 60_000
    ) {
      expect(usSessionAt(t) === "regular", new Date(t).toISOString()).toBe(isRegularHours(t));
    }
  });
});
