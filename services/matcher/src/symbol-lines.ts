// Each symbol's hot numbers side by side in one Float64Array, a line of 56 doubles (seven cache lines) per symbol:
// everything a quiet tick reads to learn that it moves nothing. A number kept in an object's field is boxed (the
// field points at a heap number elsewhere), so the same answer read from the entry, the history and the books
// cost a dozen scattered cache lines per tick, most of them misses for all but the busiest symbols.
//
// Line layout (offsets from the symbol's line):
//   LINE_NOW            the latest trade time the history has seen (it never runs backwards)
//   LINE_LATEST_START   the start of the history's latest minute, and that minute's high and low:
//   LINE_LATEST_HIGH    a tick in that minute inside them changes no history
//   LINE_LATEST_LOW
//   LINE_EXPIRY         the symbol's earliest expiry (+Infinity: none)
//   LINE_ALL_HOURS      the all-hours book's quiet zone (QUIET_* below)
//   LINE_REGULAR_HOURS  the regular-hours book's quiet zone
//   LINE_STUDY_COUNT    how many study keys the line lists (-1: more than it holds; read the books' lists)
//   LINE_STUDY_GROUPS   a slot per listed study key (STUDY_SLOT_* below), a tick reading only the slots in use
//   LINE_STUDY_GROUP_IDS  per listed key, the ids of its two groups: read only when its slot is not quiet

import { FloatRows } from "./float-rows.ts";

export const LINE_STRIDE = 56;
export const LINE_NOW = 0;
export const LINE_LATEST_START = 1;
export const LINE_LATEST_HIGH = 2;
export const LINE_LATEST_LOW = 3;
export const LINE_EXPIRY = 4;
export const LINE_ALL_HOURS = 5;
export const LINE_REGULAR_HOURS = 10;
export const LINE_STUDY_COUNT = 15;
export const LINE_STUDY_GROUPS = 16;
export const STUDY_SLOT = 4;
/** A listed key's group ids, two per key after the slots: (all-hours book's, regular-hours book's), -1 for none. */
export const STUDY_GROUP_IDS = 2;
export const LINE_STUDY_GROUPS_MAX = Math.floor(
  (LINE_STRIDE - LINE_STUDY_GROUPS) / (STUDY_SLOT + STUDY_GROUP_IDS),
);
export const LINE_STUDY_GROUP_IDS = LINE_STUDY_GROUPS + LINE_STUDY_GROUPS_MAX * STUDY_SLOT;

// A listed study key's slot: the key's number * 4 + its kind, and the quiet test of both its groups (the
// all-hours book's and the regular-hours book's) together: the first cooldown end of either and the two bounds
// combined (studyBounds), so a tick reads each study once, whichever books watch it. Four listed keys fit in two
// cache lines.
export const STUDY_SLOT_KEY = 0;
export const STUDY_SLOT_COOLDOWN_END = 1;
export const STUDY_SLOT_A = 2;
export const STUDY_SLOT_B = 3;

// A book's quiet zone: a tick with high < HIGH_BELOW, high <= HIGH_AT_MOST, low > LOW_ABOVE, low >= LOW_AT_LEAST
// and ts < UNTIL changes nothing in the book (neither its gates nor its window groups are passed).
export const QUIET_HIGH_BELOW = 0;
export const QUIET_HIGH_AT_MOST = 1;
export const QUIET_LOW_ABOVE = 2;
export const QUIET_LOW_AT_LEAST = 3;
export const QUIET_UNTIL = 4;

/** The lines of every symbol. Holders keep this object, not `array`, which is replaced when it grows. */
export class SymbolLines extends FloatRows {
  constructor(lines = 64) {
    super(LINE_STRIDE, lines);
  }

  /** A new symbol's line (its offset in `array`): no history yet, no expiry, both books quiet. */
  allocate(): number {
    const at = this.addRow();
    const a = this.array;
    a[at + LINE_NOW] = Number.NEGATIVE_INFINITY;
    a[at + LINE_LATEST_START] = Number.NEGATIVE_INFINITY;
    a[at + LINE_LATEST_HIGH] = Number.NaN;
    a[at + LINE_LATEST_LOW] = Number.NaN;
    a[at + LINE_EXPIRY] = Number.POSITIVE_INFINITY;
    writeQuietZone(a, at + LINE_ALL_HOURS, Infinity, Infinity, -Infinity, -Infinity, Infinity);
    writeQuietZone(a, at + LINE_REGULAR_HOURS, Infinity, Infinity, -Infinity, -Infinity, Infinity);
    a[at + LINE_STUDY_COUNT] = 0;
    return at;
  }
}

export function writeQuietZone(
  a: Float64Array,
  at: number,
  highBelow: number,
  highAtMost: number,
  lowAbove: number,
  lowAtLeast: number,
  until: number,
): void {
  a[at + QUIET_HIGH_BELOW] = highBelow;
  a[at + QUIET_HIGH_AT_MOST] = highAtMost;
  a[at + QUIET_LOW_ABOVE] = lowAbove;
  a[at + QUIET_LOW_AT_LEAST] = lowAtLeast;
  a[at + QUIET_UNTIL] = until;
}

/** Whether a tick is inside the quiet zone at `at` (a NaN bound is never quiet). */
export function insideQuietZone(a: Float64Array, at: number, ts: number, high: number, low: number): boolean {
  return (
    high < a[at + QUIET_HIGH_BELOW]! &&
    high <= a[at + QUIET_HIGH_AT_MOST]! &&
    low > a[at + QUIET_LOW_ABOVE]! &&
    low >= a[at + QUIET_LOW_AT_LEAST]! &&
    ts < a[at + QUIET_UNTIL]!
  );
}
