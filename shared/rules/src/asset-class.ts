// What a symbol is, from its exchange prefix: the one place that decides whether a symbol trades US equity hours,
// around the clock (crypto) or the FX week (forex). Symbols are as Finnhub writes them: `AAPL`, `BRK.B`,
// `BINANCE:BTCUSDT`, `COINBASE:BTC-USD`, `KRAKEN:XBTUSD`, `OANDA:EUR_USD`.

export type AssetClass = "stock" | "crypto" | "forex";

/** Crypto exchanges whose pairs Finnhub streams, as the prefix of its symbols (`BINANCE:BTCUSDT`). */
export const CRYPTO_EXCHANGES = [
  "BINANCE",
  "BITFINEX",
  "BITSTAMP",
  "COINBASE",
  "GEMINI",
  "HUOBI",
  "KRAKEN",
  "KUCOIN",
  "OKEX",
  "POLONIEX",
] as const;

/** Forex brokers whose pairs Finnhub streams, as the prefix of its symbols (`OANDA:EUR_USD`). */
export const FOREX_EXCHANGES = ["OANDA"] as const;

const CLASS_OF_EXCHANGE: ReadonlyMap<string, AssetClass> = new Map<string, AssetClass>([
  ...CRYPTO_EXCHANGES.map((e): [string, AssetClass] => [e, "crypto"]),
  ...FOREX_EXCHANGES.map((e): [string, AssetClass] => [e, "forex"]),
]);

/**
 * The asset class of a (normalised, upper-case) symbol: `crypto` or `forex` when it is prefixed by one of their
 * exchanges, `stock` otherwise (plain tickers, and anything else the symbol pattern lets through).
 */
export function assetClassOf(symbol: string): AssetClass {
  const colon = symbol.indexOf(":");
  if (colon <= 0) return "stock";
  return CLASS_OF_EXCHANGE.get(symbol.slice(0, colon).toUpperCase()) ?? "stock";
}

/** Whether trades of the symbol report a traded volume (forex quotes have none). */
export function hasVolume(symbol: string): boolean {
  return assetClassOf(symbol) !== "forex";
}

/**
 * Why `rth` (fire only in US regular trading hours) cannot be set on the symbol, or null when it can: crypto and
 * forex do not trade on the stock market's session. The chat grammar, the edit handler and the alert service all
 * ask this, so the refusal reads the same everywhere.
 */
export function regularHoursRefusal(symbol: string): string | null {
  const assetClass = assetClassOf(symbol);
  if (assetClass === "stock") return null;
  const hours =
    assetClass === "crypto"
      ? "crypto trades around the clock"
      : "forex trades from Sunday to Friday 17:00 New York";
  return `${symbol} is ${assetClass}: ${hours}, so regular-hours-only (rth) applies to stocks only; leave out rth.`;
}

/**
 * Why an earnings alert cannot be set on the symbol, or null when it can: only companies report earnings, so
 * crypto and forex pairs have none (an alert on them would wait forever).
 */
export function earningsRefusal(symbol: string): string | null {
  const assetClass = assetClassOf(symbol);
  if (assetClass === "stock") return null;
  return `${symbol} is ${assetClass}: it has no earnings releases; earnings alerts are for stocks.`;
}
