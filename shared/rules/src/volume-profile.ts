// The volume study: today's volume so far against the average cumulative volume by the same minute of the
// trading day over the last recorded sessions. Trading days are the rule book's (tradingDayOf): a stock's New
// York day, a crypto pair's UTC day; forex pairs report no volume.
import { MIN_VOLUME_SESSIONS, type VolumeStudy } from "@tickerbell/contracts";
import { assetClassOf } from "./asset-class.ts";
import { tradingDayOf } from "./extreme.ts";
import { newYorkOffsetMs } from "./market-hours.ts";

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Minutes a trading day is indexed by (a 25-hour DST day folds its repeated hour onto the one before). */
export const MINUTES_PER_DAY = 1440;
/** The most recorded sessions a profile averages over. */
export const MAX_VOLUME_SESSIONS = 20;
/** The FX day turns at 17:00 New York, as tradingDayOf counts it. */
const FX_ROLL_SHIFT_MS = 7 * 3_600_000;

/** The minute of its trading day an instant falls in (0 at the day's start), per the symbol's asset class. */
export function minuteOfTradingDay(symbol: string, utcMs: number): number {
  const assetClass = assetClassOf(symbol);
  const local =
    assetClass === "crypto"
      ? utcMs
      : utcMs + newYorkOffsetMs(utcMs) + (assetClass === "forex" ? FX_ROLL_SHIFT_MS : 0);
  return Math.floor((((local % DAY_MS) + DAY_MS) % DAY_MS) / MINUTE_MS);
}

/**
 * A symbol's volume by time of day, fed trades (or minute bars) oldest first. It keeps today's volume per minute;
 * when a trade of a later trading day comes, the day just ended becomes a session: its cumulative curve is added
 * to the sum of the last MAX_VOLUME_SESSIONS sessions' curves (the oldest taken off), O(minutes per day) once a day.
 * A trade costs O(1); so does `typical`.
 */
export class VolumeProfile {
  readonly #symbol: string;
  readonly #maxSessions: number;
  /** Today's volume per minute of the day. */
  readonly #today = new Float64Array(MINUTES_PER_DAY);
  #todayTotal = 0;
  #day: number | null = null;
  /**
   * The recorded sessions' cumulative curves, oldest first (single precision: 20 of them are 115 KB a symbol,
   * and 7 significant digits are plenty for a typical volume), and their sum per minute.
   */
  readonly #sessions: Float32Array[] = [];
  readonly #sum = new Float64Array(MINUTES_PER_DAY);

  constructor(symbol: string, maxSessions = MAX_VOLUME_SESSIONS) {
    this.#symbol = symbol;
    this.#maxSessions = maxSessions;
  }

  /** Recorded sessions before the day of the last trade or question (at most MAX_VOLUME_SESSIONS). */
  get sessions(): number {
    return this.#sessions.length;
  }

  /** Volume traded at `utcMs`; trades of a trading day already ended are ignored. */
  add(utcMs: number, volume: number): void {
    if (!(volume > 0) || !Number.isFinite(volume)) return;
    if (!this.#roll(utcMs)) return;
    const minute = minuteOfTradingDay(this.#symbol, utcMs);
    this.#today[minute] = (this.#today[minute] as number) + volume;
    this.#todayTotal += volume;
  }

  /** Today's volume so far, as of `utcMs` (0 once `utcMs` is in a later trading day than the last trade). */
  today(utcMs: number): number {
    this.#roll(utcMs);
    return this.#todayTotal;
  }

  /**
   * The average volume from the start of the trading day to the end of `utcMs`'s minute over the recorded
   * sessions; null with none recorded or when none traded by then.
   */
  typical(utcMs: number): number | null {
    this.#roll(utcMs);
    const n = this.#sessions.length;
    if (n === 0) return null;
    const average = (this.#sum[minuteOfTradingDay(this.#symbol, utcMs)] as number) / n;
    return average > 0 ? average : null;
  }

  /** The volume study at `utcMs`, or what keeps it from having one. */
  study(utcMs: number): VolumeStudy | { shortOf: string; sessions: number } {
    this.#roll(utcMs);
    const sessions = this.sessions;
    if (sessions < MIN_VOLUME_SESSIONS)
      return {
        shortOf: `volume needs ${MIN_VOLUME_SESSIONS} recorded sessions; ${sessions} so far`,
        sessions,
      };
    const typical = this.typical(utcMs);
    if (typical === null)
      return {
        shortOf: `no volume was traded by this time of day in the last ${sessions} sessions; the typical volume starts with their first trade`,
        sessions,
      };
    return { today: this.today(utcMs), typical, sessions };
  }

  /** Moves to `utcMs`'s trading day (closing the one before as a session); false if it is an earlier day. */
  #roll(utcMs: number): boolean {
    const day = tradingDayOf(this.#symbol, utcMs);
    if (this.#day === null) {
      this.#day = day;
      return true;
    }
    if (day < this.#day) return false;
    if (day === this.#day) return true;
    if (this.#todayTotal > 0) this.#closeSession();
    this.#day = day;
    return true;
  }

  #closeSession(): void {
    // Today's per-minute volumes become its cumulative curve; the sum adds exactly what the curve keeps, so
    // taking the curve off later leaves no rounding behind.
    const curve = new Float32Array(MINUTES_PER_DAY);
    let running = 0;
    for (let m = 0; m < MINUTES_PER_DAY; m++) {
      running += this.#today[m] as number;
      curve[m] = running;
      this.#sum[m] = (this.#sum[m] as number) + (curve[m] as number);
    }
    this.#sessions.push(curve);
    if (this.#sessions.length > this.#maxSessions) {
      const oldest = this.#sessions.shift() as Float32Array;
      for (let m = 0; m < MINUTES_PER_DAY; m++)
        this.#sum[m] = (this.#sum[m] as number) - (oldest[m] as number);
    }
    this.#today.fill(0);
    this.#todayTotal = 0;
  }
}
