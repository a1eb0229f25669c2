// Indicators the studies carry (moving averages and Wilder's RSI), computed incrementally: a closed bar costs
// O(1) and so does the live value with the forming bar closing at a tick's price. Every indicator needs a number
// of closes, the forming bar's price counting as the last of them.
import {
  MAX_AVERAGE_PERIOD,
  MAX_RSI_PERIOD,
  MIN_AVERAGE_PERIOD,
  MIN_RSI_PERIOD,
  type StudyKey,
} from "@tickerbell/contracts";

/** What a study key names, read once (`sma50`, `ema200`, `rsi14:1h`, `volume`). */
export type StudySpec =
  | { kind: "sma" | "ema"; period: number }
  | { kind: "rsi"; period: number; interval: "1d" | "1h" }
  | { kind: "volume" };

/** The study a key names, or why it names none (a period out of range, an unknown word). */
export function parseStudyKey(key: string): StudySpec | { error: string } {
  if (key === "volume") return { kind: "volume" };
  const average = /^(sma|ema)(\d{1,3})$/.exec(key);
  if (average) {
    const period = Number(average[2]);
    if (period < MIN_AVERAGE_PERIOD || period > MAX_AVERAGE_PERIOD)
      return {
        error: `${key}: a moving average spans ${MIN_AVERAGE_PERIOD} to ${MAX_AVERAGE_PERIOD} sessions`,
      };
    return { kind: average[1] as "sma" | "ema", period };
  }
  const rsi = /^rsi(\d{1,2}):(1d|1h)$/.exec(key);
  if (rsi) {
    const period = Number(rsi[1]);
    if (period < MIN_RSI_PERIOD || period > MAX_RSI_PERIOD)
      return { error: `${key}: an RSI spans ${MIN_RSI_PERIOD} to ${MAX_RSI_PERIOD} bars` };
    return { kind: "rsi", period, interval: rsi[2] as "1d" | "1h" };
  }
  return { error: `${key} is not a study: use smaN, emaN, rsiN:1d, rsiN:1h or volume` };
}

/** Whether a study reads hourly closes (an hourly RSI) rather than daily ones (or, for volume, minute bars). */
export function readsHourlyCloses(spec: StudySpec): boolean {
  return spec.kind === "rsi" && spec.interval === "1h";
}

/** How many closes (the forming bar's price counting as the last) a study needs before it has a value. */
export function closesNeeded(spec: Exclude<StudySpec, { kind: "volume" }>): number {
  return spec.kind === "rsi" ? spec.period + 1 : spec.period;
}

/** An indicator over closed bars, with a live value for the forming bar closing at a price. */
export interface Indicator {
  /** A bar closed at `close`. O(1). */
  push(close: number): void;
  /** The value with the forming bar closing at `price`, or null while too few bars closed. O(1). */
  live(price: number): number | null;
  /** Closed bars pushed so far. */
  readonly closed: number;
}

/**
 * Simple moving average: the mean of the last `period - 1` closes and the price. A ring of the last `period - 1`
 * closes and their running sum.
 */
export class SimpleMovingAverage implements Indicator {
  readonly #period: number;
  readonly #ring: Float64Array;
  #next = 0;
  #sum = 0;
  #closed = 0;

  constructor(period: number) {
    this.#period = period;
    this.#ring = new Float64Array(period - 1);
  }

  get closed(): number {
    return this.#closed;
  }

