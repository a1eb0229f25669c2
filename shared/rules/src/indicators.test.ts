import { describe, expect, it } from "vitest";
import {
  ExponentialMovingAverage,
  indicatorShortfall,
  parseStudyKey,
  SimpleMovingAverage,
  WilderRsi,
} from "./indicators.ts";

function fed<T extends { push(c: number): void }>(indicator: T, closes: number[]): T {
  for (const c of closes) indicator.push(c);
  return indicator;
}

describe("SimpleMovingAverage", () => {
  it("is the mean of the last period-1 closes and the price", () => {
    const sma = new SimpleMovingAverage(3);
    expect(sma.live(10)).toBeNull();
    sma.push(10);
    // One close of the two a 3-bar average needs besides the price: no value yet.
    expect(sma.live(13)).toBeNull();
    sma.push(11);
    // (10 + 11 + 12) / 3 = 11
    expect(sma.live(12)).toBe(11);
    sma.push(12);
    sma.push(14);
    // The ring keeps the last two closes, 12 and 14: (12 + 14 + 16) / 3 = 14
    expect(sma.live(16)).toBe(14);
    // (12 + 14 + 4) / 3 = 10
    expect(sma.live(4)).toBe(10);
    expect(sma.closed).toBe(4);
  });

  it("a 2-bar average is the last close and the price", () => {
    // (8 + 10) / 2 = 9
    expect(fed(new SimpleMovingAverage(2), [1, 2, 8]).live(10)).toBe(9);
  });
});

describe("ExponentialMovingAverage", () => {
  it("is seeded with the simple average of the first period closes, then smoothed with k = 2/(period+1)", () => {
    const ema = new ExponentialMovingAverage(3); // k = 2/4 = 0.5
    ema.push(10);
    expect(ema.live(12)).toBeNull();
    ema.push(11);
    // Two closes and the price as the third: the seed, (10 + 11 + 12) / 3 = 11
    expect(ema.live(12)).toBe(11);
    ema.push(12);
    // Seed 11; live: 11 + 0.5 * (15 - 11) = 13
    expect(ema.live(15)).toBe(13);
    ema.push(15);
    // EMA 11 + 0.5 * (15 - 11) = 13; live: 13 + 0.5 * (9 - 13) = 11
    expect(ema.live(9)).toBe(11);
    ema.push(9);
    // EMA 11; live: 11 + 0.5 * (11 - 11) = 11
    expect(ema.live(11)).toBe(11);
  });

  it("does not jump when the forming bar closes at the price it was shown at", () => {
    const ema = fed(new ExponentialMovingAverage(4), [3, 5, 7, 9, 11]);
    const before = ema.live(10);
    ema.push(10);
    // k = 2/5 = 0.4; seed (3+5+7+9)/4 = 6, then 6 + 0.4*(11-6) = 8, then 8 + 0.4*(10-8) = 8.8
    expect(before).toBeCloseTo(8.8, 12);
    // Closed at 10: 8 + 0.4*(10-8) = 8.8 is the EMA now; live at 10 again: 8.8 + 0.4*(10-8.8) = 9.28
    expect(ema.live(10)).toBeCloseTo(9.28, 12);
  });
});

describe("WilderRsi", () => {
  it("averages the first period changes, then smooths them", () => {
    const rsi = new WilderRsi(3);
    rsi.push(10);
    rsi.push(11);
    // Needs 4 closes, the price being the 4th: 2 closes are too few.
    expect(rsi.live(12)).toBeNull();
    rsi.push(13);
    // Changes +1, +2, then -1 to the price 12: gain (1+2+0)/3 = 1, loss (0+0+1)/3 = 1/3
    // RS = 3, RSI = 100 - 100/4 = 75
    expect(rsi.live(12)).toBeCloseTo(75, 12);
    rsi.push(12);
    // Seeded: gain 1, loss 1/3. Change -2 to the price 10:
    // gain (1*2 + 0)/3 = 2/3, loss (1/3*2 + 2)/3 = 8/9; RS = (2/3)/(8/9) = 0.75; RSI = 100 - 100/1.75 = 42.857142...
    expect(rsi.live(10)).toBeCloseTo(100 - 100 / 1.75, 12);
    rsi.push(10);
    // Smoothed: gain 2/3, loss 8/9. Change +4 to 14: gain (2/3*2 + 4)/3 = 16/9, loss (8/9*2)/3 = 16/27
    // RS = 3, RSI = 75
    expect(rsi.live(14)).toBeCloseTo(75, 12);
  });

  it("reads 100 after gains only, 0 after losses only, 50 when flat", () => {
    expect(fed(new WilderRsi(2), [1, 2]).live(3)).toBe(100);
    expect(fed(new WilderRsi(2), [3, 2]).live(1)).toBe(0);
    expect(fed(new WilderRsi(2), [2, 2]).live(2)).toBe(50);
  });
});

describe("parseStudyKey", () => {
  it("reads averages, RSIs and volume, and refuses periods out of range with why", () => {
    expect(parseStudyKey("sma50")).toEqual({ kind: "sma", period: 50 });
    expect(parseStudyKey("ema200")).toEqual({ kind: "ema", period: 200 });
    expect(parseStudyKey("rsi14:1h")).toEqual({ kind: "rsi", period: 14, interval: "1h" });
    expect(parseStudyKey("volume")).toEqual({ kind: "volume" });
    expect(parseStudyKey("sma1")).toEqual({ error: "sma1: a moving average spans 2 to 200 sessions" });
    expect(parseStudyKey("rsi99:1d")).toEqual({ error: "rsi99:1d: an RSI spans 2 to 50 bars" });
    expect(parseStudyKey("macd")).toEqual({
      error: "macd is not a study: use smaN, emaN, rsiN:1d, rsiN:1h or volume",
    });
  });

  it("says how much history an indicator is short of", () => {
    expect(indicatorShortfall("sma50", 23)).toBe("a 50-day simple average needs 50 daily bars; 23 recorded");
    expect(indicatorShortfall("ema200", 3)).toBe(
      "a 200-day exponential average needs 200 daily bars; 3 recorded",
    );
    expect(indicatorShortfall("rsi14:1h", 9)).toBe("a 14-hour RSI needs 15 hourly bars; 9 recorded");
  });
});
