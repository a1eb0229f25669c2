import { describe, expect, it } from "vitest";
import { matchPairs, mergeMatches, type PairListing } from "./pair-search.ts";

const listing = (symbol: string, displaySymbol: string, description: string): PairListing => ({
  symbol,
  displaySymbol,
  description,
});

const LISTINGS = [
  listing("BINANCE:ETHBTC", "ETH/BTC", "Binance ETHBTC"),
  listing("BINANCE:BTCUSDT", "BTC/USDT", "Binance BTCUSDT"),
  listing("COINBASE:BTC-USD", "BTC/USD", "Coinbase BTC-USD"),
  listing("OANDA:EUR_USD", "EUR/USD", "Oanda EUR/USD"),
  // Finnhub lists some pairs Tickerbell could not take (a slash in the symbol): never offered.
  listing("FXCM:EUR/USD", "EUR/USD", "FXCM EUR/USD"),
];

describe("matchPairs", () => {
  it("ranks the exact pair first, then pairs starting with what was typed, then names", () => {
    expect(matchPairs(LISTINGS, "btcusd").map((m) => m.symbol)).toEqual([
      "COINBASE:BTC-USD",
      "BINANCE:BTCUSDT",
    ]);
    // ETH/BTC holds BTC too, by its name: after the pairs that start with it.
    expect(matchPairs(LISTINGS, "btc").map((m) => m.symbol)).toEqual([
      "BINANCE:BTCUSDT",
      "COINBASE:BTC-USD",
      "BINANCE:ETHBTC",
    ]);
    expect(matchPairs(LISTINGS, "eur/usd")).toEqual([
      { symbol: "OANDA:EUR_USD", description: "Oanda EUR/USD", type: "Forex" },
    ]);
    expect(matchPairs(LISTINGS, "coinbase").map((m) => m.symbol)).toEqual(["COINBASE:BTC-USD"]);
    expect(matchPairs(LISTINGS, "binance:eth").map((m) => m.symbol)).toEqual(["BINANCE:ETHBTC"]);
    expect(matchPairs(LISTINGS, "  ")).toEqual([]);
    // One or two letters match pairs, not names ("a" is in nearly every exchange's name).
    expect(matchPairs(LISTINGS, "a")).toEqual([]);
    expect(matchPairs(LISTINGS, "et").map((m) => m.symbol)).toEqual(["BINANCE:ETHBTC"]);
    expect(matchPairs(LISTINGS, "btc", 1)).toHaveLength(1);
  });
});

describe("mergeMatches", () => {
  const stock = (symbol: string) => ({ symbol, description: symbol, type: "Common Stock" });
  const pair = (symbol: string) => ({ symbol, description: symbol, type: "Crypto" });

  it("puts an exact hit first, keeps at most ten stocks beside the pairs, and leaves stocks alone without pairs", () => {
    const stocks = Array.from({ length: 15 }, (_, i) => stock(`BTC${String.fromCharCode(65 + i)}`));
    expect(mergeMatches("btc", stocks, [])).toBe(stocks);
    const merged = mergeMatches("btcc", stocks, [pair("BINANCE:BTCUSDT")]);
    expect(merged[0]?.symbol).toBe("BTCC");
    expect(merged).toHaveLength(11);
    expect(merged.at(-1)?.symbol).toBe("BINANCE:BTCUSDT");
    expect(new Set(merged.map((m) => m.symbol)).size).toBe(merged.length);
  });
});
