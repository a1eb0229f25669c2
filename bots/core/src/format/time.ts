import { wallClock } from "@tickerbell/rules";

/**
 * How a reader sees a point in time. Telegram and the console say it in the user's IANA zone (UTC until the user
 * picks one); Discord sends `<t:…>` timestamps that each Discord client renders in its own user's local time.
 */
export type TimeDisplay = { kind: "zone"; timeZone: string } | { kind: "discord" };

export const UTC_DISPLAY: TimeDisplay = { kind: "zone", timeZone: "UTC" };

/** The last minute each zone formatted: a burst of notifications names the same few minutes again and again. */
const LAST_MINUTE = new Map<string, { minute: number; text: string }>();

/** `2026-12-03 15:05 GMT+1` (or `… UTC`) in a zone; `<t:1796310300:f>` on Discord. */
export function formatTime(at: Date | string | number, display: TimeDisplay): string {
  const when = at instanceof Date ? at : new Date(at);
  // A time that is no time (an older or damaged message) is said as such, never a thrown RangeError.
  if (Number.isNaN(when.getTime())) return "an unknown time";
  if (display.kind === "discord") return `<t:${Math.floor(when.getTime() / 1000)}:f>`;
  // Every zone's offset is a whole number of minutes, so one minute reads the same throughout.
  const minute = Math.floor(when.getTime() / 60_000);
  const last = LAST_MINUTE.get(display.timeZone);
  if (last?.minute === minute) return last.text;
  const c = wallClock(when, display.timeZone);
  const text = `${c.year}-${twoDigits(c.month)}-${twoDigits(c.day)} ${twoDigits(c.hour)}:${twoDigits(c.minute)} ${c.zoneName}`;
  LAST_MINUTE.set(display.timeZone, { minute, text });
  return text;
}

/** `11:30` in a zone (the reader's: the full time beside it names the zone); `<t:…:t>` on Discord. */
export function formatTimeOfDay(at: Date | string | number, display: TimeDisplay): string {
  const when = at instanceof Date ? at : new Date(at);
  if (Number.isNaN(when.getTime())) return "an unknown time";
  if (display.kind === "discord") return `<t:${Math.floor(when.getTime() / 1000)}:t>`;
  const c = wallClock(when, display.timeZone);
  return `${twoDigits(c.hour)}:${twoDigits(c.minute)}`;
}

function twoDigits(n: number): string {
  return String(n).padStart(2, "0");
}
