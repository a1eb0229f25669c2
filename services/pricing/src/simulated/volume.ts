import { assetClassOf, minuteOfTradingDay, tradingDayOf } from "@tickerbell/rules";
import { SeededRandom, seedFor } from "./prng.ts";

/** How likely a simulated symbol trades in one second of its regular session, and outside it (a stock's extended hours). */
export const TRADE_PROBABILITY = { regular: 0.85, extended: 0.08 };
/** The largest simulated trade; sizes are uniform from 1 to it. */
export const MAX_TRADE_SIZE = 500;
/** How much more trades on a busy day once its surge has begun. */
export const SURGE_FACTOR = 6;
/** The share of a symbol's trading days that are busy. */
const BUSY_DAY_SHARE = 1 / 3;

/**
 * A busy day's surge: from a seeded minute of the day (within a stock's regular session; anywhere in a crypto
 * pair's UTC day) a symbol trades SURGE_FACTOR times its usual volume, news-like, so that a try-out can see a
 * `volume 3x` alert fire (a surge from an hour into a stock's session takes today's volume past 3x the typical
 * one about an hour later). Null on a quiet day and for forex (no volume). The simulated past is quiet.
 */
export function surgeOf(seed: number, symbol: string, utcMs: number): { fromMinute: number } | null {
  const assetClass = assetClassOf(symbol);
  if (assetClass === "forex") return null;
  const day = tradingDayOf(symbol, utcMs);
  const random = new SeededRandom(seedFor(seed, `${symbol}:surge:${day}`));
  if (random.next() >= BUSY_DAY_SHARE) return null;
  // A stock's surge starts between 09:30 and 15:00 New York; crypto's any time of its UTC day.
  const [from, to] = assetClass === "stock" ? [570, 900] : [0, 1440];
  return { fromMinute: from + Math.floor(random.next() * (to - from)) };
}

/** Whether `utcMs` is inside its day's surge (for one symbol, asked once per trade: O(1) with the day's surge known). */
export function inSurge(symbol: string, surge: { fromMinute: number } | null, utcMs: number): boolean {
  return surge !== null && minuteOfTradingDay(symbol, utcMs) >= surge.fromMinute;
}
