// When an earnings alert speaks. Report days are US/Eastern calendar days; the evening-before message goes out
// at 18:00 in the reader's own zone (US/Eastern when they set none), the due message when the results usually
// come: 08:00 ET for a release before the open, 09:30 ET (the open) during market hours, 16:00 ET after the close,
// and 08:00 ET when the hour is not announced.
import type { EarningsHour } from "@tickerbell/contracts";
import { isKnownZone, wallClock } from "./wall-clock.ts";

export const MARKET_TIME_ZONE = "America/New_York";
/** Local time of the evening-before message, in the reader's zone. */
export const EARNINGS_EVE_TIME = "18:00";
/** US/Eastern time of the due message, by the hour Finnhub gives. */
export const EARNINGS_DUE_TIME: Readonly<Record<EarningsHour, string>> = {
  bmo: "08:00",
  dmh: "09:30",
  amc: "16:00",
  unknown: "08:00",
};
/** A due message later than this (the service was down, the alert paused) is not sent: it would be stale news. */
export const EARNINGS_DUE_GRACE_MS = 6 * 3600_000;

export type EarningsMomentKind = "eve" | "due";

export interface EarningsMoment {
  moment: EarningsMomentKind;
  /** When it is due (epoch ms). */
  at: number;
  /** Not sent from this instant on (the evening message once results are due; the due one after its grace). */
  until: number;
  /** Deterministic per release and message, so the triggerId `<alertId>:<generation>` is the same on every pass. */
  generation: number;
}

/** `20270128` * 10 + 1 (evening before) or 2 (due): fits the 32-bit generation column until the year 2147. */
export function earningsGeneration(date: string, moment: EarningsMomentKind): number {
  return Number(date.replaceAll("-", "")) * 10 + (moment === "eve" ? 1 : 2);
}

/** The two messages of one release. */
export function earningsMoments(date: string, hour: EarningsHour, timeZone: string | null): EarningsMoment[] {
  const due = zonedInstant(date, EARNINGS_DUE_TIME[hour], MARKET_TIME_ZONE);
  const eve = zonedInstant(previousDay(date), EARNINGS_EVE_TIME, usableZone(timeZone));
  return [
    { moment: "eve", at: eve, until: due, generation: earningsGeneration(date, "eve") },
    {
      moment: "due",
      at: due,
      until: due + EARNINGS_DUE_GRACE_MS,
      generation: earningsGeneration(date, "due"),
    },
  ];
}

export function previousDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

/** A zone the runtime knows; a stored one it does not (an older tz database) reads as market time. */
function usableZone(timeZone: string | null): string {
  return timeZone !== null && isKnownZone(timeZone) ? timeZone : MARKET_TIME_ZONE;
}

/** How far `timeZone` is ahead of UTC at `ms`. */
function offsetMs(ms: number, timeZone: string): number {
  const c = wallClock(ms, timeZone);
  return Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute, c.second) - Math.floor(ms / 1000) * 1000;
}

/** The instant a wall-clock time of a day has in a zone (twice corrected, so DST days come out right). */
export function zonedInstant(date: string, time: string, timeZone: string): number {
  const [y, m, d] = date.split("-").map(Number);
  const [h, min] = time.split(":").map(Number);
  const wall = Date.UTC(y!, m! - 1, d!, h!, min!);
  const first = wall - offsetMs(wall, timeZone);
  return wall - offsetMs(first, timeZone);
}
