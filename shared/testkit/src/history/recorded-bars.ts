// Price history to seed a story's database with, as the pricing service records it: flat daily closes and the
// shares of a usual day. The stories of every platform seed studies with these, so their days agree (a volume
// history in the wrong minute once made two of three stories fail every morning). Worked out here on its own,
// from New York's clock, not with the rule book the stories test.

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** A bar as the pricing service stores it (its BarPart): what its writeHistory takes. */
export interface RecordedBar {
  symbol: string;
  resolution: "1m" | "1d";
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  n: number;
  openTs: number;
  closeTs: number;
}

const NEW_YORK_OFFSET = new Intl.DateTimeFormat("en-US", {
  timeZone: "America/New_York",
  timeZoneName: "longOffset",
});

/** New York's offset from UTC at an instant, in ms (-4 or -5 hours). */
export function newYorkOffsetMs(utcMs: number): number {
  const name = NEW_YORK_OFFSET.formatToParts(utcMs).find((p) => p.type === "timeZoneName")?.value ?? "";
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  if (!match) throw new Error(`no New York offset in "${name}"`);
  const sign = match[1] === "-" ? -1 : 1;
  return sign * (Number(match[2]) * HOUR_MS + Number(match[3]) * 60_000);
}

/** 00:00 UTC of the New York date of an instant: a stock's daily bar `t`. */
export function newYorkDateOf(utcMs: number): number {
  const local = utcMs + newYorkOffsetMs(utcMs);
  return local - (((local % DAY_MS) + DAY_MS) % DAY_MS);
}

/** The instant New York's date `date` (00:00 UTC of it) begins. */
export function newYorkMidnight(date: number): number {
  // At 04:00 UTC of the date New York is still before 02:00, where its clocks change: the offset of its midnight.
  return date - newYorkOffsetMs(date + 4 * HOUR_MS);
}

/** One price all through the bar. */
export function flatBar(
  symbol: string,
  resolution: "1m" | "1d",
  t: number,
  price: number,
  volume = 1,
): RecordedBar {
  return {
    symbol,
    resolution,
    t,
    o: price,
    h: price,
    l: price,
    c: price,
    v: volume,
    n: 1,
    openTs: t,
    closeTs: t,
  };
}

/** `closes` as the daily bars of the days before `now`'s New York date, oldest first: the last is yesterday's. */
export function dailyCloseBars(symbol: string, closes: readonly number[], now = Date.now()): RecordedBar[] {
  const today = newYorkDateOf(now);
  return closes.map((close, i) => flatBar(symbol, "1d", today - (closes.length - i) * DAY_MS, close));
}

/**
 * `shares` traded in the first minute of each of the `days` days before today, at `price`: the usual volume by
 * any time of today, even just after midnight (a volume alert compares today's with the same time of earlier days).
 */
export function usualVolumeBars(
  symbol: string,
  options: { days: number; shares: number; price: number },
  now = Date.now(),
): RecordedBar[] {
  const today = newYorkDateOf(now);
  return Array.from({ length: options.days }, (_, i) => {
    const date = today - (options.days - i) * DAY_MS;
    return flatBar(symbol, "1m", newYorkMidnight(date), options.price, options.shares);
  });
}