  push(close: number): void {
    const size = this.#ring.length;
    if (size === 0) return;
    if (this.#closed >= size) this.#sum -= this.#ring[this.#next] as number;
    this.#ring[this.#next] = close;
    this.#sum += close;
    this.#next = (this.#next + 1) % size;
    this.#closed++;
  }

  live(price: number): number | null {
    if (this.#closed < this.#period - 1) return null;
    return (this.#sum + price) / this.#period;
  }
}

/**
 * Exponential moving average with k = 2/(period+1), seeded with the simple average of the first `period` closes.
 * With `period - 1` closes the live value is that seed with the price as the `period`-th close, so the value does
 * not jump when the forming bar closes.
 */
export class ExponentialMovingAverage implements Indicator {
  readonly #period: number;
  readonly #k: number;
  #seedSum = 0;
  #ema = 0;
  #closed = 0;

  constructor(period: number) {
    this.#period = period;
    this.#k = 2 / (period + 1);
  }

  get closed(): number {
    return this.#closed;
  }

  push(close: number): void {
    this.#closed++;
    if (this.#closed < this.#period) this.#seedSum += close;
    else if (this.#closed === this.#period) this.#ema = (this.#seedSum + close) / this.#period;
    else this.#ema += this.#k * (close - this.#ema);
  }

  live(price: number): number | null {
    if (this.#closed >= this.#period) return this.#ema + this.#k * (price - this.#ema);
    if (this.#closed === this.#period - 1) return (this.#seedSum + price) / this.#period;
    return null;
  }
}

/**
 * Wilder's relative strength index: the average gain and loss of the first `period` changes, then smoothed as
 * avg = (avg·(period−1) + change)/period; RSI = 100 − 100/(1 + gain/loss). The live value takes the change to
 * the price as one more step (or as the last of the first `period` changes). Flat prices read 50.
 */
export class WilderRsi implements Indicator {
  readonly #period: number;
  #previous: number | null = null;
  #changes = 0;
  #gain = 0;
  #loss = 0;
  #closed = 0;

  constructor(period: number) {
    this.#period = period;
  }

  get closed(): number {
    return this.#closed;
  }

  push(close: number): void {
    this.#closed++;
    const previous = this.#previous;
    this.#previous = close;
    if (previous === null) return;
    const { gain, loss } = this.#step(close - previous);
    this.#gain = gain;
    this.#loss = loss;
    this.#changes++;
  }

  live(price: number): number | null {
    if (this.#previous === null || this.#changes < this.#period - 1) return null;
    const { gain, loss } = this.#step(price - this.#previous);
    if (loss === 0) return gain === 0 ? 50 : 100;
    return 100 - 100 / (1 + gain / loss);
  }

  /**
   * The averages after one more change. While seeding, `#gain`/`#loss` hold sums; the `period`-th change turns
   * them into averages; later ones smooth them.
   */
  #step(change: number): { gain: number; loss: number } {
    const up = Math.max(change, 0);
    const down = Math.max(-change, 0);
    const p = this.#period;
    if (this.#changes < p - 1) return { gain: this.#gain + up, loss: this.#loss + down };
    if (this.#changes === p - 1) return { gain: (this.#gain + up) / p, loss: (this.#loss + down) / p };
    return { gain: (this.#gain * (p - 1) + up) / p, loss: (this.#loss * (p - 1) + down) / p };
  }
}

/** The indicator a study spec names (not volume). */
export function indicatorFor(spec: Exclude<StudySpec, { kind: "volume" }>): Indicator {
  switch (spec.kind) {
    case "sma":
      return new SimpleMovingAverage(spec.period);
    case "ema":
      return new ExponentialMovingAverage(spec.period);
    case "rsi":
      return new WilderRsi(spec.period);
  }
}

/** The words for what an indicator is short of: "a 50-day simple average needs 50 daily bars; 23 recorded". */
export function indicatorShortfall(key: StudyKey, have: number): string | null {
  const spec = parseStudyKey(key);
  if ("error" in spec || spec.kind === "volume") return null;
  const need = closesNeeded(spec);
  const hourly = readsHourlyCloses(spec);
  const bars = hourly ? "hourly bars" : "daily bars";
  const what =
    spec.kind === "sma"
      ? `a ${spec.period}-day simple average`
      : spec.kind === "ema"
        ? `a ${spec.period}-day exponential average`
        : `a ${spec.period}-${hourly ? "hour" : "day"} RSI`;
  return `${what} needs ${need} ${bars}; ${have} recorded`;
}
