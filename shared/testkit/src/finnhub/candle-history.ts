import { newYorkOffsetMs } from "../history/recorded-bars.ts";
import type { FakeCandle } from "./fake-finnhub.ts";

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

export interface CandleHistoryOptions {
  /** The history ends before this instant's New York day (today is left to the stream). */
  now: number;
  /** Where the past ends: the last close. */
  price: number;
  /** Weekdays of daily candles (default 260: a year, enough for a 200-day average). */
  days?: number;
  /** Weekdays of minute candles, 09:30-16:00 New York (default 10: more than the 5 sessions volume needs). */
  minuteSessions?: number;
  /** Shares traded a minute (default 10 000; a day's candle holds 390 of them). */
  volumePerMinute?: number;
}

/** 00:00 UTC of the New York dates of the `count` weekdays before `now`'s New York date, oldest first. */
function weekdaysBefore(now: number, count: number): number[] {
  const local = now + newYorkOffsetMs(now);
  let day = local - (local % DAY_MS);
  const out: number[] = [];
  while (out.length < count) {
    day -= DAY_MS;
    const weekday = new Date(day).getUTCDay();
    if (weekday !== 0 && weekday !== 6) out.push(day);
  }
  return out.reverse();
}

/**
 * A plausible past for a fake Finnhub symbol, deterministic: daily candles swinging a few percent around a gentle
 * trend (so averages and RSI have values that move), and minute candles of the last sessions with steady volume
 * (so a volume alert has its typical volume by each time of day). Holidays are not skipped.
 */
export function candleHistory(options: CandleHistoryOptions): { daily: FakeCandle[]; minutes: FakeCandle[] } {
  const volume = options.volumePerMinute ?? 10_000;
  const days = weekdaysBefore(options.now, options.days ?? 260);
  // Close of the i-th day back from the end: a slow sine swing of ±6% over ~40 sessions plus a faster ±2% one.
  const closeOf = (back: number) =>
    Math.round(options.price * (1 + 0.06 * Math.sin(back / 6.4) + 0.02 * Math.sin(back * 1.7)) * 100) / 100;
  const daily = days.map((t, i) => {
    const back = days.length - 1 - i;
    const c = closeOf(back);
    const o = closeOf(back + 1);
    return {
      t: t / 1000,
      o,
      h: Math.max(o, c) * 1.005,
      l: Math.min(o, c) * 0.995,
      c,
      v: volume * 390,
    };
  });
  const minutes: FakeCandle[] = [];
  const sessions = weekdaysBefore(options.now, options.minuteSessions ?? 10);
  sessions.forEach((day, s) => {
    const back = sessions.length - 1 - s;
    const open = closeOf(back + 1);
    const close = closeOf(back);
    // 09:30 New York that day (the offset at 13:30 UTC holds all session).
    const start = day + 9.5 * 3_600_000 - newYorkOffsetMs(day + 13.5 * 3_600_000);
    for (let m = 0; m < 390; m++) {
      const o = Math.round((open + ((close - open) * m) / 390) * 100) / 100;
      const c = Math.round((open + ((close - open) * (m + 1)) / 390) * 100) / 100;
      minutes.push({
        t: (start + m * MINUTE_MS) / 1000,
        o,
        h: Math.max(o, c),
        l: Math.min(o, c),
        c,
        v: volume,
      });
    }
  });
  return { daily, minutes };
}
