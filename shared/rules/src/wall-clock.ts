// A point in time as the clock on the wall of a zone reads it: the one place the project asks Intl for it
// (the bots' time display and quiet hours, the earnings moments).

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** The zone's short name at that instant: `EST`, `GMT+1`, `UTC`. */
  zoneName: string;
}

/** One formatter per zone: building an Intl.DateTimeFormat costs far more than using one. */
const FORMATS = new Map<string, Intl.DateTimeFormat>();

/** Throws a RangeError for a zone the runtime does not know. */
function formatIn(timeZone: string): Intl.DateTimeFormat {
  let format = FORMATS.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      timeZoneName: "short",
    });
    FORMATS.set(timeZone, format);
  }
  return format;
}

export function wallClock(at: number | Date, timeZone: string): WallClock {
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const { type, value } of formatIn(timeZone).formatToParts(at)) parts[type] = value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    zoneName: parts.timeZoneName ?? timeZone,
  };
}

/** Whether the runtime's time zone database has this IANA name (a stored one may be newer than it). */
export function isKnownZone(timeZone: string): boolean {
  try {
    formatIn(timeZone);
    return true;
  } catch {
    return false;
  }
}
