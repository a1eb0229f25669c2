import {
  DEFAULT_TIME_ZONE,
  minutesOfClockTime,
  type Platform,
  type UserSettings,
} from "@tickerbell/contracts";
import type { TimeDisplay } from "../format/time.ts";

const CLOCKS = new Map<string, Intl.DateTimeFormat>();

/** Minutes after midnight of `at` on the wall clock of `timeZone`. */
export function minutesInZone(at: Date, timeZone: string): number {
  let clock = CLOCKS.get(timeZone);
  if (!clock) {
    clock = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    CLOCKS.set(timeZone, clock);
  }
  let hour = 0;
  let minute = 0;
  for (const part of clock.formatToParts(at)) {
    if (part.type === "hour") hour = Number(part.value);
    if (part.type === "minute") minute = Number(part.value);
  }
  return hour * 60 + minute;
}

/**
 * Whether `at` falls in the user's quiet hours, read on the wall clock of their zone (UTC unless set): from
 * start (included) to end (excluded), wrapping midnight when start is later than end.
 */
export function isQuietAt(settings: UserSettings, at: Date): boolean {
  const quiet = settings.quietHours;
  if (quiet === null) return false;
  const now = minutesInZone(at, settings.timeZone ?? DEFAULT_TIME_ZONE);
  const start = minutesOfClockTime(quiet.start);
  const end = minutesOfClockTime(quiet.end);
  return start < end ? now >= start && now < end : now >= start || now < end;
}

/** How times are shown to this user: Discord renders `<t:…>` in each reader's own zone; elsewhere their zone. */
export function displayFor(platform: Platform, settings: UserSettings): TimeDisplay {
  if (platform === "discord") return { kind: "discord" };
  return { kind: "zone", timeZone: settings.timeZone ?? DEFAULT_TIME_ZONE };
}
