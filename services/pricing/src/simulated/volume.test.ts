import { minuteOfTradingDay } from "@tickerbell/rules";
import { describe, expect, it } from "vitest";
import { SimulatedFeed } from "./simulated-feed.ts";
import { SURGE_FACTOR, surgeOf } from "./volume.ts";

// Tuesday 2026-11-24, 09:30 New York (EST, UTC-5).
const TUESDAY_OPEN = Date.parse("2026-11-24T14:30:00Z");

describe("busy-day volume surges", () => {
  it("come on about a third of a symbol's days, from a minute of its session, never for forex", () => {
    let busy = 0;
    for (let d = 0; d < 300; d++) {
      const surge = surgeOf(42, "AAPL", TUESDAY_OPEN + d * 86_400_000);
      if (surge === null) continue;
      busy++;
      // 09:30 to 15:00 New York.
      expect(surge.fromMinute).toBeGreaterThanOrEqual(570);
      expect(surge.fromMinute).toBeLessThan(900);
    }
    expect(busy).toBeGreaterThan(70);
    expect(busy).toBeLessThan(130);
    expect(surgeOf(42, "OANDA:EUR_USD", TUESDAY_OPEN)).toBeNull();
  });

  it("multiply a busy day's trade sizes from the surge's minute on", () => {
    const symbol = "AAPL";
    let seed = 1;
    while (surgeOf(seed, symbol, TUESDAY_OPEN) === null) seed++;
    const surge = surgeOf(seed, symbol, TUESDAY_OPEN) as { fromMinute: number };
    const surgeAt = TUESDAY_OPEN + (surge.fromMinute - 570) * 60_000;
    const volumeOver = (from: number) => {
      const feed = new SimulatedFeed({ seed, startMs: from });
      return feed
        .advanceTo(from + 20 * 60_000)
        .filter((t) => t.symbol === symbol)
        .reduce((sum, t) => sum + (t.volume ?? 0), 0);
    };
    expect(minuteOfTradingDay(symbol, surgeAt)).toBe(surge.fromMinute);
    const quiet = volumeOver(surgeAt - 20 * 60_000);
    const busy = volumeOver(surgeAt);
    // 20 minutes of ~1000 trades each side: the ratio is SURGE_FACTOR within sampling noise.
    expect(busy / quiet).toBeGreaterThan(SURGE_FACTOR * 0.8);
    expect(busy / quiet).toBeLessThan(SURGE_FACTOR * 1.2);
  });
});
