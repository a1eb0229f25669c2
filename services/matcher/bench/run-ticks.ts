// The benchmark's tick loop, shared by the designs run in the main thread and by the replicas (replica.ts).

import type { MatchEvent, TickInput } from "../src/types.ts";
import { checksum, START_MS, symbolNames, type Ticks } from "./workload.ts";

/** A matcher design under test: what the benchmark runs every tick through. */
export interface TickMatcher {
  onTick(tick: TickInput): readonly MatchEvent[];
}

export interface Run {
  ticks: number;
  ms: number;
  cpuMs: number;
  firings: number;
  expirations: number;
  digest: number;
  digestEvery1024: Float64Array;
  /** The digest of each partition's ticks alone (firings added), when `partitionOfSymbol` was given. */
  digestByPartition: Float64Array;
}

export interface RunOptions {
  /** Ticks [0, limit) (of `only`, when given); all by default. */
  limit?: number;
  /** Stops early (at a multiple of 1,024 ticks) once past this. */
  maxMs?: number;
  /** Every tick carries the studies (as pricing sends them for symbols with such alerts). */
  withStudies?: boolean;
  /** The positions of the ticks to run, in order (a replica's: the ticks of its partitions); all by default. */
  only?: Int32Array;
  /** Each symbol's partition (by its index in symbolNames), to keep digestByPartition. */
  partitionOfSymbol?: Int32Array;
}

/**
 * Runs the ticks through `matcher`. Digests the events of every tick, and keeps the running digest at every
 * multiple of 1,024 ticks, so a run that stopped early can be compared with a full one on the ticks it covered.
 * A tick keeps its timestamp (START_MS + its position) whichever ticks run, so a replica's events are the ones
 * one matcher has for the same ticks.
 */
export function runTicks(matcher: TickMatcher, ticks: Ticks, options: RunOptions = {}): Run {
  const only = options.only;
  const limit = options.limit ?? (only === undefined ? ticks.symbol.length : only.length);
  const maxMs = options.maxMs ?? Number.POSITIVE_INFINITY;
  const partitionOfSymbol = options.partitionOfSymbol;
  const tick: TickInput = { symbol: "", price: 0, ts: 0, high: 0, low: 0 };
  const values: Record<string, number> = { sma50: 0, ema20: 0, "rsi14:1d": 50 };
  const volume = { today: 0, typical: 1_000_000, sessions: 20 };
  const withStudies = options.withStudies === true;
  if (withStudies) tick.studies = { values, volume };
  let firings = 0;
  let expirations = 0;
  let digest = 0;
  let handled = 0;
  const digestEvery1024 = new Float64Array(Math.floor(limit / 1024) + 1);
  const digestByPartition = new Float64Array(
    partitionOfSymbol === undefined ? 0 : Math.max(...partitionOfSymbol) + 1,
  );
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  for (let j = 0; j < limit; j++) {
    if ((j & 1023) === 0) {
      digestEvery1024[j >> 10] = digest + firings;
      if (performance.now() - start > maxMs) break;
    }
    const i = only === undefined ? j : only[j]!;
    tick.symbol = symbolNames[ticks.symbol[i]!]!;
    tick.price = ticks.price[i]!;
    tick.high = ticks.high[i]!;
    tick.low = ticks.low[i]!;
    tick.ts = START_MS + i;
    if (withStudies) {
      values.sma50 = ticks.sma50[i]!;
      values.ema20 = ticks.ema20[i]!;
      values["rsi14:1d"] = ticks.rsi[i]!;
      volume.today = ticks.volumeRatio[i]! * 1_000_000;
    }
    const events = matcher.onTick(tick);
    handled++;
    if (events.length > 0) {
      let fired = 0;
      for (const event of events) {
        if (event.type === "fired") fired++;
        else expirations++;
      }
      firings += fired;
      const sum = checksum(events);
      digest += sum;
      if (partitionOfSymbol !== undefined)
        digestByPartition[partitionOfSymbol[ticks.symbol[i]!]!]! += sum + fired;
    }
  }
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  return {
    ticks: handled,
    ms,
    cpuMs: (cpu.user + cpu.system) / 1000,
    firings,
    expirations,
    digest,
    digestEvery1024,
    digestByPartition,
  };
}

/** Whether `partial` (a run that may have stopped early) produced exactly what `full` did on the same ticks. */
export function agrees(partial: Run, full: Run): boolean {
  if (partial.ticks !== full.ticks && partial.ticks % 1024 !== 0)
    throw new Error(`a run of ${partial.ticks} ticks cannot be compared: runs stop at multiples of 1,024`);
  const expected =
    partial.ticks === full.ticks ? full.digest + full.firings : full.digestEvery1024[partial.ticks >> 10];
  return partial.digest + partial.firings === expected;
}

export const rate = (run: Run) => run.ticks / (run.ms / 1000);
