import { describe, expect, it } from "vitest";
import { minuteOfTradingDay, VolumeProfile } from "./volume-profile.ts";

const MINUTE = 60_000;
const DAY = 86_400_000;
// Monday 2026-06-01, 09:30 New York (EDT, UTC-4) = 13:30 UTC: minute 570 of the New York day.
const MONDAY_OPEN = Date.UTC(2026, 5, 1, 13, 30);

describe("minuteOfTradingDay", () => {
  it("counts from the asset class's day start", () => {
    // Stock: 09:30 New York = 9*60 + 30 = 570
    expect(minuteOfTradingDay("AAPL", MONDAY_OPEN)).toBe(570);
    // Crypto: the UTC day, 13:30 = 810
    expect(minuteOfTradingDay("BINANCE:BTCUSDT", MONDAY_OPEN)).toBe(810);
    // Forex: the day starts 17:00 New York, so 09:30 New York is 16.5 hours in = 990
    expect(minuteOfTradingDay("OANDA:EUR_USD", MONDAY_OPEN)).toBe(990);
  });
});

/** Stock sessions: on weekday `d` (0 = Monday), `perMinute` at 09:30, 09:31 and 09:32 New York. */
function feedSession(profile: VolumeProfile, d: number, perMinute: [number, number, number]) {
  const weekdays = [0, 1, 2, 3, 4, 7, 8, 9, 10, 11];
  const start = MONDAY_OPEN + (weekdays[d] as number) * DAY;
  perMinute.forEach((v, m) => {
    profile.add(start + m * MINUTE + 5_000, v);
  });
}

describe("VolumeProfile", () => {
  it("averages the recorded sessions' cumulative volume by each minute of the day", () => {
    const profile = new VolumeProfile("AAPL");
    feedSession(profile, 0, [100, 50, 10]); // cumulative 100, 150, 160
    feedSession(profile, 1, [300, 0, 20]); //  cumulative 300, 300, 320
    // Tuesday is still today: one recorded session (Monday).
    expect(profile.sessions).toBe(1);
    const wednesday0931 = MONDAY_OPEN + 2 * DAY + MINUTE;
    // Wednesday: Tuesday closes too. Typical by 09:31: (150 + 300) / 2 = 225
    expect(profile.typical(wednesday0931)).toBe(225);
    expect(profile.sessions).toBe(2);
    // By 09:32: (160 + 320) / 2 = 240; and past the last minute traded the curves stay flat: still 240 at 15:00
    expect(profile.typical(wednesday0931 + MINUTE)).toBe(240);
    expect(profile.typical(wednesday0931 + 5.5 * 60 * MINUTE)).toBe(240);
    // Before 09:30 nothing traded in either session: no typical volume.
    expect(profile.typical(wednesday0931 - 2 * 60 * MINUTE)).toBeNull();
    expect(profile.today(wednesday0931)).toBe(0);
    profile.add(wednesday0931, 700);
    expect(profile.today(wednesday0931 + 1)).toBe(700);
  });

  it("needs 5 sessions and says how many it has", () => {
    const profile = new VolumeProfile("AAPL");
    for (let d = 0; d < 4; d++) feedSession(profile, d, [10, 10, 10]);
    const fridayOpen = MONDAY_OPEN + 4 * DAY;
    expect(profile.study(fridayOpen)).toEqual({
      shortOf: "volume needs 5 recorded sessions; 4 so far",
      sessions: 4,
    });
    feedSession(profile, 4, [10, 10, 10]);
    profile.add(MONDAY_OPEN + 7 * DAY + 10_000, 45);
    // Five sessions of 10 a minute: typical by 09:30 = 10; today 45
    expect(profile.study(MONDAY_OPEN + 7 * DAY + 20_000)).toEqual({ today: 45, typical: 10, sessions: 5 });
  });

  it("averages the last 20 sessions only, dropping the oldest as a day ends", () => {
    const profile = new VolumeProfile("BINANCE:BTCUSDT");
    const midnight = Date.UTC(2026, 0, 1);
    // Day i trades i+1 at 00:00 UTC, for 21 days (crypto trades every day).
    for (let i = 0; i < 21; i++) profile.add(midnight + i * DAY, i + 1);
    // The 21st day closes on the 22nd: sessions 2..21 remain, mean (2 + 21) / 2 = 11.5
    expect(profile.typical(midnight + 21 * DAY)).toBe(11.5);
    expect(profile.sessions).toBe(20);
  });

  it("ignores trades of a day that has ended, and days without volume are no session", () => {
    const profile = new VolumeProfile("AAPL");
    profile.add(MONDAY_OPEN, 0);
    profile.add(MONDAY_OPEN + DAY, 10);
    profile.add(MONDAY_OPEN, 99);
    expect(profile.today(MONDAY_OPEN + DAY)).toBe(10);
    expect(profile.sessions).toBe(0);
  });
});
