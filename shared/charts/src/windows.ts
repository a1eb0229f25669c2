import type { BarResolution } from "@tickerbell/contracts";
import { z } from "zod";

export const ChartWindowSchema = z.enum(["1d", "5d", "1m", "6m", "1y"]);
export type ChartWindow = z.infer<typeof ChartWindowSchema>;

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** How one chart window reads the recorded bars. */
export interface WindowDefinition {
  resolution: BarResolution;
  /** Minute bars are merged into buckets this long (5d shows 5-minute bars); 1 for daily windows. */
  bucketMinutes: number;
  /** Intraday windows: how many trading days (US/Eastern calendar days that have bars) the chart shows. */
  tradingDays: number | null;
  /** Daily windows: how many calendar days back from the latest bar. */
  calendarDays: number | null;
  /** Consecutive points further apart than this are not joined: a market close or an outage stays a gap. */
  gapBreakMs: number;
  /** How far back to ask `GET /v1/bars` so weekends and holidays still leave enough trading days. */
  lookbackMs: number;
}

export const WINDOWS: Readonly<Record<ChartWindow, WindowDefinition>> = {
  "1d": {
    resolution: "1m",
    bucketMinutes: 1,
    tradingDays: 1,
    calendarDays: null,
    gapBreakMs: 30 * MINUTE_MS,
    lookbackMs: 5 * DAY_MS,
  },
  "5d": {
    resolution: "1m",
    bucketMinutes: 5,
    tradingDays: 5,
    calendarDays: null,
    gapBreakMs: 30 * MINUTE_MS,
    // The bars API serves at most 7 days of minute bars at once; a week holds 5 trading days but for a holiday.
    lookbackMs: 7 * DAY_MS,
  },
  "1m": {
    resolution: "1d",
    bucketMinutes: 1,
    tradingDays: null,
    calendarDays: 31,
    gapBreakMs: 5 * DAY_MS,
    lookbackMs: 32 * DAY_MS,
  },
  "6m": {
    resolution: "1d",
    bucketMinutes: 1,
    tradingDays: null,
    calendarDays: 183,
    gapBreakMs: 5 * DAY_MS,
    lookbackMs: 184 * DAY_MS,
  },
  "1y": {
    resolution: "1d",
    bucketMinutes: 1,
    tradingDays: null,
    calendarDays: 366,
    gapBreakMs: 5 * DAY_MS,
    lookbackMs: 367 * DAY_MS,
  },
};

/** The `GET /v1/bars/{symbol}` query that feeds a chart of `window` drawn at `now` (epoch ms). */
export function barsQuery(
  window: ChartWindow,
  now: number,
): { resolution: BarResolution; from: number; to: number } {
  const definition = WINDOWS[window];
  // `to` is exclusive: round up to the next whole minute so the bar in progress is asked for too.
  const to = Math.floor(now / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  return { resolution: definition.resolution, from: Math.max(0, to - definition.lookbackMs), to };
}
