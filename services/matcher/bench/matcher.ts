// Matcher benchmark over the workload in workload.ts (1M alerts, 5,000 symbols, 5M ticks). Measures, on the same
// alerts and ticks:
// - the index: tick rate, build time, memory per alert (the index alone);
// - the matcher service's memory per alert: the index plus what OwnedAlerts keeps per alert, loaded as the
//   service loads them (takeOver with records parsed from JSON, as they arrive from the alert service);
// - the fair baseline (sorted-levels-matcher.ts: per-symbol sorted arrays, binary search), over all ticks, with
//   its events checked against the index's;
// - the naive scan (the test suite's reference evaluator) on a prefix of the ticks, for perspective;
// - the same alerts with 20% of them of the new kinds, and what each kind costs;
// - matcher replicas side by side (replicas.ts), as the deployment scales the matcher, for both mixes.
// Writes bench-results/matcher.json at the repository root. Run with --expose-gc.

import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { type Alert, CO_PARTITIONED_PARTITIONS } from "@tickerbell/contracts";
import { AlertIndex } from "../src/alert-index.ts";
import { OwnedAlerts } from "../src/service/owned-alerts.ts";
import { ReferenceMatcher } from "../test/reference-matcher.ts";
import { digestOfPartitions, partitionOfSymbol, type ReplicasRun, runAsReplicas } from "./replicas.ts";
import { agrees, type Run, rate, runTicks } from "./run-ticks.ts";
import { SortedLevelsMatcher } from "./sorted-levels-matcher.ts";
import { ALERTS, forEachAlert, generateTicks, START_MS, SYMBOLS, symbolNames, TICKS } from "./workload.ts";

// The naive scan runs on a prefix of the ticks and is extrapolated per tick.
const NAIVE_MAX_TICKS = Number(process.env.BENCH_NAIVE_TICKS ?? 3_072);
const NAIVE_MAX_MS = 40_000;
// The baseline runs every tick unless it is this slow; then it stops and is extrapolated per tick.
const BASELINE_MAX_MS = Number(process.env.BENCH_BASELINE_MAX_MS ?? 120_000);
const SERVICE_PARTITIONS = 12;
const USERS = 50_000;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");

function heapBytes(): { heap: number; arrayBuffers: number } {
  gc!();
  gc!();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, arrayBuffers: usage.arrayBuffers };
}

function bytesPerAlertSince(before: { heap: number; arrayBuffers: number }, alerts: number) {
  const after = heapBytes();
  const heap = after.heap - before.heap;
  const arrayBuffers = after.arrayBuffers - before.arrayBuffers;
  return { heap, arrayBuffers, perAlert: (heap + arrayBuffers) / alerts };
}

/**
 * Takes over every partition with the records as the alert service sends them: JSON, each user with their own id
 * and chat. A function of its own, so the records are garbage once it returns (a block at the top level leaves
 * them on the stack, and they would be counted).
 */
function loadLikeTheService(owned: OwnedAlerts): void {
  let n = 0;
  const records: Alert[] = [];
  forEachAlert((alert) => {
    const user = n++ % USERS;
    const stamp = new Date(START_MS - 86_400_000 + n).toISOString();
    records.push(
      JSON.parse(
        JSON.stringify({
          ...alert,
          userId: `00000000-0000-4000-8000-${user.toString(16).padStart(12, "0")}`,
          origin: { platform: "telegram", chatId: String(100_000_000 + user) },
          createdAt: stamp,
          updatedAt: stamp,
        }),
      ),
    );
  });
  owned.takeOver(new Set(Array.from({ length: SERVICE_PARTITIONS }, (_, p) => p)), records, {});
}

// --- index ----------------------------------------------------------------------------------------------
const beforeIndex = heapBytes();
const buildStart = performance.now();
let index: AlertIndex | null = new AlertIndex({ capacity: ALERTS });
forEachAlert((alert) => index!.upsert(alert));
// Includes generating the alert records (as the service would receive them) as well as indexing them.
const buildMs = performance.now() - buildStart;
const indexMemory = bytesPerAlertSince(beforeIndex, ALERTS);
console.log(
  `index: built ${index.size} alerts in ${buildMs.toFixed(0)} ms, ${indexMemory.perAlert.toFixed(1)} bytes/alert`,
);

