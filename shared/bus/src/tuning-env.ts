import type { KafkaConsumerTuning } from "./kafka-bus.ts";

/**
 * Operator overrides of the consumer tuning, read from the process environment so that any service can be
 * tuned per deployment (compose, k8s) without code: a bot that must send a burst fast consumes its
 * notification partitions in parallel, while the matcher keeps one at a time. Unset variables change nothing;
 * a value that is not a positive integer is refused at start rather than silently ignored.
 */
export const CONSUMER_TUNING_ENV = {
  KAFKA_CONSUMER_MAX_WAIT_MS: "maxWaitTimeInMs",
  KAFKA_CONSUMER_MIN_BYTES: "minBytes",
  KAFKA_CONSUMER_PARTITIONS_CONCURRENTLY: "partitionsConsumedConcurrently",
} as const satisfies Record<string, keyof KafkaConsumerTuning>;

export function consumerTuningFromEnv(env: Record<string, string | undefined>): KafkaConsumerTuning {
  const tuning: KafkaConsumerTuning = {};
  for (const [name, key] of Object.entries(CONSUMER_TUNING_ENV)) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === "") continue;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
    }
    tuning[key] = value;
  }
  return tuning;
}
