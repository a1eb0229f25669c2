// One matcher replica of replicas.ts, in its worker thread: the alerts and ticks of its partitions only.

import { parentPort, workerData } from "node:worker_threads";
import { AlertIndex } from "../src/alert-index.ts";
import { digestOfPartitions, partitionOfSymbol, type ReplicaReport, type ReplicaTask } from "./replicas.ts";
import { runTicks } from "./run-ticks.ts";
import { ALERTS, forEachAlert, generateTicks, symbolNames } from "./workload.ts";

const task = workerData as ReplicaTask;
const flags = new Int32Array(task.signal);
const mine = new Set(task.partitions);
const ownsSymbol = Uint8Array.from(partitionOfSymbol, (p) => (mine.has(p) ? 1 : 0));
const symbolIndex = new Map(symbolNames.map((name, i) => [name, i]));

const index = new AlertIndex({ capacity: ALERTS });
forEachAlert(
  (alert) => {
    if (ownsSymbol[symbolIndex.get(alert.symbol)!] === 1) index.upsert(alert);
  },
  { newKinds: task.newKinds },
);
const alerts = index.size;
const ticks = generateTicks();
// What its consumer receives: the ticks of its partitions, in their order.
let count = 0;
for (let i = 0; i < ticks.symbol.length; i++) if (ownsSymbol[ticks.symbol[i]!] === 1) count++;
const only = new Int32Array(count);
for (let i = 0, j = 0; i < ticks.symbol.length; i++) if (ownsSymbol[ticks.symbol[i]!] === 1) only[j++] = i;

Atomics.add(flags, 0, 1);
Atomics.wait(flags, 1, 0);
const run = runTicks(index, ticks, { only, withStudies: task.withStudies, partitionOfSymbol });
parentPort!.postMessage({
  replica: task.replica,
  partitions: task.partitions,
  alerts,
  ticks: run.ticks,
  ms: run.ms,
  cpuMs: run.cpuMs,
  firings: run.firings,
  digest: digestOfPartitions(run.digestByPartition, task.partitions),
} satisfies ReplicaReport);