const ticks = generateTicks();
// A multiple of 1,024, where the index's running digest is kept (see runTicks).
const naivePrefix = Math.min(NAIVE_MAX_TICKS - (NAIVE_MAX_TICKS % 1024), TICKS);
const loadBefore = loadavg()[0]!;
const indexRun = runTicks(index, ticks, { partitionOfSymbol });
const alertsLeft = index.size;
console.log(
  `index: ${indexRun.ticks} ticks in ${indexRun.ms.toFixed(0)} ms = ${Math.round(rate(indexRun))} ticks/s, ${indexRun.firings} firings`,
);
index = null;

// --- the matcher service's memory: OwnedAlerts, loaded as the service loads a partition -------------------
gc();
const beforeService = heapBytes();
let owned: OwnedAlerts | null = new OwnedAlerts({
  partitionOf: (symbol) => symbolNames.indexOf(symbol) % SERVICE_PARTITIONS,
  index: { capacity: ALERTS },
});
loadLikeTheService(owned);
const serviceMemory = bytesPerAlertSince(beforeService, ALERTS);
console.log(
  `service (OwnedAlerts): ${owned.indexedAlerts} alerts, ${serviceMemory.perAlert.toFixed(1)} bytes/alert`,
);
owned = null;

// --- the fair baseline: per-symbol sorted arrays, binary search -------------------------------------------
gc();
let baseline: SortedLevelsMatcher | null = new SortedLevelsMatcher();
const baselineBuildStart = performance.now();
forEachAlert((alert) => baseline!.add(alert));
const baselineBuildMs = performance.now() - baselineBuildStart;
const baselineRun = runTicks(baseline, ticks, { maxMs: BASELINE_MAX_MS });
const baselineAgrees = agrees(baselineRun, indexRun);
console.log(
  `sorted-levels baseline: ${baselineRun.ticks} ticks in ${baselineRun.ms.toFixed(0)} ms = ${Math.round(rate(baselineRun))} ticks/s, ${baselineRun.firings} firings, events match the index: ${baselineAgrees}`,
);
baseline = null;
if (baselineAgrees === false)
  throw new Error("the sorted-levels baseline and the index disagree: one of them is wrong");

// --- the same two designs without trailing alerts ------------------------------------------------------
// A trailing alert's level moves with every new peak, so in the baseline each new high re-files every trailing
// alert under it; the index merges their peaks. Without them, this shows what the index gains on fixed levels.
const withoutTrailing = (visit: (alert: Alert) => void) =>
  forEachAlert((alert) => {
    if (alert.condition.kind !== "trailing") visit(alert);
  });
gc();
let fixedIndex: AlertIndex | null = new AlertIndex({ capacity: ALERTS });
withoutTrailing((alert) => fixedIndex!.upsert(alert));
const fixedIndexRun = runTicks(fixedIndex, ticks);
fixedIndex = null;
gc();
let fixedBaseline: SortedLevelsMatcher | null = new SortedLevelsMatcher();
withoutTrailing((alert) => fixedBaseline!.add(alert));
const fixedBaselineRun = runTicks(fixedBaseline, ticks, { maxMs: BASELINE_MAX_MS });
fixedBaseline = null;
const fixedAgrees = agrees(fixedBaselineRun, fixedIndexRun);
console.log(
  `without trailing alerts: index ${Math.round(rate(fixedIndexRun))} ticks/s, baseline ${Math.round(rate(fixedBaselineRun))} ticks/s over ${fixedBaselineRun.ticks} ticks, events match: ${fixedAgrees}`,
);
if (!fixedAgrees)
  throw new Error("without trailing alerts, the sorted-levels baseline and the index disagree");

// --- naive scan on a prefix of the same ticks -----------------------------------------------------------
/**
 * The reference evaluator over the first ticks, in a function of its own: its million alert objects are garbage
 * once it returns (kept, they weigh on the garbage collection of every run after it).
 */
