// Matcher benchmark: 1,000,000 alerts over 5,000 symbols (Zipf popularity for both alerts and ticks), a
// 50/30/20 mix of price/percent/trailing alerts, 5,000,000 random-walk ticks (10% conflated with high/low).
// Measures the index's tick rate, build time and memory per alert, and the naive scan (the test suite's
// reference evaluator: every alert of the symbol looked at on every tick) on a prefix of the same ticks.
// Writes bench-results/matcher.json at the repository root. Run with --expose-gc.

import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import type { Alert, AlertCondition } from "@tickerbell/contracts";
import { readUuid } from "../src/alert-id.ts";
import { AlertIndex } from "../src/alert-index.ts";
import type { MatchEvent, TickInput } from "../src/types.ts";
import { makeAlert } from "../test/alert-fixtures.ts";
import { ReferenceMatcher } from "../test/reference-matcher.ts";

const ALERTS = Number(process.env.BENCH_ALERTS ?? 1_000_000);
const SYMBOLS = Number(process.env.BENCH_SYMBOLS ?? 5_000);
const TICKS = Number(process.env.BENCH_TICKS ?? 5_000_000);
// The naive scan runs on a prefix of the ticks (about 15 s on this machine) and is extrapolated per tick.
const NAIVE_MAX_TICKS = Number(process.env.BENCH_NAIVE_TICKS ?? 3_000);
const NAIVE_MAX_MS = 40_000;
const SEED = 20261124;
// Tuesday 3 March 2026, 09:30 New York: one tick per millisecond keeps the whole run inside regular hours.
const START_MS = Date.parse("2026-03-03T14:30:00Z");

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");

/** Small deterministic PRNG (mulberry32), so the naive run sees exactly the alerts the index saw. */
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

const symbolNames = Array.from({ length: SYMBOLS }, (_, i) => `S${i.toString(36).toUpperCase()}`);
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

/** Calls `visit` with each of the ALERTS alerts, generated one at a time from the seed. */
function forEachAlert(visit: (alert: Alert) => void): void {
  const random = rng(SEED);
  const symbolOf = zipfSampler(SYMBOLS, random);
  const runMs = TICKS; // one tick per ms
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
    visit(
      makeAlert({
        id: uuidFrom(random),
        symbol: symbolNames[s]!,
        condition,
        referencePrice: reference,
        cooldownSeconds: random() < 0.2 ? 60 + Math.floor(random() * 3540) : null,
        expiresAt: random() < 0.05 ? START_MS + Math.floor(random() * runMs * 2) : null,
        regularHoursOnly: random() < 0.1,
      }),
    );
  }
}

function heapBytes(): { heap: number; arrayBuffers: number } {
  gc!();
  gc!();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, arrayBuffers: usage.arrayBuffers };
}

/** Order-sensitive digest of a tick's events, to check the naive scan and the index agree on the prefix. */
function checksum(events: readonly MatchEvent[]): number {
  let sum = 0;
  events.forEach((event, i) => {
    sum += (i + 1) * (event.type === "fired" ? event.price + event.generation : event.expiresAt / 1e9);
    sum += Number.parseInt(event.alertId.slice(0, 6), 16) / 1e6;
  });
  return sum;
}

// --- ticks: generated up front into typed arrays --------------------------------------------------------
function generateTicks() {
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
  return { symbol, price, high, low };
}

// --- index ----------------------------------------------------------------------------------------------
const before = heapBytes();
const buildStart = performance.now();
let index: AlertIndex | null = new AlertIndex({ capacity: ALERTS });
forEachAlert((alert) => index!.upsert(alert));
// Includes generating the alert records (as the service would receive them) as well as indexing them.
const buildMs = performance.now() - buildStart;
const after = heapBytes();
const heapDelta = after.heap - before.heap;
const bufferDelta = after.arrayBuffers - before.arrayBuffers;
const bytesPerAlert = (heapDelta + bufferDelta) / ALERTS;
console.log(
  `built ${index.size} alerts in ${buildMs.toFixed(0)} ms, ${bytesPerAlert.toFixed(1)} bytes/alert`,
);

const ticks = generateTicks();
const tick: TickInput = { symbol: "", price: 0, ts: 0, high: 0, low: 0 };
let firings = 0;
let expirations = 0;
let naivePrefixEvents = 0;
let naivePrefixChecksum = 0;
const naivePrefix = Math.min(NAIVE_MAX_TICKS, TICKS);
const loadBefore = loadavg()[0]!;
const cpuStart = process.cpuUsage();
const runStart = performance.now();
for (let i = 0; i < TICKS; i++) {
  tick.symbol = symbolNames[ticks.symbol[i]!]!;
  tick.price = ticks.price[i]!;
  tick.high = ticks.high[i]!;
  tick.low = ticks.low[i]!;
  tick.ts = START_MS + i;
  const events = index.onTick(tick);
  if (events.length > 0) {
    for (const event of events) {
      if (event.type === "fired") firings++;
      else expirations++;
    }
    if (i < naivePrefix) {
      naivePrefixEvents += events.length;
      naivePrefixChecksum += checksum(events);
    }
  }
}
const runMs = performance.now() - runStart;
const cpu = process.cpuUsage(cpuStart);
const runCpuMs = (cpu.user + cpu.system) / 1000;
const ticksPerSec = TICKS / (runMs / 1000);
const remaining = index.size;
console.log(
  `index: ${TICKS} ticks in ${runMs.toFixed(0)} ms = ${Math.round(ticksPerSec)} ticks/s, ${firings} firings`,
);
index = null;

