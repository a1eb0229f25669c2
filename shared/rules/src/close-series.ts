// The closes an indicator reads, bar by bar, as the pricing service builds them from a symbol's bars and ticks and
// as the dry run rebuilds them from recorded bars: one definition, so the live studies and the replayed ones agree.
import type { StudyKey } from "@tickerbell/contracts";
import type { AssetClass } from "./asset-class.ts";
import { tradingDayIn } from "./extreme.ts";
import type { Indicator } from "./indicators.ts";

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/**
 * Closes of one bar interval as ticks and bars come, with the indicators that read them. The forming bar's last
 * price closes it when the first price of a later bar comes (or a question about a later time), one push into
 * each indicator: O(1) per closed bar.
 */
export class CloseSeries {
  readonly bucketOf: (ts: number) => number;
  readonly indicators = new Map<StudyKey, Indicator>();
  #bucket = Number.NEGATIVE_INFINITY;
  #last: number | null = null;

  constructor(bucketOf: (ts: number) => number) {
    this.bucketOf = bucketOf;
  }

  /** A bar (or a price) of the bar starting at `bucket`, closing at `close` so far. */
  observeBucket(bucket: number, close: number): void {
    if (bucket < this.#bucket) return;
    this.advanceBucket(bucket);
    this.#last = close;
  }

  observe(ts: number, price: number): void {
    this.observeBucket(this.bucketOf(ts), price);
  }

  /** Closes the forming bar if `ts` is in a later one. */
  advance(ts: number): void {
    this.advanceBucket(this.bucketOf(ts));
  }

  advanceBucket(bucket: number): void {
    if (bucket <= this.#bucket) return;
    const closed = this.#last;
    if (closed !== null) for (const indicator of this.indicators.values()) indicator.push(closed);
    this.#bucket = bucket;
    this.#last = null;
  }
}

/** Daily closes: one bar per trading day of the asset class, starting at 00:00 UTC of its date (as daily bars' `t`). */
export function dailyCloses(assetClass: AssetClass): CloseSeries {
  return new CloseSeries((ts) => tradingDayIn(assetClass, ts) * DAY_MS);
}

/** Hourly closes: one bar per clock hour. */
export function hourlyCloses(): CloseSeries {
  return new CloseSeries((ts) => Math.floor(ts / HOUR_MS) * HOUR_MS);
}
