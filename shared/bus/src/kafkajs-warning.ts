// kafkajs (2.2.4, its last release) schedules its request queue's check with a negative delay when nothing is
// throttled; Node 24 reports every negative timeout, so each process on Kafka printed
// "TimeoutNegativeWarning: -17… is a negative number" into the operator's logs. Node clamps it to 1 ms, which is
// what kafkajs meant. Only that warning raised from inside kafkajs is dropped. Node reports a process's first
// negative timeout only: one set anywhere else before kafkajs's (ours included) is still reported.

const KAFKAJS_FRAME = /[\\/]node_modules[\\/]kafkajs[\\/]/;
let installed = false;

/** Drops Node's TimeoutNegativeWarning when kafkajs raised it (once per process; later calls do nothing). */
export function quietKafkajsNegativeTimeouts(): void {
  if (installed) return;
  installed = true;
  const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (rest[0] === "TimeoutNegativeWarning" && KAFKAJS_FRAME.test(new Error().stack ?? "")) return;
    emitWarning(warning, ...rest);
  }) as typeof process.emitWarning;
}
