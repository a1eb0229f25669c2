// New high / new low alerts: the running extreme a trade must go beyond, where it starts, and the trading day a
// session extreme belongs to.
import type { ExtremeCondition, MarketContext } from "@tickerbell/contracts";
import { type AssetClass, assetClassOf } from "./asset-class.ts";
import { newYorkOffsetMs } from "./market-hours.ts";

const DAY_MS = 24 * 3600 * 1000;
/** The FX trading day rolls over at 17:00 New York: 7 hours before New York's midnight. */
const FX_ROLL_SHIFT_MS = 7 * 3600 * 1000;

/**
 * The trading day an instant belongs to, as a day number (days since 1970-01-01 of that day's calendar): a
 * stock's New York calendar day, a crypto pair's UTC day (it trades around the clock), a forex pair's FX day
 * (from 17:00 New York). A session high or low starts again on the first trade of the next one.
 */
export function tradingDayOf(symbol: string, utcMs: number): number {
  return tradingDayIn(assetClassOf(symbol), utcMs);
}

/** tradingDayOf for a symbol of `assetClass`: for a caller that asks per trade, the class looked up once. */
export function tradingDayIn(assetClass: AssetClass, utcMs: number): number {
  switch (assetClass) {
    case "crypto":
      return Math.floor(utcMs / DAY_MS);
    case "forex":
      return Math.floor((utcMs + newYorkOffsetMs(utcMs) + FX_ROLL_SHIFT_MS) / DAY_MS);
    case "stock":
      return Math.floor((utcMs + newYorkOffsetMs(utcMs)) / DAY_MS);
  }
}

/**
 * When the trading day of an instant ends (epoch ms): the first instant whose tradingDayOf is the next day. A
 * session high/low held since `since` starts again on the first trade at or after it; the matcher keeps its
 * session alerts ordered by it, so a tick checks the day with one comparison.
 */
export function sessionEndsAt(symbol: string, since: number): number {
  const assetClass = assetClassOf(symbol);
  if (assetClass === "crypto") return (Math.floor(since / DAY_MS) + 1) * DAY_MS;
  const shift = assetClass === "forex" ? FX_ROLL_SHIFT_MS : 0;
  const offset = newYorkOffsetMs(since);
  const nextLocalDay = (Math.floor((since + offset + shift) / DAY_MS) + 1) * DAY_MS - shift;
  // New York's offset where the next day starts (a DST switch between the two moves it by an hour).
  return nextLocalDay - newYorkOffsetMs(nextLocalDay - offset);
}

/**
 * When trading day `day` (a tradingDayOf number) starts, epoch ms: a stock's at New York midnight, a crypto pair's
 * at 00:00 UTC, a forex pair's at 17:00 New York the evening before. A daily bar labelled with the day's date
 * holds the trades from here to the next day's start.
 */
export function tradingDayStart(symbol: string, day: number): number {
  // 15:00 UTC of the date before is inside the day before on every clock (10:00 or 11:00 in New York).
  return sessionEndsAt(symbol, (day - 1) * DAY_MS + DAY_START_PROBE_MS);
}
const DAY_START_PROBE_MS = 15 * 3600 * 1000;

/** The words for a span in replies and refusals: "session" and "52-week". */
export function extremeSpanWords(span: ExtremeCondition["span"]): string {
  return span === "session" ? "session" : "52-week";
}

/**
 * Where the running extreme of a new alert starts: the session's (or the 52 weeks') high or low, pushed out to
 * the last trade when that already went beyond it (a stale range must not fire on the very next tick). Null when
 * the market context does not carry that range.
 */
export function extremeStart(condition: ExtremeCondition, market: MarketContext): number | null {
  const range =
    condition.span === "session"
      ? condition.side === "high"
        ? market.sessionHigh
        : market.sessionLow
      : condition.side === "high"
        ? market.high52w
        : market.low52w;
  if (range === undefined) return null;
  return condition.side === "high" ? Math.max(range, market.last) : Math.min(range, market.last);
}

/** Whether a trade window (its high and low) went beyond the running extreme: a new high (low) strictly. */
export function beyondExtreme(
  side: ExtremeCondition["side"],
  extreme: number,
  high: number,
  low: number,
): boolean {
  return side === "high" ? high > extreme : low < extreme;
}

/** The running extreme after a trade window: raised to its high (lowered to its low) when that went beyond. */
export function movedExtreme(
  side: ExtremeCondition["side"],
  extreme: number,
  high: number,
  low: number,
): number {
  return side === "high" ? Math.max(extreme, high) : Math.min(extreme, low);
}

/**
 * Why a 52-week high/low alert cannot be set on the symbol, or null when it can: the 52-week range comes from
 * company metrics, which crypto and forex pairs do not have (a session high/low works for them).
 */
export function yearRangeRefusal(symbol: string): string | null {
  const assetClass = assetClassOf(symbol);
  if (assetClass === "stock") return null;
  return `${symbol} is ${assetClass}: there is no 52-week range for pairs; a new session high or low works (new high).`;
}
