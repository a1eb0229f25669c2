// Time-axis labels. Intraday axes are read in the user's IANA zone (whole local hours, local dates); daily bars
// stand for a trading day (00:00 UTC of it), so their labels are that day's date, the same in every zone.
import { wallClock } from "@tickerbell/rules";
import type { ChartWindow } from "./windows.ts";

export interface TimeTick {
  t: number;
  label: string;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const MAX_TICKS = 8;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** The wall clock of the zone (the rule book's one reading of Intl). */
function localParts(
  t: number,
  timeZone: string,
): { month: number; day: number; hour: number; minute: number } {
  const { month, day, hour, minute } = wallClock(t, timeZone);
  return { month, day, hour, minute };
}

/** `14:05` in the zone. */
export function formatClock(t: number, timeZone: string): string {
  const { hour, minute } = localParts(t, timeZone);
  return `${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}`;
}

/**
 * Ticks at whole local hours, every 1, 2, 3, 4, 6 or 12 hours (or at local midnights), the smallest step giving
 * at most eight; a local midnight is labelled with its date. Walks quarter hours so half-hour zones work too.
 */
export function intradayTicks(from: number, to: number, timeZone: string): TimeTick[] {
  const candidates: TimeTick[] = [];
  const hours: number[] = [];
  for (let t = Math.ceil(from / (15 * MINUTE_MS)) * 15 * MINUTE_MS; t < to; t += 15 * MINUTE_MS) {
    const { month, day, hour, minute } = localParts(t, timeZone);
    if (minute !== 0) continue;
    hours.push(hour);
    candidates.push({
      t,
      label:
        hour === 0
          ? `${MONTHS[month - 1]} ${day}`
          : `${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}`,
    });
  }
  for (const step of [1, 2, 3, 4, 6, 12]) {
    const picked = candidates.filter((_, index) => (hours[index] ?? 0) % step === 0);
    if (picked.length <= MAX_TICKS) return picked;
  }
  const midnights = candidates.filter((_, index) => hours[index] === 0);
  if (midnights.length <= MAX_TICKS) return midnights;
  const every = Math.ceil(midnights.length / MAX_TICKS);
  return midnights.filter((_, index) => index % every === 0);
}

/** 1m: Mondays (`Nov 3`); 6m: the first of each month (`Jul`); 1y: every other month, January with its year. */
export function dailyTicks(from: number, to: number, window: ChartWindow): TimeTick[] {
  const ticks: TimeTick[] = [];
  for (let t = Math.ceil(from / DAY_MS) * DAY_MS; t < to; t += DAY_MS) {
    const date = new Date(t);
    const month = date.getUTCMonth();
    const day = date.getUTCDate();
    if (window === "1m") {
      if (date.getUTCDay() === 1) ticks.push({ t, label: `${MONTHS[month]} ${day}` });
    } else if (day === 1 && (window === "6m" || month % 2 === 0)) {
      ticks.push({ t, label: month === 0 ? String(date.getUTCFullYear()) : MONTHS[month]! });
    }
  }
  return ticks;
}
