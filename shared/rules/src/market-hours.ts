import { assetClassOf } from "./asset-class.ts";

// US trading hours: the regular session 9:30-16:00 America/New_York (pre-market from 4:00, post-market to 20:00),
// Monday to Friday, except NYSE full-day closures.
// Computed from the exchange's holiday rules (no time zone database needed), plus a table of one-off closures.
// Early closes (13:00 on some holiday eves) are not modelled: no regular-session trades print after them.

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const OPEN_MINUTE = 9 * 60 + 30;
const CLOSE_MINUTE = 16 * 60;

/** Closures decided case by case (national days of mourning), as New York dates. */
const SPECIAL_CLOSURES = ["2025-01-09"];

function isoDate(year: number, month0: number, day: number): string {
  return `${year}-${String(month0 + 1).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

function weekdayOf(year: number, month0: number, day: number): number {
  return new Date(Date.UTC(year, month0, day)).getUTCDay();
}

/** Day of month of the nth (1-based) given weekday (0 = Sunday) of a month. */
function nthWeekday(year: number, month0: number, weekday: number, n: number): number {
  const first = weekdayOf(year, month0, 1);
  return 1 + ((weekday - first + 7) % 7) + (n - 1) * 7;
}

function lastWeekday(year: number, month0: number, weekday: number): number {
  const lastDay = new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
  const last = weekdayOf(year, month0, lastDay);
  return lastDay - ((last - weekday + 7) % 7);
}

/** Gregorian Easter Sunday (anonymous Gregorian algorithm) as [month0, day]. */
function easterSunday(year: number): [number, number] {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return [month - 1, day];
}

/** A fixed-date holiday moves to Friday when it falls on Saturday and to Monday when on Sunday. */
function observed(year: number, month0: number, day: number): string {
  const date = new Date(Date.UTC(year, month0, day));
  const weekday = date.getUTCDay();
  if (weekday === 6) date.setUTCDate(day - 1);
  if (weekday === 0) date.setUTCDate(day + 1);
  return isoDate(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
}

/** NYSE full-day holidays of a year, as sorted New York dates (YYYY-MM-DD). */
export function nyseHolidays(year: number): string[] {
  const days: string[] = [];
  // New Year's Day falling on a Saturday is not observed on the Friday before (NYSE rule: that Friday closes a year).
  if (weekdayOf(year, 0, 1) !== 6) days.push(observed(year, 0, 1));
  days.push(isoDate(year, 0, nthWeekday(year, 0, 1, 3))); // Martin Luther King Jr. Day
  days.push(isoDate(year, 1, nthWeekday(year, 1, 1, 3))); // Washington's Birthday
  const [easterMonth, easterDay] = easterSunday(year);
  const goodFriday = new Date(Date.UTC(year, easterMonth, easterDay - 2));
  days.push(isoDate(year, goodFriday.getUTCMonth(), goodFriday.getUTCDate()));
  days.push(isoDate(year, 4, lastWeekday(year, 4, 1))); // Memorial Day
  if (year >= 2022) days.push(observed(year, 5, 19)); // Juneteenth
  days.push(observed(year, 6, 4)); // Independence Day
  days.push(isoDate(year, 8, nthWeekday(year, 8, 1, 1))); // Labor Day
  days.push(isoDate(year, 10, nthWeekday(year, 10, 4, 4))); // Thanksgiving
  days.push(observed(year, 11, 25)); // Christmas
  for (const special of SPECIAL_CLOSURES) if (special.startsWith(`${year}-`)) days.push(special);
  return days.sort();
}

/** UTC offset of New York at `utcMs`: EDT (-4h) from the 2nd Sunday of March 07:00 UTC to the 1st Sunday of November 06:00 UTC. */
export function newYorkOffsetMs(utcMs: number): number {
  const year = new Date(utcMs).getUTCFullYear();
  const dstStart = Date.UTC(year, 2, nthWeekday(year, 2, 0, 2), 7);
  const dstEnd = Date.UTC(year, 10, nthWeekday(year, 10, 0, 1), 6);
  return utcMs >= dstStart && utcMs < dstEnd ? -4 * HOUR_MS : -5 * HOUR_MS;
}

const holidaysByYear = new Map<number, Set<string>>();
function isHoliday(year: number, date: string): boolean {
  let set = holidaysByYear.get(year);
  if (!set) {
    set = new Set(nyseHolidays(year));
    holidaysByYear.set(year, set);
  }
  return set.has(date);
}

/**
 * Answers "is this instant inside US regular trading hours?" Ticks arrive in time order, so the answer is
 * cached for the New York day of the last question: a tick costs two comparisons.
 */
export class MarketClock {
  #dayStart = 0;
  #dayEnd = -1;
  #open = 0;
  #close = 0;

  isRegularHours(utcMs: number): boolean {
    if (utcMs < this.#dayStart || utcMs >= this.#dayEnd) this.#loadDay(utcMs);
    return utcMs >= this.#open && utcMs < this.#close;
  }

  #loadDay(utcMs: number): void {
    const offset = newYorkOffsetMs(utcMs);
    const local = new Date(utcMs + offset);
    const y = local.getUTCFullYear();
    const m = local.getUTCMonth();
    const d = local.getUTCDate();
    const localMidnight = Date.UTC(y, m, d);
    // The session is far from the 02:00 DST switch, so the offset at noon holds for the open and the close.
    // The day bounds may be an hour off on a switch day; both sides of such an error are closed hours anyway.
    const noonOffset = newYorkOffsetMs(localMidnight + 12 * HOUR_MS - offset);
    this.#dayStart = localMidnight - noonOffset;
    this.#dayEnd = this.#dayStart + DAY_MS;
    if (utcMs < this.#dayStart) this.#dayStart = utcMs;
    if (utcMs >= this.#dayEnd) this.#dayEnd = utcMs + 1;
    const weekday = local.getUTCDay();
    if (weekday === 0 || weekday === 6 || isHoliday(y, isoDate(y, m, d))) {
      this.#open = this.#close = 0;
      return;
    }
    this.#open = localMidnight + OPEN_MINUTE * MINUTE_MS - noonOffset;
    this.#close = localMidnight + CLOSE_MINUTE * MINUTE_MS - noonOffset;
  }
}

const sharedClock = new MarketClock();
export function isRegularHours(utcMs: number): boolean {
  return sharedClock.isRegularHours(utcMs);
}

export type UsSession = "pre-market" | "regular" | "post-market" | null;

const PRE_MARKET_MINUTE = 4 * 60;
const POST_MARKET_END_MINUTE = 20 * 60;

/** The US equity session at an instant (null: no session, as at night, at weekends and on NYSE holidays). */
export function usSessionAt(utcMs: number): UsSession {
  const local = new Date(utcMs + newYorkOffsetMs(utcMs));
  const y = local.getUTCFullYear();
  const weekday = local.getUTCDay();
  if (weekday === 0 || weekday === 6 || isHoliday(y, isoDate(y, local.getUTCMonth(), local.getUTCDate())))
    return null;
  const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
  if (minute < PRE_MARKET_MINUTE || minute >= POST_MARKET_END_MINUTE) return null;
  if (minute < OPEN_MINUTE) return "pre-market";
  return minute < CLOSE_MINUTE ? "regular" : "post-market";
}

const FX_ROLL_MINUTE = 17 * 60;

/**
 * Whether the FX market trades at an instant: the standard FX week, from Sunday 17:00 to Friday 17:00 New York
 * time (summer and winter alike, since it follows New York's clock), holidays included.
 */
export function isForexOpen(utcMs: number): boolean {
  const local = new Date(utcMs + newYorkOffsetMs(utcMs));
  const weekday = local.getUTCDay();
  const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
  if (weekday === 6) return false;
  if (weekday === 0) return minute >= FX_ROLL_MINUTE;
  if (weekday === 5) return minute < FX_ROLL_MINUTE;
  return true;
}

/**
 * The session a symbol trades in at an instant, by its asset class: a stock's US equity session (pre-market,
 * regular, post-market); crypto always `regular` (it trades around the clock); forex `regular` through the FX
 * week. Null: that market is closed.
 */
export function sessionAt(symbol: string, utcMs: number): UsSession {
  switch (assetClassOf(symbol)) {
    case "crypto":
      return "regular";
    case "forex":
      return isForexOpen(utcMs) ? "regular" : null;
    case "stock":
      return usSessionAt(utcMs);
  }
}

/** Whether the symbol's market is open at an instant (a stock's regular session; crypto always; forex its week). */
export function isMarketOpen(symbol: string, utcMs: number): boolean {
  return sessionAt(symbol, utcMs) === "regular";
}
