// One symbol's price history as the matcher keeps it for window alerts: the high and low of each minute of the
// last day, and for each window length its alerts use, the window's extremes kept up to date as ticks arrive.
// The rule book's MinuteHistory is the definition (it scans); this is the same thing arranged so a tick costs
// amortised O(1) per window length: a monotonic deque per side holds the minutes that can still become the
// window's low (high) as older minutes leave it, so the extremes are always at the deques' fronts.
import {
  bucketStart,
  type MinuteExtremes,
  type PriceWindowView,
  WINDOW_BUCKET_MS,
  WINDOW_HISTORY_MS,
  type WindowExtremes,
  windowStartOf,
} from "@tickerbell/rules";

/** What a window alert reads of its window: the extremes now (NaN before any tick in it). */
export interface WindowView {
  readonly low: number;
  readonly high: number;
}

/** Minutes held in absolute positions: minute number `i` lives at index `i - #base` of the arrays. */
class WindowTracker implements WindowView {
  readonly windowSeconds: number;
  low = Number.NaN;
  high = Number.NaN;
  /** Absolute minute numbers with rising lows (front: the window's low). */
  readonly lows: number[] = [];
  /** Absolute minute numbers with falling highs (front: the window's high). */
  readonly highs: number[] = [];

  constructor(windowSeconds: number) {
    this.windowSeconds = windowSeconds;
  }
}

export class SymbolWindows implements PriceWindowView {
  #base = 0;
  readonly #starts: number[] = [];
  readonly #highs: number[] = [];
  readonly #lows: number[] = [];
  readonly #trackers = new Map<number, WindowTracker>();
  /** The same trackers as a list: walked on every tick, without an iterator. */
  readonly #trackerList: WindowTracker[] = [];
  /** Counts changes of any window's extremes: a reader that saw this value knows nothing moved since. */
  version = 0;
  /** Time as the history reads it: it never runs backwards (a late tick joins the latest minute). */
  #now = Number.NEGATIVE_INFINITY;

  /** Files a tick's extremes under its minute and moves every window on to it. */
  record(ts: number, high: number, low: number): void {
    if (ts > this.#now) this.#now = ts;
    const n = this.#starts.length;
    const latest = n === 0 ? Number.NEGATIVE_INFINITY : this.#starts[n - 1]!;
    const trackers = this.#trackerList;
    if (this.#now - latest >= WINDOW_BUCKET_MS) {
      // A new minute: windows may also have moved past their oldest minutes.
      this.#starts.push(bucketStart(this.#now));
      this.#highs.push(high);
      this.#lows.push(low);
      this.#dropExpired();
      const position = this.#base + this.#starts.length - 1;
      for (let t = 0; t < trackers.length; t++) {
        const tracker = trackers[t]!;
        this.#admit(tracker, position, true, true);
        this.#trimFront(tracker);
      }
      return;
    }
    const i = n - 1;
    const newHigh = high > this.#highs[i]!;
    const newLow = low < this.#lows[i]!;
    if (!newHigh && !newLow) return;
    if (newHigh) this.#highs[i] = high;
    if (newLow) this.#lows[i] = low;
    const position = this.#base + i;
    for (let t = 0; t < trackers.length; t++) this.#admit(trackers[t]!, position, newHigh, newLow);
  }

  /** The extremes of a window length as of the last tick; null before any tick in it. */
  windowExtremes(windowSeconds: number): WindowExtremes | null {
    const tracker = this.track(windowSeconds);
    return Number.isNaN(tracker.low) ? null : { high: tracker.high, low: tracker.low };
  }

  /** Whether any window length is kept (a window alert joined this symbol). */
  get tracksAny(): boolean {
    return this.#trackerList.length > 0;
  }

  /** Keeps a window length's extremes from now on (an alert with that window joined); its live view. */
  track(windowSeconds: number): WindowView {
    return this.#trackers.get(windowSeconds) ?? this.#track(windowSeconds);
  }

  /** The minutes held, oldest first: what a checkpoint stores. */
  minutes(): MinuteExtremes[] {
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
    this.#now = Math.max(this.#now, starts.at(-1)!);
    this.#dropExpired();
    for (const tracker of this.#trackerList) this.#rebuild(tracker);
  }

  #track(windowSeconds: number): WindowTracker {
    const tracker = new WindowTracker(windowSeconds);
    this.#trackers.set(windowSeconds, tracker);
    this.#trackerList.push(tracker);
    this.#rebuild(tracker);
    return tracker;
  }

  /** Builds a window length's deques from the minutes held. */
  #rebuild(tracker: WindowTracker): void {
    tracker.lows.length = 0;
    tracker.highs.length = 0;
    for (let i = 0; i < this.#starts.length; i++) this.#admit(tracker, this.#base + i, true, true);
    this.#trimFront(tracker);
  }

  /** A minute's high (low) rose (fell): minutes behind it that it outdoes can never be the extreme again. */
  #admit(tracker: WindowTracker, position: number, high: boolean, low: boolean): void {
    const i = position - this.#base;
    if (high) {
      const value = this.#highs[i]!;
      const deque = tracker.highs;
      while (deque.length > 0 && this.#highs[deque[deque.length - 1]! - this.#base]! <= value) deque.pop();
      deque.push(position);
      const front = this.#highs[deque[0]! - this.#base]!;
      if (front !== tracker.high) {
        tracker.high = front;
        this.version++;
      }
    }
    if (low) {
      const value = this.#lows[i]!;
      const deque = tracker.lows;
      while (deque.length > 0 && this.#lows[deque[deque.length - 1]! - this.#base]! >= value) deque.pop();
      deque.push(position);
      const front = this.#lows[deque[0]! - this.#base]!;
      if (front !== tracker.low) {
        tracker.low = front;
        this.version++;
      }
    }
  }

  #trimFront(tracker: WindowTracker): void {
    const from = windowStartOf(this.#now, tracker.windowSeconds);
    const outside = (position: number) =>
      position < this.#base || this.#starts[position - this.#base]! < from;
    while (tracker.lows.length > 0 && outside(tracker.lows[0]!)) tracker.lows.shift();
    while (tracker.highs.length > 0 && outside(tracker.highs[0]!)) tracker.highs.shift();
    const low = tracker.lows[0];
    const high = tracker.highs[0];
    const windowLow = low === undefined ? Number.NaN : this.#lows[low - this.#base]!;
    const windowHigh = high === undefined ? Number.NaN : this.#highs[high - this.#base]!;
    if (!Object.is(windowLow, tracker.low) || !Object.is(windowHigh, tracker.high)) {
      tracker.low = windowLow;
      tracker.high = windowHigh;
      this.version++;
    }
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
  }
}