function runReference(newKinds: number, withStudies: boolean): Run {
  const naive = new ReferenceMatcher();
  if (naivePrefix > 0) forEachAlert((alert) => naive.upsert(alert), { newKinds });
  return runTicks(naive, ticks, { limit: naivePrefix, maxMs: NAIVE_MAX_MS, withStudies });
}
gc();
const naiveRun = runReference(0, false);
const naiveAgrees = agrees(naiveRun, indexRun);
console.log(
  `naive scan: ${naiveRun.ticks} ticks in ${naiveRun.ms.toFixed(0)} ms = ${Math.round(rate(naiveRun))} ticks/s, events match the index: ${naiveAgrees}`,
);
if (!naiveAgrees) throw new Error("the reference evaluator and the index disagree on the prefix");

// --- 20% of the alerts of the new kinds, and what each kind costs ----------------------------------------
// The same alerts with a fifth of them replaced by the new kinds (moves within a window, new highs/lows, volume,
// moving averages, RSI) over the same ticks, which now carry the studies;
// checked against the reference evaluator on a prefix. Then each kind alone (the alerts of that kind in this mix)
// in its own index: CPU per tick over an index with no alerts is what that kind costs.
const NEW_KINDS_SHARE = 0.2;
gc();
let mixedIndex: AlertIndex | null = new AlertIndex({ capacity: ALERTS });
forEachAlert((alert) => mixedIndex!.upsert(alert), { newKinds: NEW_KINDS_SHARE });
const mixedRun = runTicks(mixedIndex, ticks, { withStudies: true, partitionOfSymbol });
mixedIndex = null;
gc();
const mixedNaiveRun = runReference(NEW_KINDS_SHARE, true);
const mixedAgrees = agrees(mixedNaiveRun, mixedRun);
console.log(
  `with ${NEW_KINDS_SHARE * 100}% new kinds: index ${Math.round(rate(mixedRun))} ticks/s, ${mixedRun.firings} firings; reference over ${mixedNaiveRun.ticks} ticks matches: ${mixedAgrees}`,
);
if (!mixedAgrees) throw new Error("with the new kinds, the reference evaluator and the index disagree");
gc();
const emptyRun = runTicks(new AlertIndex(), ticks, { withStudies: true });
const perKind: Record<
  string,
  { alerts: number; ticksPerSec: number; cpuNsPerTick: number; costNsPerTick: number }
> = {};
for (const kind of [
  "price",
  "percent",
  "trailing",
  "window",
  "extreme",
  "volume",
  "average",
  "rsi",
] as const) {
  gc();
  let alone: AlertIndex | null = new AlertIndex({ capacity: ALERTS });
  let count = 0;
  forEachAlert(
    (alert) => {
      if (alert.condition.kind !== kind) return;
      alone!.upsert(alert);
      count++;
    },
    { newKinds: NEW_KINDS_SHARE },
  );
  const run = runTicks(alone, ticks, { withStudies: true });
  alone = null;
  perKind[kind] = {
    alerts: count,
    ticksPerSec: Math.round(rate(run)),
    cpuNsPerTick: Math.round((run.cpuMs * 1e6) / run.ticks),
    costNsPerTick: Math.round(((run.cpuMs - emptyRun.cpuMs) * 1e6) / run.ticks),
  };
  console.log(
    `  ${kind} alone: ${count} alerts, ${perKind[kind].ticksPerSec} ticks/s, ${perKind[kind].costNsPerTick} ns per tick over an empty index`,
  );
}

