/**
 * How a reader sees a point in time. Telegram and the console say it in the user's IANA zone (UTC until the user
 * picks one); Discord sends `<t:…>` timestamps that each Discord client renders in its own user's local time.
 */
export type TimeDisplay = { kind: "zone"; timeZone: string } | { kind: "discord" };

export const UTC_DISPLAY: TimeDisplay = { kind: "zone", timeZone: "UTC" };

/** One formatter per zone: building an Intl.DateTimeFormat costs far more than using one. */
const ZONE_FORMATS = new Map<string, Intl.DateTimeFormat>();
function zoneFormat(timeZone: string): Intl.DateTimeFormat {
  let format = ZONE_FORMATS.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      timeZoneName: "short",
    });
    ZONE_FORMATS.set(timeZone, format);
  }
  return format;
}

/** `2026-12-03 15:05 GMT+1` (or `… UTC`) in a zone; `<t:1796310300:f>` on Discord. */
export function formatTime(at: Date | string | number, display: TimeDisplay): string {
  const when = at instanceof Date ? at : new Date(at);
  if (display.kind === "discord") return `<t:${Math.floor(when.getTime() / 1000)}:f>`;
  const parts = Object.fromEntries(
    zoneFormat(display.timeZone)
      .formatToParts(when)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${parts.timeZoneName}`;
}
