import { describe, expect, it } from "vitest";
import { assetClassOf, earningsRefusal, hasVolume, regularHoursRefusal } from "./asset-class.ts";
import { isForexOpen, isMarketOpen, sessionAt } from "./market-hours.ts";

describe("assetClassOf", () => {
  it.each([
    ["AAPL", "stock"],
    ["BRK.B", "stock"],
    ["BRK-B", "stock"],
    ["BINANCE:BTCUSDT", "crypto"],
    ["COINBASE:BTC-USD", "crypto"],
    ["KRAKEN:XBTUSD", "crypto"],
    ["BITFINEX:ETHUSD", "crypto"],
    ["OANDA:EUR_USD", "forex"],
    ["OANDA:USD_JPY", "forex"],
    // An exchange prefix it does not know is not crypto or forex: it reads as a stock (a Finnhub equity venue).
    ["NASDAQ:AAPL", "stock"],
    [":BTCUSDT", "stock"],
  ])("%s is %s", (symbol, expected) => {
    expect(assetClassOf(symbol)).toBe(expected);
  });

  it("forex has no volume; stocks and crypto do", () => {
    expect(hasVolume("OANDA:EUR_USD")).toBe(false);
    expect(hasVolume("BINANCE:BTCUSDT")).toBe(true);
    expect(hasVolume("AAPL")).toBe(true);
  });
});

describe("regularHoursRefusal", () => {
  it("lets rth stay on stocks", () => {
    expect(regularHoursRefusal("AAPL")).toBeNull();
    expect(regularHoursRefusal("BRK.B")).toBeNull();
  });

  it("refuses rth on crypto and forex, saying why", () => {
    expect(regularHoursRefusal("BINANCE:BTCUSDT")).toMatch(
      /BINANCE:BTCUSDT is crypto.*around the clock.*rth/,
    );
    expect(regularHoursRefusal("OANDA:EUR_USD")).toMatch(/OANDA:EUR_USD is forex.*Sunday to Friday.*rth/);
  });
});

describe("earningsRefusal", () => {
  it("lets stocks have earnings alerts and refuses them on pairs", () => {
    expect(earningsRefusal("AAPL")).toBeNull();
    expect(earningsRefusal("BINANCE:BTCUSDT")).toBe(
      "BINANCE:BTCUSDT is crypto: it has no earnings releases; earnings alerts are for stocks.",
    );
    expect(earningsRefusal("OANDA:EUR_USD")).toMatch(/^OANDA:EUR_USD is forex: it has no earnings/);
  });
});

const at = (iso: string) => Date.parse(iso);

describe("trading hours per asset class", () => {
  // Saturday 5 December 2026, noon in New York (EST): stocks and forex are closed, crypto trades.
  const saturday = at("2026-12-05T17:00:00Z");

  it("crypto is open at every hour, weekends and NYSE holidays included", () => {
    for (const iso of [
      "2026-12-05T17:00:00Z",
      "2026-12-06T03:00:00Z",
      "2026-11-26T15:00:00Z", // Thanksgiving
      "2026-12-25T12:00:00Z", // Christmas
      "2026-03-08T07:30:00Z", // the hour New York's clock jumps
    ]) {
      expect(isMarketOpen("BINANCE:BTCUSDT", at(iso)), iso).toBe(true);
      expect(sessionAt("COINBASE:BTC-USD", at(iso)), iso).toBe("regular");
    }
  });

  it("on a Saturday only crypto trades", () => {
    expect(isMarketOpen("BINANCE:BTCUSDT", saturday)).toBe(true);
    expect(isMarketOpen("OANDA:EUR_USD", saturday)).toBe(false);
    expect(isMarketOpen("AAPL", saturday)).toBe(false);
    expect(sessionAt("OANDA:EUR_USD", saturday)).toBeNull();
    expect(sessionAt("AAPL", saturday)).toBeNull();
  });

  it.each([
    // Winter (EST, UTC-5): Friday 4 December 2026 16:59 and 17:00 New York, Sunday 6 December 16:59 and 17:00.
    ["2026-12-04T21:59:00Z", true],
    ["2026-12-04T22:00:00Z", false],
    ["2026-12-06T21:59:00Z", false],
    ["2026-12-06T22:00:00Z", true],
    // Mid-week at any hour, and on an NYSE holiday.
    ["2026-12-02T03:00:00Z", true],
    ["2026-11-26T15:00:00Z", true],
    // The week New York springs forward (Sunday 8 March 2026): Friday 6 March closes at 17:00 EST = 22:00Z,
    // Sunday 8 March opens at 17:00 EDT = 21:00Z, Friday 13 March closes at 17:00 EDT = 21:00Z.
    ["2026-03-06T21:59:00Z", true],
    ["2026-03-06T22:00:00Z", false],
    ["2026-03-08T20:59:00Z", false],
    ["2026-03-08T21:00:00Z", true],
    ["2026-03-13T20:59:00Z", true],
    ["2026-03-13T21:00:00Z", false],
    // The week it falls back (Sunday 1 November 2026): Friday 30 October closes at 17:00 EDT = 21:00Z, Sunday
    // 1 November opens at 17:00 EST = 22:00Z.
    ["2026-10-30T20:59:00Z", true],
    ["2026-10-30T21:00:00Z", false],
    ["2026-11-01T21:59:00Z", false],
    ["2026-11-01T22:00:00Z", true],
  ])("forex at %s is open: %s", (iso, expected) => {
    expect(isForexOpen(at(iso))).toBe(expected);
    expect(isMarketOpen("OANDA:EUR_USD", at(iso))).toBe(expected);
  });

  it("stocks keep the US equity session", () => {
    expect(sessionAt("AAPL", at("2026-12-04T15:00:00Z"))).toBe("regular");
    expect(sessionAt("AAPL", at("2026-12-04T13:00:00Z"))).toBe("pre-market");
    expect(sessionAt("AAPL", at("2026-12-04T22:00:00Z"))).toBe("post-market");
    expect(isMarketOpen("AAPL", at("2026-12-04T22:00:00Z"))).toBe(false);
    expect(isMarketOpen("AAPL", at("2026-11-26T15:00:00Z"))).toBe(false);
  });
});