// --- matcher replicas side by side, as the deployment scales it -----------------------------------------
// A matcher is one thread; the deployment scales it by partitions (one consumer group, co-partitioned topics, each
// replica owning whole symbols). This runs as many replicas as the machine has cores (at most one per partition),
// each over its partitions' alerts and ticks, for the seed's alerts and for the mix with the new kinds; their
// events are checked against one matcher's, partition by partition.
const REPLICAS = Number(
  process.env.BENCH_REPLICAS ?? Math.min(availableParallelism(), CO_PARTITIONED_PARTITIONS),
);
function replicasAgree(run: ReplicasRun, one: Run): boolean {
  return (
    run.ticks === one.ticks &&
    run.reports.every((r) => r.digest === digestOfPartitions(one.digestByPartition, r.partitions))
  );
}
const replicaRate = (run: ReplicasRun) => run.ticks / (run.wallMs / 1000);
const describeReplicas = (run: ReplicasRun) =>
  run.reports
    .map(
      (r) =>
        `partitions ${r.partitions.join(",")}: ${r.alerts} alerts, ${r.ticks} ticks in ${r.ms.toFixed(0)} ms`,
    )
    .join("; ");
gc();
const seedReplicas = await runAsReplicas(REPLICAS, 0, false);
const seedReplicasAgree = replicasAgree(seedReplicas, indexRun);
const mixedReplicas = await runAsReplicas(REPLICAS, NEW_KINDS_SHARE, true);
const mixedReplicasAgree = replicasAgree(mixedReplicas, mixedRun);
console.log(
  `${REPLICAS} replicas: seed ${Math.round(replicaRate(seedReplicas))} ticks/s (${describeReplicas(seedReplicas)}), events match one matcher's: ${seedReplicasAgree}`,
);
console.log(
  `${REPLICAS} replicas, ${NEW_KINDS_SHARE * 100}% new kinds: ${Math.round(replicaRate(mixedReplicas))} ticks/s (${describeReplicas(mixedReplicas)}), events match one matcher's: ${mixedReplicasAgree}`,
);
if (!seedReplicasAgree || !mixedReplicasAgree)
  throw new Error("matcher replicas and one matcher disagree on the events of the same partitions");
// One matcher in a thread of its own, as a matcher process has it: a fresh heap holding its index alone (the runs
// above share this process's heap with everything built before them).
const mixedAlone = await runAsReplicas(1, NEW_KINDS_SHARE, true);
const mixedAloneAgrees = replicasAgree(mixedAlone, mixedRun);
console.log(
  `one matcher in its own thread, ${NEW_KINDS_SHARE * 100}% new kinds: ${Math.round(replicaRate(mixedAlone))} ticks/s, events match: ${mixedAloneAgrees}`,
);
if (!mixedAloneAgrees)
  throw new Error("one matcher in its own thread disagrees with the one in this process");

