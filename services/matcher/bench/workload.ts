// The matcher benchmark's workload, generated from a seed so that every design under test sees exactly the same
// alerts and ticks: 1,000,000 alerts over 5,000 symbols (Zipf popularity for both alerts and ticks), a
// 50/30/20 mix of price/percent/trailing alerts, 5,000,000 random-walk ticks (10% conflated with high/low); and
// the same with 20% of the alerts replaced by the new kinds (moves within a window of 5 minutes to a day, new
// session and 52-week highs and lows, volume, moving-average and RSI alerts) over the same ticks carrying studies.

import type { Alert, AlertCondition } from "@tickerbell/contracts";
import { ExponentialMovingAverage, SimpleMovingAverage, WilderRsi } from "@tickerbell/rules";
import { readUuid } from "../src/alert-id.ts";
import type { MatchEvent } from "../src/types.ts";
import { makeAlert } from "../test/alert-fixtures.ts";

export const ALERTS = Number(process.env.BENCH_ALERTS ?? 1_000_000);
export const SYMBOLS = Number(process.env.BENCH_SYMBOLS ?? 5_000);
export const TICKS = Number(process.env.BENCH_TICKS ?? 5_000_000);
const SEED = 20261124;
// Tuesday 3 March 2026, 09:30 New York: one tick per millisecond keeps the whole run inside regular hours.
export const START_MS = Date.parse("2026-03-03T14:30:00Z");

/** Small deterministic PRNG (mulberry32), so every design sees exactly the same alerts. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function zipfSampler(n: number, random: () => number): () => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += 1 / (i + 1);
    cdf[i] = total;
  }
  return () => {
    const x = random() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

export const symbolNames = Array.from({ length: SYMBOLS }, (_, i) => `S${i.toString(36).toUpperCase()}`);
const openingPrices = (() => {
  const random = rng(SEED + 1);
  return Float64Array.from({ length: SYMBOLS }, () => Math.round((5 + random() * 495) * 100) / 100);
})();

function uuidFrom(random: () => number): string {
  const word = () => Math.floor(random() * 4294967296);
  const a = word();
  const b = word();
  const c = word();
  const d = word();
  // Version 4, variant 10xx, as the alert service's ids.
  return readUuid(Uint32Array.of(a, (b & 0xffff0fff) | 0x4000, (c & 0x3fffffff) | 0x80000000, d), 0);
}

/** Window lengths of the new kinds' share: 5 minutes to a day. */
const WINDOW_SECONDS = [300, 900, 1800, 3600, 4 * 3600, 86_400];

/**
 * Calls `visit` with each of the ALERTS alerts, generated one at a time from the seed. `newKinds`: the share of
 * them that are of the kinds computed from the stream (moves within a window, new highs and lows) instead of the
 * seed's three.
 */
export function forEachAlert(visit: (alert: Alert) => void, options: { newKinds?: number } = {}): void {
  const random = rng(SEED);
  const symbolOf = zipfSampler(SYMBOLS, random);
  const runMs = TICKS; // one tick per ms
  const newKinds = options.newKinds ?? 0;
  // Its own stream, so the rest of the workload is the same alerts with or without the new kinds.
  const newKindRandom = rng(SEED + 3);
  for (let i = 0; i < ALERTS; i++) {
    const s = symbolOf();
    const reference = openingPrices[s]!;
    const kindRoll = random();
    let condition: AlertCondition;
    if (kindRoll < 0.5) {
      const dirRoll = random();
      const away = 0.002 + random() * 0.2;
      const direction = dirRoll < 1 / 3 ? "above" : dirRoll < 2 / 3 ? "below" : "cross";
      const up = direction === "above" || (direction === "cross" && random() < 0.5);
      condition = {
        kind: "price",
        direction,
        target: Math.round(reference * (up ? 1 + away : 1 - away) * 100) / 100,
      };
    } else if (kindRoll < 0.8) {
      const dirRoll = random();
      condition = {
        kind: "percent",
        direction: dirRoll < 0.4 ? "up" : dirRoll < 0.8 ? "down" : "move",
        percent: Math.round((0.5 + random() * 14.5) * 10) / 10,
        basis: "last",
      };
    } else {
      const percent = Math.round((1 + random() * 14) * 10) / 10;
      condition = {
        kind: "trailing",
        direction: random() < 0.7 ? "down" : "up",
        offset:
          random() < 0.7
            ? { unit: "percent", value: percent }
            : { unit: "amount", value: Math.round(reference * percent) / 100 },
      };
    }
    if (newKinds > 0 && newKindRandom() < newKinds) {
      const dirRoll = newKindRandom();
      const kindRoll = newKindRandom();
      // Two in five moves within a window, a quarter new highs/lows (today's session mostly), a tenth volume,
      // 15% moving averages (SMA 50 / EMA 20), a tenth RSI (14, daily).
      if (kindRoll < 0.4)
        condition = {
          kind: "window",
          direction: dirRoll < 0.4 ? "up" : dirRoll < 0.8 ? "down" : "move",
          percent: Math.round((0.3 + newKindRandom() * 4.7) * 10) / 10,
          windowSeconds: WINDOW_SECONDS[Math.floor(newKindRandom() * WINDOW_SECONDS.length)]!,
        };
      else if (kindRoll < 0.65)
        condition = {
          kind: "extreme",
          side: dirRoll < 0.5 ? "high" : "low",
          span: newKindRandom() < 0.7 ? "session" : "52w",
        };
      else if (kindRoll < 0.75)
        condition = { kind: "volume", multiple: Math.round((1.5 + newKindRandom() * 3.5) * 10) / 10 };
      else if (kindRoll < 0.9)
        condition = {
          kind: "average",
          average: newKindRandom() < 0.5 ? "sma" : "ema",
          period: 0,
          direction: dirRoll < 0.4 ? "above" : dirRoll < 0.8 ? "below" : "cross",
        };
      else
        condition = {
          kind: "rsi",
          direction: dirRoll < 0.5 ? "above" : "below",
          level:
            dirRoll < 0.5 ? 65 + Math.round(newKindRandom() * 15) : 20 + Math.round(newKindRandom() * 15),
          period: 14,
          interval: "1d",
        };
      if (condition.kind === "average") condition.period = condition.average === "sma" ? 50 : 20;
    }
    visit(
      makeAlert({
        id: uuidFrom(random),
        symbol: symbolNames[s]!,
        condition,
        referencePrice: reference,
        cooldownSeconds: random() < 0.2 ? 60 + Math.floor(random() * 3540) : null,
        expiresAt: random() < 0.05 ? START_MS + Math.floor(random() * runMs * 2) : null,
        regularHoursOnly: random() < 0.1,
        // Set just before the run, on its trading day: a session high/low starts from the reference then.
        createdAt: START_MS - 1,
      }),
    );
  }
}