// --- naive scan on a prefix of the same ticks -----------------------------------------------------------
gc();
const naive = new ReferenceMatcher();
if (NAIVE_MAX_TICKS > 0) forEachAlert((alert) => naive.upsert(alert));
let naiveTicks = 0;
let naiveEvents = 0;
let naiveChecksum = 0;
const naiveStart = performance.now();
for (let i = 0; i < naivePrefix; i++) {
  tick.symbol = symbolNames[ticks.symbol[i]!]!;
  tick.price = ticks.price[i]!;
  tick.high = ticks.high[i]!;
  tick.low = ticks.low[i]!;
  tick.ts = START_MS + i;
  const events = naive.onTick(tick);
  naiveEvents += events.length;
  naiveChecksum += checksum(events);
  naiveTicks++;
  if ((i & 255) === 0 && performance.now() - naiveStart > NAIVE_MAX_MS) break;
}
const naiveMs = performance.now() - naiveStart;
const naiveTicksPerSec = naiveTicks / (naiveMs / 1000);
console.log(
  `naive: ${naiveTicks} ticks in ${naiveMs.toFixed(0)} ms = ${Math.round(naiveTicksPerSec)} ticks/s`,
);

// --- a tighter scan for context: levels in typed arrays, no state machine ---------------------------------
// A lower bound on what any per-tick scan costs: every alert of the symbol is compared against the tick,
// but nothing is removed or re-armed. Only for perspective next to the reference evaluator above.
const levelsBySymbol: { upper: Float64Array; lower: Float64Array }[] = [];
{
  const upper: number[][] = symbolNames.map(() => []);
  const lower: number[][] = symbolNames.map(() => []);
  const symbolIndex = new Map(symbolNames.map((name, i) => [name, i]));
  forEachAlert((alert) => {
    const s = symbolIndex.get(alert.symbol)!;
    const c = alert.condition;
    const trailingLevel = c.kind === "trailing" ? alert.referencePrice * 0.9 : Number.NaN;
    upper[s]!.push(
      alert.thresholds.upper ?? (c.kind === "trailing" && c.direction === "up" ? trailingLevel : Number.NaN),
    );
    lower[s]!.push(
      alert.thresholds.lower ??
        (c.kind === "trailing" && c.direction === "down" ? trailingLevel : Number.NaN),
    );
  });
  for (let s = 0; s < SYMBOLS; s++) {
    levelsBySymbol.push({ upper: Float64Array.from(upper[s]!), lower: Float64Array.from(lower[s]!) });
  }
}
let scanHits = 0;
const scanTicks = Math.min(TICKS, naiveTicks * 20);
const scanStart = performance.now();
for (let i = 0; i < scanTicks; i++) {
  const { upper, lower } = levelsBySymbol[ticks.symbol[i]!]!;
  const high = ticks.high[i]!;
  const low = ticks.low[i]!;
  for (let a = 0; a < upper.length; a++) if (upper[a]! <= high || lower[a]! >= low) scanHits++;
}
const scanMs = performance.now() - scanStart;
const typedScanTicksPerSec = scanTicks / (scanMs / 1000);
console.log(
  `typed-array scan: ${scanTicks} ticks in ${scanMs.toFixed(0)} ms = ${Math.round(typedScanTicksPerSec)} ticks/s (${scanHits} hits)`,
);

const prefixAgrees =
  naiveTicks === naivePrefix
    ? naiveEvents === naivePrefixEvents && naiveChecksum === naivePrefixChecksum
    : null;

const result = {
  alerts: ALERTS,
  symbols: SYMBOLS,
  ticks: TICKS,
  ticksPerSec: Math.round(ticksPerSec),
  naiveTicksPerSec: Math.round(naiveTicksPerSec),
  bytesPerAlert: Math.round(bytesPerAlert * 10) / 10,
  buildMs: Math.round(buildMs),
  speedup: Math.round((ticksPerSec / naiveTicksPerSec) * 10) / 10,
  targets: {
    ticksPerSec: ticksPerSec >= 1_000_000,
    speedup: ticksPerSec / naiveTicksPerSec >= 100,
    bytesPerAlert: bytesPerAlert <= 300,
  },
  detail: {
    mix: "50% price (above/below/cross), 30% percent (up/down/move), 20% trailing (70% down, 70% percent offset)",
    options: "20% repeating (cooldown 60-3600 s), 5% expiring within the run, 10% regular-hours-only",
    tickModel:
      "Zipf(1) symbol choice, random walk with 2 bp steps, 10% conflated ticks with high/low, 1 tick per ms",
    firings,
    expirations,
    alertsLeft: remaining,
    indexRunMs: Math.round(runMs),
    // The machine is shared: wall-clock rates drop when other work competes for the 2 cores.
    indexRunCpuMs: Math.round(runCpuMs),
    ticksPerCpuSec: Math.round(TICKS / (runCpuMs / 1000)),
    loadAverageAtStart: Math.round(loadBefore * 100) / 100,
    build: "buildMs covers generating the 1M alert records and upserting them into an empty index",
    memory: "heapUsed + arrayBuffers delta around the build, after gc; typed arrays are counted",
    heapBytes: heapDelta,
    arrayBufferBytes: bufferDelta,
    naive: `reference evaluator (per-symbol Map of alert objects scanned on every tick) over the first ${naiveTicks} ticks, extrapolated per tick`,
    naiveTicks,
    typedArrayScanTicksPerSec: Math.round(typedScanTicksPerSec),
    typedArrayScan: `for perspective: a scan of per-symbol Float64Arrays of levels (compare only, no state) over ${scanTicks} ticks; the index is ${Math.round(ticksPerSec / typedScanTicksPerSec)}x faster than this lower bound`,
    naiveEventsMatchIndex: prefixAgrees,
    node: process.version,
    at: new Date().toISOString(),
  },
};
const dir = join(import.meta.dirname, "../../../bench-results");
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, "matcher.json"), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