const ticksPerSec = rate(indexRun);
const baselineTicksPerSec = rate(baselineRun);
const naiveTicksPerSec = naiveRun.ticks > 0 ? rate(naiveRun) : null;
const result = {
  alerts: ALERTS,
  symbols: SYMBOLS,
  ticks: TICKS,
  ticksPerSec: Math.round(ticksPerSec),
  baselineTicksPerSec: Math.round(baselineTicksPerSec),
  speedupOverBaseline: Math.round((ticksPerSec / baselineTicksPerSec) * 10) / 10,
  naiveTicksPerSec: naiveTicksPerSec === null ? null : Math.round(naiveTicksPerSec),
  withoutTrailing: {
    ticksPerSec: Math.round(rate(fixedIndexRun)),
    baselineTicksPerSec: Math.round(rate(fixedBaselineRun)),
    speedupOverBaseline: Math.round((rate(fixedIndexRun) / rate(fixedBaselineRun)) * 10) / 10,
  },
  newKinds: {
    share: NEW_KINDS_SHARE,
    mix: "40% moves within a window (5m-1d, 0.3-5%, up/down/move), 25% new highs/lows (70% today's session, 30% 52-week), 10% volume (1.5-5x), 15% moving averages (SMA 50 / EMA 20, above/below/cross), 10% RSI 14 daily (above 65-80 / below 20-35); every tick of the mix carries the studies",
    ticksPerSec: Math.round(rate(mixedRun)),
    firings: mixedRun.firings,
    referenceTicks: mixedNaiveRun.ticks,
    referenceEventsMatchIndex: mixedAgrees,
    emptyIndexCpuNsPerTick: Math.round((emptyRun.cpuMs * 1e6) / emptyRun.ticks),
    perKind,
  },
  replicas: {
    count: REPLICAS,
    how: "matcher replicas side by side as worker threads, each owning the partitions the group's co-partitioned assignment gives it (its alerts and its ticks only); rate: all ticks over the time from their common start until the last is done",
    partitions: mixedReplicas.reports.map((r) => r.partitions),
    ticksPerSec: Math.round(replicaRate(seedReplicas)),
    newKindsTicksPerSec: Math.round(replicaRate(mixedReplicas)),
    eventsMatchOneMatcher: seedReplicasAgree && mixedReplicasAgree && mixedAloneAgrees,
    oneMatcherInItsOwnThreadNewKindsTicksPerSec: Math.round(replicaRate(mixedAlone)),
    seed: seedReplicas.reports,
    newKinds: mixedReplicas.reports,
  },
  bytesPerAlert: Math.round(indexMemory.perAlert * 10) / 10,
  serviceBytesPerAlert: Math.round(serviceMemory.perAlert * 10) / 10,
  buildMs: Math.round(buildMs),
  targets: {
    ticksPerSec: ticksPerSec >= 1_000_000,
    newKindsTicksPerSec: rate(mixedRun) >= 1_000_000,
    newKindsTicksPerSecWithReplicas: replicaRate(mixedReplicas) >= 1_000_000,
    fasterThanBaseline: ticksPerSec >= 2 * baselineTicksPerSec,
    serviceBytesPerAlert: serviceMemory.perAlert <= 400,
  },
  detail: {
    mix: "50% price (above/below/cross), 30% percent (up/down/move), 20% trailing (70% down, 70% percent offset)",
    options: "20% repeating (cooldown 60-3600 s), 5% expiring within the run, 10% regular-hours-only",
    tickModel:
      "Zipf(1) symbol choice, random walk with 2 bp steps, 10% conflated ticks with high/low, 1 tick per ms",
    firings: indexRun.firings,
    expirations: indexRun.expirations,
    alertsLeft,
    indexRunMs: Math.round(indexRun.ms),
    // The machine is shared: wall-clock rates drop when other work competes for the 2 cores.
    indexRunCpuMs: Math.round(indexRun.cpuMs),
    ticksPerCpuSec: Math.round(TICKS / (indexRun.cpuMs / 1000)),
    loadAverageAtStart: Math.round(loadBefore * 100) / 100,
    build: "buildMs covers generating the 1M alert records and upserting them into an empty index",
    memory:
      "heapUsed + arrayBuffers delta around the build, after gc; typed arrays are counted. bytesPerAlert: the index alone; serviceBytesPerAlert: OwnedAlerts (index + per-alert records) loaded from JSON records of 50,000 users",
    indexHeapBytes: indexMemory.heap,
    indexArrayBufferBytes: indexMemory.arrayBuffers,
    serviceHeapBytes: serviceMemory.heap,
    serviceArrayBufferBytes: serviceMemory.arrayBuffers,
    baseline:
      "per-symbol sorted arrays of wake-up levels and times, binary search, only the reached alerts stepped through the rule book (bench/sorted-levels-matcher.ts)",
    baselineTicks: baselineRun.ticks,
    baselineBuildMs: Math.round(baselineBuildMs),
    baselineRunCpuMs: Math.round(baselineRun.cpuMs),
    baselineEventsMatchIndex: baselineAgrees,
    withoutTrailing:
      "the 80% price and percent alerts alone (the same alerts minus the trailing ones), both designs over the same ticks; the baseline's events checked against the index's",
    withoutTrailingBaselineTicks: fixedBaselineRun.ticks,
    naive: `reference evaluator (every alert of the symbol stepped on every tick) over the first ${naiveRun.ticks} ticks, extrapolated per tick`,
    naiveTicks: naiveRun.ticks,
    naiveEventsMatchIndex: naiveAgrees,
    node: process.version,
    at: new Date().toISOString(),
  },
};
const dir = join(import.meta.dirname, "../../../bench-results");
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, "matcher.json"), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
