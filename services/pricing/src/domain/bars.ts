import type { Bar, BarResolution, PriceTick } from "@tickerbell/contracts";
import { tradingDayOf, tradingDayStart } from "@tickerbell/rules";

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

/**
 * Part of one symbol's bar (possibly all of it), with the times of its first and last trade: two parts of the
 * same period merge into the bar of both, in whichever order they are written.
 */
export interface BarPart extends Bar {
  symbol: string;
  resolution: BarResolution;
  /** Time of the trade `o` is the price of. */
  openTs: number;
  /** Time of the trade `c` is the price of. */
  closeTs: number;
}

/** Start of the minute `ts` falls in. */
export function minuteStart(ts: number): number {
  return ts - (((ts % MINUTE_MS) + MINUTE_MS) % MINUTE_MS);
}

/**
 * The trading day of a symbol's instant, as the daily bar's `t`: 00:00 UTC of the date the rule book's trading day
 * bears (tradingDayOf: a stock's New York date, a crypto pair's UTC date, a forex pair's FX day from 17:00 New
 * York), so a daily bar, an average over daily closes and a session high all turn at the same instant. A US
 * session (04:00-20:00 New York) never crosses New York midnight, so a stock's bar holds one session's trades.
 */
export function tradingDay(symbol: string, ts: number): number {
  return tradingDayOf(symbol, ts) * DAY_MS;
}

/**
 * The instants a symbol's trading day spans (a stock's New York midnight to midnight: 23 or 25 h at DST changes;
 * a crypto pair's UTC day; a forex pair's 17:00 to 17:00 New York).
 */
export function tradingDayBounds(symbol: string, day: number): { start: number; end: number } {
  const n = Math.round(day / DAY_MS);
  return { start: tradingDayStart(symbol, n), end: tradingDayStart(symbol, n + 1) };
}

/**
 * The minute bar part one tick stands for. A conflated tick carries its window's open, extremes, volume and
 * trade count, and is filed under the minute of its last trade: exact whenever its window lies within one
 * minute (the recorder reads ticks before the publisher conflates them, so they are single trades).
 */
export function partOfTick(tick: PriceTick): BarPart {
  const o = tick.open ?? tick.price;
  return {
    symbol: tick.symbol,
    resolution: "1m",
    t: minuteStart(tick.ts),
    o,
    h: Math.max(tick.high ?? tick.price, tick.price, o),
    l: Math.min(tick.low ?? tick.price, tick.price, o),
    c: tick.price,
    v: tick.volume ?? 0,
    n: tick.count ?? 1,
    openTs: tick.ts,
    closeTs: tick.ts,
  };
}

/**
 * Two parts of the same bar as one: the open of the earlier first trade, the close of the later last trade
 * (`newer` wins a tie, as the later arrival), the extremes of both, volumes and counts added.
 */
export function mergeBarParts(older: BarPart, newer: BarPart): BarPart {
  const newerOpens = newer.openTs < older.openTs;
  const newerCloses = newer.closeTs >= older.closeTs;
  return {
    symbol: older.symbol,
    resolution: older.resolution,
    t: older.t,
    o: newerOpens ? newer.o : older.o,
    h: Math.max(older.h, newer.h),
    l: Math.min(older.l, newer.l),
    c: newerCloses ? newer.c : older.c,
    v: older.v + newer.v,
    n: older.n + newer.n,
    openTs: newerOpens ? newer.openTs : older.openTs,
    closeTs: newerCloses ? newer.closeTs : older.closeTs,
  };
}

const keyOf = (part: BarPart) => `${part.symbol}\u0000${part.resolution}\u0000${part.t}`;

/** Parts merged per (symbol, resolution, t), in order of first appearance. */
export function mergeAll(parts: Iterable<BarPart>): BarPart[] {
  const merged = new Map<string, BarPart>();
  for (const part of parts) {
    const key = keyOf(part);
    const before = merged.get(key);
    merged.set(key, before ? mergeBarParts(before, part) : part);
  }
  return [...merged.values()];
}

/** Daily bars rolled up from minute bars: each minute goes to its trading day. */
export function rollUpDaily(minutes: Iterable<BarPart>): BarPart[] {
  const days: BarPart[] = [];
  for (const m of minutes) days.push({ ...m, resolution: "1d", t: tradingDay(m.symbol, m.t) });
  return mergeAll(days);
}

/** The bar as the API shows it. */
export function toBar(part: BarPart): Bar {
  return { t: part.t, o: part.o, h: part.h, l: part.l, c: part.c, v: part.v, n: part.n };
}

/**
 * Minute bars built as ticks arrive, in memory: a tick costs one map lookup, never I/O. `drain` hands over what
 * was added since the last drain, per symbol and minute, as parts the store merges into what it already holds
 * (a minute drained half-way is completed by the next drain). A minute without trades gets no bar.
 */
export class MinuteBarBuilder {
  /** Open parts per symbol, then per minute: no key strings to build on the tick path. */
  readonly #open = new Map<string, Map<number, BarPart>>();
  #pending = 0;

  /** Symbol-minutes with trades not yet drained. */
  get pending(): number {
    return this.#pending;
  }

  add(tick: PriceTick): void {
    if (!(Number.isFinite(tick.price) && tick.price > 0)) return;
    let minutes = this.#open.get(tick.symbol);
    if (!minutes) {
      minutes = new Map();
      this.#open.set(tick.symbol, minutes);
    }
    const t = minuteStart(tick.ts);
    const part = minutes.get(t);
    if (!part) {
      minutes.set(t, partOfTick(tick));
      this.#pending++;
      return;
    }
    // In place: the part is not handed out before the next drain.
    const o = tick.open ?? tick.price;
    if (tick.ts < part.openTs) {
      part.o = o;
      part.openTs = tick.ts;
    }
    if (tick.ts >= part.closeTs) {
      part.c = tick.price;
      part.closeTs = tick.ts;
    }
    part.h = Math.max(part.h, tick.high ?? tick.price, tick.price, o);
    part.l = Math.min(part.l, tick.low ?? tick.price, tick.price, o);
    part.v += tick.volume ?? 0;
    part.n += tick.count ?? 1;
  }

  /** Everything added since the last drain, and a fresh start. */
  drain(): BarPart[] {
    const out: BarPart[] = [];
    for (const minutes of this.#open.values()) for (const part of minutes.values()) out.push(part);
    this.#open.clear();
    this.#pending = 0;
    return out;
  }
}
