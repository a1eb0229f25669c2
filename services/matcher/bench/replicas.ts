// Matcher replicas on one machine, as `docker compose --scale matcher=N` or the Deployment's replicas run them:
// the replicas form one consumer group with the co-partitioned assignment, so each owns whole partitions of
// prices.ticks and alerts.changes, and with them whole symbols (their alerts and their ticks). Each replica here is
// a worker thread (replica.ts) that builds its own index from the alerts of its partitions and runs the ticks of
// its partitions, as its consumer would receive them; all start together and the rate is all ticks over the time
// until the last one is done. The replicas' events are checked against one matcher's, partition by partition.

import { Worker } from "node:worker_threads";
import { assignCoPartitioned, partitionForKey } from "@tickerbell/bus";
import { CO_PARTITIONED_PARTITIONS, TOPIC_ALERT_CHANGES, TOPIC_PRICE_TICKS } from "@tickerbell/contracts";
import { symbolNames } from "./workload.ts";

/** Each symbol's partition of prices.ticks (by its index in symbolNames), as the pricing service keys ticks. */
export const partitionOfSymbol = Int32Array.from(symbolNames, (name) =>
  partitionForKey(name, CO_PARTITIONED_PARTITIONS),
);

/** The partitions of prices.ticks each of `replicas` matchers owns under the group's assignment. */
export function partitionsOfReplicas(replicas: number): number[][] {
  const members = Array.from({ length: replicas }, (_, r) => ({
    memberId: `matcher-${r}`,
    topics: [TOPIC_PRICE_TICKS, TOPIC_ALERT_CHANGES],
  }));
  const counts = new Map([
    [TOPIC_PRICE_TICKS, CO_PARTITIONED_PARTITIONS],
    [TOPIC_ALERT_CHANGES, CO_PARTITIONED_PARTITIONS],
  ]);
  const assignment = assignCoPartitioned(members, counts);
  return members.map((m) =>
    (assignment.get(m.memberId) ?? [])
      .filter((tp) => tp.topic === TOPIC_PRICE_TICKS)
      .map((tp) => tp.partition)
      .sort((a, b) => a - b),
  );
}

/** What a replica sends back (replica.ts). */
export interface ReplicaReport {
  replica: number;
  partitions: number[];
  alerts: number;
  ticks: number;
  ms: number;
  cpuMs: number;
  firings: number;
  /** Its partitions' digests (firings added) summed in partition order: comparable with one matcher's. */
  digest: number;
}

export interface ReplicasRun {
  replicas: number;
  ticks: number;
  /** From the common start until the last replica was done. */
  wallMs: number;
  reports: ReplicaReport[];
}

export interface ReplicaTask {
  replica: number;
  partitions: number[];
  newKinds: number;
  withStudies: boolean;
  /** Int32Array over a SharedArrayBuffer: [0] how many are ready, [1] the start signal. */
  signal: SharedArrayBuffer;
}

/** Runs `replicas` matchers side by side over the benchmark's alerts (with `newKinds`) and ticks. */
export async function runAsReplicas(
  replicas: number,
  newKinds: number,
  withStudies: boolean,
): Promise<ReplicasRun> {
  const signal = new SharedArrayBuffer(8);
  const flags = new Int32Array(signal);
  const owned = partitionsOfReplicas(replicas);
  let start = 0;
  const workers = owned.map(
    (partitions, replica) =>
      new Worker(new URL("./replica.ts", import.meta.url), {
        workerData: { replica, partitions, newKinds, withStudies, signal } satisfies ReplicaTask,
      }),
  );
  const reports = workers.map(
    (worker) =>
      new Promise<{ report: ReplicaReport; doneAt: number }>((resolve, reject) => {
        worker.once("message", (report: ReplicaReport) => {
          resolve({ report, doneAt: performance.now() });
          void worker.terminate();
        });
        worker.once("error", reject);
        worker.once("exit", (code) => reject(new Error(`replica exited with ${code} before reporting`)));
      }),
  );
  // Every replica has built its index and selected its ticks before any starts.
  while (Atomics.load(flags, 0) < replicas) await new Promise((resolve) => setTimeout(resolve, 20));
  start = performance.now();
  Atomics.store(flags, 1, 1);
  Atomics.notify(flags, 1);
  const done = await Promise.all(reports);
  const wallMs = Math.max(...done.map((d) => d.doneAt)) - start;
  const list = done.map((d) => d.report).sort((a, b) => a.replica - b.replica);
  return { replicas, ticks: list.reduce((sum, r) => sum + r.ticks, 0), wallMs, reports: list };
}

/** One matcher's digest over the same partitions as a replica's, summed in the same order. */
export function digestOfPartitions(digestByPartition: Float64Array, partitions: readonly number[]): number {
  let digest = 0;
  for (const p of partitions) digest += digestByPartition[p]!;
  return digest;
}
