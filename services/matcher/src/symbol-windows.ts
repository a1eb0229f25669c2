// One symbol's price history as the matcher keeps it for window alerts: the high and low of each minute of the
// last day. The rule book's MinuteHistory is the definition (it scans); this is the same thing arranged so that a
// tick costs amortised O(1) whatever the window lengths, and a window's extremes are read in O(log m):
//
// one chain per side holds the minutes that are still the highest (lowest) of every minute after them, oldest
// first. A window's high is the oldest chain minute inside the window: everything older in the window is outdone
// by it or by a later chain minute. A new minute extreme drops the chain minutes it outdoes, so every window
// length shares one chain, and a reading is a binary search for the window's first minute.
//
// A reading also says until when it holds: a window's low stays as read until a price below it arrives or its
// minute leaves the window. The index gates its window alerts on that, so a quiet tick reads nothing.
import {
  bucketStart,
  type MinuteExtremes,
  type PriceWindowView,
  WINDOW_BUCKET_MS,
  WINDOW_HISTORY_MS,
  type WindowExtremes,
  windowStartOf,
} from "@tickerbell/rules";
import {
  LINE_LATEST_HIGH,
  LINE_LATEST_LOW,
  LINE_LATEST_START,
  LINE_NOW,
  SymbolLines,
} from "./symbol-lines.ts";

/**
 * A window's extremes as of the last tick and the instants they stop holding on their own (their minute leaves
 * the window); NaN extremes and -Infinity before any tick.
 */
export interface WindowReading {
  low: number;
  lowUntil: number;
  high: number;
  highUntil: number;
}

/**
 * Minutes still the highest (lowest) of every minute after them, oldest first, as (start, extreme) pairs from
 * pair `head` on: a reading takes its extreme and the extreme's minute from the chain alone.
 */
class Chain {
  pairs: number[] = [];
  head = 0;

  clear(): void {
    this.pairs.length = 0;
    this.head = 0;
  }

  /** Drops chain minutes that start before `keepFrom` (they were forgotten). */
  dropBefore(keepFrom: number): void {
    const pairs = this.pairs;
    while (2 * this.head < pairs.length && pairs[2 * this.head]! < keepFrom) this.head++;
    // Compacted now and then, so the array does not grow with the day.
    if (this.head > 1024) {
      pairs.splice(0, 2 * this.head);
      this.head = 0;
    }
  }

  /** The oldest chain minute starting at or after `from` (its pair's index); -1 when none. */
  firstFrom(from: number): number {
    const pairs = this.pairs;
    let lo = this.head;
    let hi = pairs.length >> 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pairs[2 * mid]! < from) lo = mid + 1;
      else hi = mid;
    }
    return 2 * lo < pairs.length ? lo : -1;
  }
}

export class SymbolWindows implements PriceWindowView {
  /** The minutes held as (start, high, low) triples, oldest first from triple `#head` on. */
  readonly #minutes: number[] = [];
  #head = 0;
  /** The minute number (start / 60 s) from which the oldest minute held is too old: a small integer, unboxed. */
  #dropFromMinute = Number.MAX_SAFE_INTEGER;
  /** Minutes whose high is above every later minute's, their highs falling. */
  readonly #highChain = new Chain();
  /** Minutes whose low is below every later minute's, their lows rising. */
  readonly #lowChain = new Chain();
  #tracksAny = false;
  /**
   * The symbol's line (see symbol-lines.ts), which holds time as the history reads it (it never runs backwards: a
   * late tick joins the latest minute) and the latest minute's start and extremes.
   */
  readonly #lines: SymbolLines;
  readonly #at: number;

  /** `lines` and `at`: the symbol's line where an index keeps it; a line of its own otherwise. */
  constructor(lines?: SymbolLines, at?: number) {
    this.#lines = lines ?? new SymbolLines(1);
    this.#at = lines === undefined || at === undefined ? this.#lines.allocate() : at;
  }

