// Each book's heap tops and gates side by side in one Float64Array, a row of 32 doubles (four cache lines) per
// book. The heaps and trailing books of a book write their top here whenever it changes, so a tick that gets past
// the book's quiet zone learns which of them to touch, and the gates are recomputed, from this row alone: reading
// a heap's top from the heap object costs two or three cache lines per heap (the object, its boxed number, the
// trailing book around it), most of them misses on all but the busiest symbols.
//
// Row layout (offsets from the book's row); an absent or empty structure's top is +Infinity:
//   TOP_UPPER .. TOP_SESSION_ENDS     the heaps' smallest keys (the lower-side heaps hold negated prices)
//   TOP_HIGH_TRACKER, TOP_LOW_TRACKER the cooling new highs' (lows') lowest peak, the lows' negated
//   TOP_TRAILING_PEAK + t             trailing book t's lowest peak (t = code - TRAIL_DOWN_PERCENT)
//   TOP_TRAILING_FIRE + t             trailing book t's fire key
//   TOP_TRAILING_FAST + t             while trailing book t is one group with an armed root, that root's key
//                                     (NaN otherwise): a new peak is then written to the row alone
//   GATE_HIGH, GATE_LOW, GATE_TIME    the book's gates (see Book)

import { FloatRows } from "./float-rows.ts";

export const TOPS_STRIDE = 32;
export const TOP_UPPER = 0;
export const TOP_LOWER = 1;
export const TOP_REARM_BELOW = 2;
export const TOP_REARM_ABOVE = 3;
export const TOP_NEW_HIGHS = 4;
export const TOP_NEW_LOWS = 5;
export const TOP_COOLDOWN = 6;
export const TOP_SESSION_ENDS = 7;
export const TOP_HIGH_TRACKER = 8;
export const TOP_LOW_TRACKER = 9;
export const TOP_TRAILING_PEAK = 10;
export const TOP_TRAILING_FIRE = 14;
export const GATE_HIGH = 18;
export const GATE_LOW = 19;
export const GATE_TIME = 20;
/** Where the trackers' fire keys go: a tracker never arms an alert, so nothing reads them. */
export const TOP_TRACKER_FIRE_UNUSED = 21;
export const TOP_TRAILING_FAST = 22;

/** The rows of every book. Holders keep this object, not `array`, which is replaced when it grows. */
export class BookTops extends FloatRows {
  constructor(rows = 64) {
    super(TOPS_STRIDE, rows);
  }

  /** A new book's row (its offset in `array`): every structure empty, every gate open to nothing. */
  allocate(): number {
    const at = this.addRow();
    this.array.fill(Number.POSITIVE_INFINITY, at, at + TOPS_STRIDE);
    this.array[at + GATE_LOW] = Number.NEGATIVE_INFINITY;
    return at;
  }
}
