import { SYMBOL_PATTERN } from "@tickerbell/contracts";
import { assetClassOf } from "@tickerbell/rules";
import type { SymbolMatch } from "./ports.ts";

/** A crypto or forex pair as an exchange lists it: `BINANCE:BTCUSDT`, shown as `BTC/USDT`. */
export interface PairListing {
  symbol: string;
  displaySymbol: string;
  description: string;
}

/** The most pairs one search returns (Discord's autocomplete shows 25 choices; stocks share them). */
export const MAX_PAIR_MATCHES = 10;
/** The most stock matches kept beside pairs, so both fit one autocomplete list. */
const MAX_STOCKS_BESIDE_PAIRS = 10;

const SEPARATORS = /[-_/ ]/g;

/** The pair part of a symbol without its separators: `COINBASE:BTC-USD` -> `BTCUSD`. */
function pairKey(symbol: string): string {
  return symbol.slice(symbol.indexOf(":") + 1).replace(SEPARATORS, "");
}

/** The type a search result carries for a pair (as Finnhub's /search says "Common Stock" for a stock). */
export function pairType(symbol: string): string {
  return assetClassOf(symbol) === "forex" ? "Forex" : "Crypto";
}

/**
 * Pairs matching what a user typed, best first: `BINANCE:ETH` matches symbols starting with it; otherwise the pair
 * (`BTCUSDT`, `btc-usd`, `EUR/USD`) or its base (`BTC`, `EUR`) from the start, or (from three letters) the
 * exchange's description.
 * Listings the symbol pattern would refuse (Tickerbell could not set an alert on them) are left out.
 */
export function matchPairs(
  listings: readonly PairListing[],
  query: string,
  limit = MAX_PAIR_MATCHES,
): SymbolMatch[] {
  const q = query.trim().toUpperCase();
  if (!q) return [];
  const ranked: Array<{ listing: PairListing; rank: number; order: number }> = [];
  const key = q.replace(SEPARATORS, "");
  listings.forEach((listing, order) => {
    const symbol = listing.symbol.toUpperCase();
    if (!SYMBOL_PATTERN.test(symbol)) return;
    let rank: number;
    if (q.includes(":")) rank = symbol === q ? 0 : symbol.startsWith(q) ? 1 : -1;
    else {
      const own = pairKey(symbol);
      if (key.length > 0 && own === key) rank = 0;
      else if (key.length > 0 && own.startsWith(key)) rank = 1;
      else if (listing.displaySymbol.toUpperCase().startsWith(q)) rank = 1;
      // By name only from three letters: "a" is in nearly every exchange's name.
      else if (q.length >= 3 && listing.description.toUpperCase().includes(q)) rank = 2;
      else rank = -1;
    }
    if (rank >= 0) ranked.push({ listing, rank, order });
  });
  return ranked
    .sort((a, b) => a.rank - b.rank || a.order - b.order)
    .slice(0, limit)
    .map(({ listing }) => ({
      symbol: listing.symbol.toUpperCase(),
      description: listing.description,
      type: pairType(listing.symbol),
    }));
}

/**
 * Stock matches and pair matches in one list: an exact hit of either first, then up to ten of each (stocks
 * first), so neither crowds the other out of an autocomplete. Without pairs the stocks come back unchanged.
 */
export function mergeMatches(query: string, stocks: SymbolMatch[], pairs: SymbolMatch[]): SymbolMatch[] {
  if (pairs.length === 0) return stocks;
  const q = query.trim().toUpperCase();
  const exact = [...stocks, ...pairs].filter((m) => m.symbol === q);
  const seen = new Set(exact.map((m) => m.symbol));
  const out = [...exact];
  for (const m of [...stocks.slice(0, MAX_STOCKS_BESIDE_PAIRS), ...pairs]) {
    if (seen.has(m.symbol)) continue;
    seen.add(m.symbol);
    out.push(m);
  }
  return out;
}