  get #now(): number {
    return this.#lines.array[this.#at + LINE_NOW]!;
  }

  /**
   * Files a tick's extremes under its minute. The latest minute's extremes live on the line alone until the next
   * minute opens, a read or a checkpoint (#settleLatest): a tick inside the latest minute touches nothing else.
   */
  record(ts: number, high: number, low: number): void {
    const line = this.#lines.array;
    const at = this.#at;
    if (recordTick(line, at, ts, high, low)) return;
    const now = line[at + LINE_NOW]!;
    this.#settleLatest();
    const start = bucketStart(now);
    line[at + LINE_LATEST_START] = start;
    line[at + LINE_LATEST_HIGH] = high;
    line[at + LINE_LATEST_LOW] = low;
    this.#minutes.push(start, high, low);
    if (this.#head * 3 === this.#minutes.length - 3) this.#dropFromMinute = dropFromMinuteOf(start);
    if (now / WINDOW_BUCKET_MS >= this.#dropFromMinute) this.#dropExpired();
    admitHigh(this.#highChain, start, high);
    admitLow(this.#lowChain, start, low);
  }

  /** Brings the latest minute's extremes from the line into the minutes and the chains. */
  #settleLatest(): void {
    const minutes = this.#minutes;
    const last = minutes.length - 3;
    if (last < 3 * this.#head) return;
    const line = this.#lines.array;
    const at = this.#at;
    const high = line[at + LINE_LATEST_HIGH]!;
    const low = line[at + LINE_LATEST_LOW]!;
    if (high > minutes[last + 1]!) {
      minutes[last + 1] = high;
      admitHigh(this.#highChain, minutes[last]!, high);
    }
    if (low < minutes[last + 2]!) {
      minutes[last + 2] = low;
      admitLow(this.#lowChain, minutes[last]!, low);
    }
  }

  /** Reads a window length's extremes as of the last tick into `into` (no allocation on the tick path). */
  read(windowSeconds: number, into: WindowReading): void {
    this.#settleLatest();
    const from = windowStartOf(this.#now, windowSeconds);
    // A minute read now stops holding when the window's start passes it: at its end plus the window's length.
    const life = windowSeconds * 1000 + WINDOW_BUCKET_MS;
    const high = this.#highChain.firstFrom(from);
    const low = this.#lowChain.firstFrom(from);
    if (high < 0 || low < 0) {
      into.low = into.high = Number.NaN;
      into.lowUntil = into.highUntil = Number.NEGATIVE_INFINITY;
      return;
    }
    const highs = this.#highChain.pairs;
    const lows = this.#lowChain.pairs;
    into.high = highs[2 * high + 1]!;
    into.highUntil = highs[2 * high]! + life;
    into.low = lows[2 * low + 1]!;
    into.lowUntil = lows[2 * low]! + life;
  }

  /** The extremes of a window length as of the last tick; null before any tick in it. */
  windowExtremes(windowSeconds: number): WindowExtremes | null {
    const reading: WindowReading = { low: 0, lowUntil: 0, high: 0, highUntil: 0 };
    this.read(windowSeconds, reading);
    return Number.isNaN(reading.low) ? null : { high: reading.high, low: reading.low };
  }

  /** Whether a window alert ever joined this symbol (its history is then worth a checkpoint). */
  get tracksAny(): boolean {
    return this.#tracksAny;
  }

  /** Notes that a window alert joined the symbol. */
  track(): void {
    this.#tracksAny = true;
  }

  /** The minutes held, oldest first: what a checkpoint stores. */
  minutes(): MinuteExtremes[] {
    this.#settleLatest();
    const minutes = this.#minutes;
    const out: MinuteExtremes[] = [];
    for (let i = 3 * this.#head; i < minutes.length; i += 3)
      out.push([minutes[i]!, minutes[i + 1]!, minutes[i + 2]!] as const);
    return out;
  }

  /** Merges stored minutes in (a restart's snapshot, or recorded bars): extremes of one minute combine. */
  merge(minutes: readonly MinuteExtremes[]): void {
    if (minutes.length === 0) return;
    const byStart = new Map<number, [number, number]>();
    for (const [start, high, low] of [...this.minutes(), ...minutes]) {
      const held = byStart.get(start);
      byStart.set(start, held ? [Math.max(held[0], high), Math.min(held[1], low)] : [high, low]);
    }
    const starts = [...byStart.keys()].sort((a, b) => a - b);
    this.#minutes.length = 0;
    this.#head = 0;
    this.#highChain.clear();
    this.#lowChain.clear();
    for (const start of starts) {
      const [high, low] = byStart.get(start)!;
      this.#minutes.push(start, high, low);
      admitHigh(this.#highChain, start, high);
      admitLow(this.#lowChain, start, low);
    }
    this.#dropFromMinute = dropFromMinuteOf(starts[0]!);
    const line = this.#lines.array;
    const at = this.#at;
    line[at + LINE_NOW] = Math.max(this.#now, starts.at(-1)!);
    this.#dropExpired();
    const last = this.#minutes.length - 3;
    line[at + LINE_LATEST_START] = this.#minutes[last]!;
    line[at + LINE_LATEST_HIGH] = this.#minutes[last + 1]!;
    line[at + LINE_LATEST_LOW] = this.#minutes[last + 2]!;
  }

  /** Forgets minutes no window can read any more (older than a day and a minute). */
  #dropExpired(): void {
    const keepFrom = bucketStart(this.#now - WINDOW_HISTORY_MS);
    const minutes = this.#minutes;
    // The latest minute is never dropped: time never runs backwards past it.
    while (3 * this.#head < minutes.length - 3 && minutes[3 * this.#head]! < keepFrom) this.#head++;
    this.#dropFromMinute = dropFromMinuteOf(minutes[3 * this.#head]!);
    if (this.#head > 1024) {
      minutes.splice(0, 3 * this.#head);
      this.#head = 0;
    }
    this.#highChain.dropBefore(keepFrom);
    this.#lowChain.dropBefore(keepFrom);
  }
}

/** The minute number from which a minute starting at `start` is too old to hold (see #dropExpired). */
function dropFromMinuteOf(start: number): number {
  return Math.floor((start + WINDOW_HISTORY_MS) / WINDOW_BUCKET_MS) + 1;
}

/** A minute's high rose: chain minutes before it that it reaches are never a window's high again. */
function admitHigh(chain: Chain, start: number, high: number): void {
  const pairs = chain.pairs;
  while (pairs.length > 2 * chain.head && pairs[pairs.length - 1]! <= high) pairs.length -= 2;
  pairs.push(start, high);
}

function admitLow(chain: Chain, start: number, low: number): void {
  const pairs = chain.pairs;
  while (pairs.length > 2 * chain.head && pairs[pairs.length - 1]! >= low) pairs.length -= 2;
  pairs.push(start, low);
}

/**
 * Files a tick on the line of the symbol at `at` when it falls in the latest minute: it changes nothing but the
 * line (the time, and the minute's extremes), and the history's arrays are touched once a minute. False when the
 * tick opens a new minute: the caller hands it to the symbol's SymbolWindows.record.
 */
export function recordTick(line: Float64Array, at: number, ts: number, high: number, low: number): boolean {
  if (ts > line[at + LINE_NOW]!) line[at + LINE_NOW] = ts;
  if (line[at + LINE_NOW]! - line[at + LINE_LATEST_START]! >= WINDOW_BUCKET_MS) return false;
  recordInLatestMinute(line, at, high, low);
  return true;
}

function recordInLatestMinute(line: Float64Array, at: number, high: number, low: number): void {
  if (high > line[at + LINE_LATEST_HIGH]!) line[at + LINE_LATEST_HIGH] = high;
  if (low < line[at + LINE_LATEST_LOW]!) line[at + LINE_LATEST_LOW] = low;
}
