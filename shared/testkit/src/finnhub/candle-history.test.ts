import { describe, expect, it } from "vitest";
import { candleHistory } from "./candle-history.ts";

describe("candleHistory", () => {
  it("gives a year of weekday candles and minute candles of the last sessions, ending at the price", () => {
    const now = Date.UTC(2026, 5, 3, 15, 0); // Wednesday 11:00 New York (EDT)
    const { daily, minutes } = candleHistory({ now, price: 100, minuteSessions: 2, volumePerMinute: 50 });
    expect(daily).toHaveLength(260);
    // The last day is Tuesday 2 June, closing at the price (sin(0) = 0: 100 * (1 + 0 + 0)).
    expect(daily.at(-1)).toMatchObject({ t: Date.UTC(2026, 5, 2) / 1000, c: 100, v: 50 * 390 });
    expect(daily.every((d) => ![0, 6].includes(new Date(d.t * 1000).getUTCDay()))).toBe(true);
    // Two sessions of 390 minutes from 09:30 New York (13:30 UTC in June).
    expect(minutes).toHaveLength(780);
    expect(minutes[0]?.t).toBe(Date.UTC(2026, 5, 1, 13, 30) / 1000);
    expect(minutes.at(-1)).toMatchObject({ t: Date.UTC(2026, 5, 2, 19, 59) / 1000, c: 100, v: 50 });
  });
});