/** The ticks, generated up front into typed arrays (symbol as an index into symbolNames). */
export function generateTicks() {
  const random = rng(SEED + 2);
  const symbolOf = zipfSampler(SYMBOLS, random);
  const symbol = new Int32Array(TICKS);
  const price = new Float64Array(TICKS);
  const high = new Float64Array(TICKS);
  const low = new Float64Array(TICKS);
  const last = Float64Array.from(openingPrices);
  for (let i = 0; i < TICKS; i++) {
    const s = symbolOf();
    // Roughly normal step with a 2 basis point standard deviation per tick.
    const step = (random() + random() + random() - 1.5) * 0.0004;
    const p = last[s]! * (1 + step);
    last[s] = p;
    symbol[i] = s;
    price[i] = p;
    const conflated = random() < 0.1;
    high[i] = conflated ? p * (1 + random() * 0.001) : p;
    low[i] = conflated ? p * (1 - random() * 0.001) : p;
  }
  // The studies as pricing attaches them: each symbol's indicators over 60 made-up daily closes (2% a day) that
  // end at its opening price, read live at each tick's price; today's volume ratio wandering per symbol. (From
  // their own generator, so the prices above stay as they were.)
  const studyRandom = rng(SEED + 4);
  const indicators = Array.from({ length: SYMBOLS }, (_, s) => {
    const closes = [openingPrices[s]!];
    for (let d = 1; d < 60; d++)
      closes.push(closes[d - 1]! * Math.exp((studyRandom() + studyRandom() + studyRandom() - 1.5) * 0.04));
    const sma = new SimpleMovingAverage(50);
    const ema = new ExponentialMovingAverage(20);
    const rsi = new WilderRsi(14);
    for (const close of closes.reverse()) {
      sma.push(close);
      ema.push(close);
      rsi.push(close);
    }
    return { sma, ema, rsi };
  });
  const sma50 = new Float64Array(TICKS);
  const ema20 = new Float64Array(TICKS);
  const rsi = new Float64Array(TICKS);
  const volumeRatio = new Float64Array(TICKS);
  const ratioOf = new Float64Array(SYMBOLS).fill(1);
  for (let i = 0; i < TICKS; i++) {
    const s = symbol[i]!;
    const of = indicators[s]!;
    sma50[i] = of.sma.live(price[i]!)!;
    ema20[i] = of.ema.live(price[i]!)!;
    rsi[i] = of.rsi.live(price[i]!)!;
    ratioOf[s] = Math.min(6, Math.max(0.2, ratioOf[s]! + (studyRandom() - 0.5) * 0.02));
    volumeRatio[i] = ratioOf[s]!;
  }
  return { symbol, price, high, low, sma50, ema20, rsi, volumeRatio };
}
export type Ticks = ReturnType<typeof generateTicks>;

/** Order-sensitive digest of a tick's events: two designs agree when their digests over the same ticks agree. */
export function checksum(events: readonly MatchEvent[]): number {
  let sum = 0;
  events.forEach((event, i) => {
    sum += (i + 1) * (event.type === "fired" ? event.price + event.generation : event.expiresAt / 1e9);
    sum += Number.parseInt(event.alertId.slice(0, 6), 16) / 1e6;
  });
  return sum;
}
