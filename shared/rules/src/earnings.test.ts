import { describe, expect, it } from "vitest";
import { earningsGeneration, earningsMoments, zonedInstant } from "./earnings.ts";

const iso = (ms: number) => new Date(ms).toISOString();

describe("earnings moments", () => {
  it("after the close: 18:00 ET the day before, then 16:00 ET on the day (EST in January)", () => {
    const [eve, due] = earningsMoments("2027-01-28", "amc", null);
    expect(iso(eve!.at)).toBe("2027-01-27T23:00:00.000Z");
    expect(iso(due!.at)).toBe("2027-01-28T21:00:00.000Z");
    expect(eve!.until).toBe(due!.at);
    expect(iso(due!.until)).toBe("2027-01-29T03:00:00.000Z");
  });

  it("before the open is due at 08:00 ET, during market hours at the open; summer time is EDT", () => {
    expect(iso(earningsMoments("2027-07-29", "bmo", null)[1]!.at)).toBe("2027-07-29T12:00:00.000Z");
    expect(iso(earningsMoments("2027-07-29", "dmh", null)[1]!.at)).toBe("2027-07-29T13:30:00.000Z");
    expect(iso(earningsMoments("2027-07-29", "unknown", null)[1]!.at)).toBe("2027-07-29T12:00:00.000Z");
  });

  it("says the evening before at 18:00 in the reader's zone, and in market time for a zone it does not know", () => {
    expect(iso(earningsMoments("2027-01-28", "amc", "Europe/Berlin")[0]!.at)).toBe(
      "2027-01-27T17:00:00.000Z",
    );
    expect(iso(earningsMoments("2027-01-28", "amc", "Asia/Tokyo")[0]!.at)).toBe("2027-01-27T09:00:00.000Z");
    expect(iso(earningsMoments("2027-01-28", "amc", "Mars/Olympus")[0]!.at)).toBe("2027-01-27T23:00:00.000Z");
  });

  it("gets DST change days right and numbers each message of each release apart", () => {
    // US clocks go forward on 14 March 2027: 08:00 that morning is already EDT.
    expect(iso(zonedInstant("2027-03-14", "08:00", "America/New_York"))).toBe("2027-03-14T12:00:00.000Z");
    expect(iso(zonedInstant("2027-03-13", "18:00", "America/New_York"))).toBe("2027-03-13T23:00:00.000Z");
    expect(earningsGeneration("2027-01-28", "eve")).toBe(202701281);
    expect(earningsGeneration("2027-01-28", "due")).toBe(202701282);
  });
});
