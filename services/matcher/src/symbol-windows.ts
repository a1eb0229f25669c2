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

/** Absolute minute numbers (the minute at index i of the arrays is number i + base), oldest first. */
class Chain {
  readonly positions: number[] = [];
  head = 0;

  get empty(): boolean {
    return this.head === this.positions.length;
  }

  clear(): void {
    this.positions.length = 0;
    this.head = 0;
  }

  /** Drops chain minutes before `position` (they were forgotten). */
  dropBefore(position: number): void {
    while (this.head < this.positions.length && this.positions[this.head]! < position) this.head++;
    // Compacted now and then, so the array does not grow with the day.
    if (this.head > 1024) {
      this.positions.splice(0, this.head);
      this.head = 0;
    }
  }
}

export class SymbolWindows implements PriceWindowView {
  #base = 0;
  readonly #starts: number[] = [];
  readonly #highs: number[] = [];
  readonly #lows: number[] = [];
  /** Minutes whose high is above every later minute's, their highs falling. */
  readonly #highChain = new Chain();
  /** Minutes whose low is below every later minute's, their lows rising. */
  readonly #lowChain = new Chain();
  #tracksAny = false;
  /**
   * The symbol's line (see symbol-lines.ts), which holds time as the history reads it (it never runs backwards: a
   * late tick joins the latest minute) and the latest minute's start and extremes (the arrays' last entries).
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
    if (ts > line[at + LINE_NOW]!) line[at + LINE_NOW] = ts;
    const now = line[at + LINE_NOW]!;
    if (now - line[at + LINE_LATEST_START]! < WINDOW_BUCKET_MS) {
      recordInLatestMinute(line, at, high, low);
      return;
    }
    this.#settleLatest();
    const start = bucketStart(now);
    line[at + LINE_LATEST_START] = start;
    line[at + LINE_LATEST_HIGH] = high;
    line[at + LINE_LATEST_LOW] = low;
    this.#starts.push(start);
    this.#highs.push(high);
    this.#lows.push(low);
    this.#dropExpired();
    const position = this.#base + this.#starts.length - 1;
    this.#admitHigh(position);
    this.#admitLow(position);
  }

  /** Brings the latest minute's extremes from the line into the arrays and the chains. */
  #settleLatest(): void {
    const i = this.#starts.length - 1;
    if (i < 0) return;
    const line = this.#lines.array;
    const at = this.#at;
    if (line[at + LINE_LATEST_HIGH]! > this.#highs[i]!) {
      this.#highs[i] = line[at + LINE_LATEST_HIGH]!;
      this.#admitHigh(this.#base + i);
    }
    if (line[at + LINE_LATEST_LOW]! < this.#lows[i]!) {
      this.#lows[i] = line[at + LINE_LATEST_LOW]!;
      this.#admitLow(this.#base + i);
    }
  }

  /** Reads a window length's extremes as of the last tick into `into` (no allocation on the tick path). */
  read(windowSeconds: number, into: WindowReading): void {
    this.#settleLatest();
    const from = windowStartOf(this.#now, windowSeconds);
    // A minute read now stops holding when the window's start passes it: at its end plus the window's length.
    const life = windowSeconds * 1000 + WINDOW_BUCKET_MS;
    const high = this.#first(this.#highChain, from);
    const low = this.#first(this.#lowChain, from);
    if (high < 0 || low < 0) {
      into.low = into.high = Number.NaN;
      into.lowUntil = into.highUntil = Number.NEGATIVE_INFINITY;
      return;
    }
    into.high = this.#highs[high - this.#base]!;
    into.highUntil = this.#starts[high - this.#base]! + life;
    into.low = this.#lows[low - this.#base]!;
    into.lowUntil = this.#starts[low - this.#base]! + life;
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
    return this.#starts.map((start, i) => [start, this.#highs[i]!, this.#lows[i]!] as const);
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
    this.#starts.length = 0;
    this.#highs.length = 0;
    this.#lows.length = 0;
    for (const start of starts) {
      const [high, low] = byStart.get(start)!;
      this.#starts.push(start);
      this.#highs.push(high);
      this.#lows.push(low);
    }
    const line = this.#lines.array;
    const at = this.#at;
    line[at + LINE_NOW] = Math.max(this.#now, starts.at(-1)!);
    this.#dropExpired();
    const last = this.#starts.length - 1;
    line[at + LINE_LATEST_START] = this.#starts[last]!;
    line[at + LINE_LATEST_HIGH] = this.#highs[last]!;
    line[at + LINE_LATEST_LOW] = this.#lows[last]!;
    this.#highChain.clear();
    this.#lowChain.clear();
    for (let i = 0; i < this.#starts.length; i++) {
      this.#admitHigh(this.#base + i);
      this.#admitLow(this.#base + i);
    }
  }

  /** A minute's high rose: chain minutes before it that it reaches are never a window's high again. */
  #admitHigh(position: number): void {
    const chain = this.#highChain;
    const value = this.#highs[position - this.#base]!;
    const positions = chain.positions;
    while (
      positions.length > chain.head &&
      this.#highs[positions[positions.length - 1]! - this.#base]! <= value
    )
      positions.pop();
    positions.push(position);
  }

  #admitLow(position: number): void {
    const chain = this.#lowChain;
    const value = this.#lows[position - this.#base]!;
    const positions = chain.positions;
    while (
      positions.length > chain.head &&
      this.#lows[positions[positions.length - 1]! - this.#base]! >= value
    )
      positions.pop();
    positions.push(position);
  }

  /** The oldest chain minute starting at or after `from`; -1 when none. */
  #first(chain: Chain, from: number): number {
    const positions = chain.positions;
    let lo = chain.head;
    let hi = positions.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#starts[positions[mid]! - this.#base]! < from) lo = mid + 1;
      else hi = mid;
    }
    return lo < positions.length ? positions[lo]! : -1;
  }

  /** Forgets minutes no window can read any more (older than a day and a minute). */
  #dropExpired(): void {
    const keepFrom = bucketStart(this.#now - WINDOW_HISTORY_MS);
    let drop = 0;
    while (drop < this.#starts.length && this.#starts[drop]! < keepFrom) drop++;
    if (drop === 0) return;
    this.#starts.splice(0, drop);
    this.#highs.splice(0, drop);
    this.#lows.splice(0, drop);
    this.#base += drop;
    this.#highChain.dropBefore(this.#base);
    this.#lowChain.dropBefore(this.#base);
  }
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
