// Moves within a sliding window (`/alert AAPL moves 3% within 1h`). The window is read from whole minutes: a
// symbol's price history is kept as one high and one low per minute, and a window of W at time t covers the
// minutes from the one t - W falls in up to t's own. Minute buckets make the history small (at most 1,441 per
// symbol for a day's window), mergeable (the extremes of a minute are the same however its ticks are split or
// replayed), and the same thing the pricing service records as minute bars.
import type { WindowCondition } from "@tickerbell/contracts";
import { downFactor, type Levels, roundPrice, upFactor } from "./levels.ts";

export const WINDOW_BUCKET_MS = 60_000;
/** The longest window any alert reads (one day) plus the minute it starts in: what a history must keep. */
export const WINDOW_HISTORY_MS = 24 * 3600 * 1000 + WINDOW_BUCKET_MS;

export interface WindowExtremes {
  high: number;
  low: number;
}

/**
 * The price history a window condition reads: the extremes of a window of the last `windowSeconds` as of the latest
 * tick recorded (its own minute included), null before any tick in it.
 */
export interface PriceWindowView {
  windowExtremes(windowSeconds: number): WindowExtremes | null;
}

/** Start of the minute `ts` falls in. */
export function bucketStart(ts: number): number {
  return ts - (((ts % WINDOW_BUCKET_MS) + WINDOW_BUCKET_MS) % WINDOW_BUCKET_MS);
}

/** The first minute a window of `windowSeconds` reads at `ts`. */
export function windowStartOf(ts: number, windowSeconds: number): number {
  return bucketStart(ts - windowSeconds * 1000);
}

/**
 * The levels a window alert fires at, given the window's extremes: `up` at `percent` above the low, `down` at
 * `percent` below the high. Everything that evaluates a window alert calls this, so they agree bit for bit.
 */
export function windowLevels(
  direction: WindowCondition["direction"],
  percent: number,
  extremes: WindowExtremes,
): Levels {
  return {
    upper: direction === "down" ? null : windowUpperLevel(extremes.low, percent),
    lower: direction === "up" ? null : windowLowerLevel(extremes.high, percent),
  };
}

/** Where a move up fires: `percent` above the window's low. */
export function windowUpperLevel(windowLow: number, percent: number): number {
  return roundPrice(windowLow * upFactor(percent));
}

/** Where a move down fires: `percent` below the window's high. */
export function windowLowerLevel(windowHigh: number, percent: number): number {
  return roundPrice(windowHigh * downFactor(percent));
}

/** One minute of a symbol's history: its start, highest and lowest price. */
export type MinuteExtremes = readonly [start: number, high: number, low: number];

/**
 * A symbol's minute history in plain arrays: the definition the matcher's incremental windows must agree with
 * (the reference evaluator and the dry run read it by scanning). Time never runs backwards here: a tick stamped
 * before the latest minute recorded is filed under that minute, as a late trade is.
 */
export class MinuteHistory implements PriceWindowView {
  readonly #minutes: [number, number, number][] = [];
  /** The latest tick time recorded: windows end here. */
  #now = Number.NEGATIVE_INFINITY;

  /** Files a tick (its window's extremes) under its minute; answers the minute it was filed under. */
  record(ts: number, high: number, low: number): number {
    if (ts > this.#now) this.#now = ts;
    const last = this.#minutes.at(-1);
    const minute = bucketStart(this.#now);
    if (last && last[0] === minute) {
      if (high > last[1]) last[1] = high;
      if (low < last[2]) last[2] = low;
    } else {
      this.#minutes.push([minute, high, low]);
    }
    return minute;
  }

  /** Merges recorded minutes (a snapshot, or bars) in: extremes of the same minute combine. */
  merge(minutes: readonly MinuteExtremes[]): void {
    const byStart = new Map(this.#minutes.map((m) => [m[0], m] as const));
    for (const [start, high, low] of minutes) {
      const held = byStart.get(start);
      if (held) {
        held[1] = Math.max(held[1], high);
        held[2] = Math.min(held[2], low);
      } else {
        const added: [number, number, number] = [start, high, low];
        byStart.set(start, added);
        this.#minutes.push(added);
      }
    }
    this.#minutes.sort((a, b) => a[0] - b[0]);
    const latest = this.#minutes.at(-1)?.[0];
    if (latest !== undefined && latest > this.#now) this.#now = latest;
  }

  windowExtremes(windowSeconds: number): WindowExtremes | null {
    return this.extremesFrom(windowStartOf(this.#now, windowSeconds));
  }

  /** The latest minute recorded; null before any. */
  get latestMinute(): number | null {
    return this.#minutes.at(-1)?.[0] ?? null;
  }

  extremesFrom(fromMs: number): WindowExtremes | null {
    const from = bucketStart(fromMs);
    let high = Number.NEGATIVE_INFINITY;
    let low = Number.POSITIVE_INFINITY;
    for (let i = this.#minutes.length - 1; i >= 0; i--) {
      const [start, h, l] = this.#minutes[i]!;
      if (start < from) break;
      if (h > high) high = h;
      if (l < low) low = l;
    }
    return low === Number.POSITIVE_INFINITY ? null : { high, low };
  }

  /** The minutes from `fromMs`'s minute on, oldest first (a snapshot). */
  minutesFrom(fromMs: number): MinuteExtremes[] {
    const from = bucketStart(fromMs);
    return this.#minutes.filter((m) => m[0] >= from).map((m) => [m[0], m[1], m[2]] as const);
  }

  /** Forgets minutes before `fromMs`'s minute. */
  trimBefore(fromMs: number): void {
    const from = bucketStart(fromMs);
    const keep = this.#minutes.findIndex((m) => m[0] >= from);
    this.#minutes.splice(0, keep < 0 ? this.#minutes.length : keep);
  }
}
