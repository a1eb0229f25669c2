import {
  DEFAULT_TIME_ZONE,
  minutesOfClockTime,
  type Platform,
  type UserSettings,
} from "@tickerbell/contracts";
import { wallClock } from "@tickerbell/rules";
import type { TimeDisplay } from "../format/time.ts";

/** Minutes after midnight of `at` on the wall clock of `timeZone`. */
export function minutesInZone(at: Date, timeZone: string): number {
  const clock = wallClock(at, timeZone);
  return clock.hour * 60 + clock.minute;
}

/**
 * Whether `at` falls in the user's quiet hours, read on the wall clock of their zone (UTC unless set): from
 * start (included) to end (excluded), wrapping midnight when start is later than end.
 */
export function isQuietAt(settings: Pick<UserSettings, "timeZone" | "quietHours">, at: Date): boolean {
  const quiet = settings.quietHours;
  if (quiet === null) return false;
  const now = minutesInZone(at, settings.timeZone ?? DEFAULT_TIME_ZONE);
  const start = minutesOfClockTime(quiet.start);
  const end = minutesOfClockTime(quiet.end);
  return start < end ? now >= start && now < end : now >= start || now < end;
}

/** How times are shown to this user: Discord renders `<t:…>` in each reader's own zone; elsewhere their zone. */
export function displayFor(
  platform: Platform,
  settings: Pick<UserSettings, "timeZone" | "quietHours">,
): TimeDisplay {
  if (platform === "discord") return { kind: "discord" };
  return { kind: "zone", timeZone: settings.timeZone ?? DEFAULT_TIME_ZONE };
}
