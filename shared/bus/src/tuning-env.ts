import { z } from "zod";
import type { KafkaConsumerTuning } from "./kafka-bus.ts";

const positiveInteger = () =>
  z.coerce
    .number("must be a positive integer")
    .int("must be a positive integer")
    .min(1, "must be a positive integer");

/**
 * Operator overrides of the consumer tuning, part of every Kafka-using service's env.ts, so that any service can
 * be tuned per deployment (compose, k8s) without code: a bot that must send a burst fast consumes its
 * notification partitions in parallel, while the matcher keeps one at a time. Unset variables change nothing;
 * a bad value is refused at start with the service's other environment problems.
 */
export const KafkaConsumerTuningEnvShape = {
  KAFKA_CONSUMER_MAX_WAIT_MS: positiveInteger().optional(),
  KAFKA_CONSUMER_MIN_BYTES: positiveInteger().optional(),
  KAFKA_CONSUMER_PARTITIONS_CONCURRENTLY: positiveInteger().optional(),
};

type KafkaConsumerTuningEnv = {
  [K in keyof typeof KafkaConsumerTuningEnvShape]?: number | undefined;
};

/** The overrides set in a parsed environment, as KafkaBus options (they win over the service's own choice). */
export function consumerTuningOf(env: KafkaConsumerTuningEnv): KafkaConsumerTuning {
  return {
    ...(env.KAFKA_CONSUMER_MAX_WAIT_MS === undefined
      ? {}
      : { maxWaitTimeInMs: env.KAFKA_CONSUMER_MAX_WAIT_MS }),
    ...(env.KAFKA_CONSUMER_MIN_BYTES === undefined ? {} : { minBytes: env.KAFKA_CONSUMER_MIN_BYTES }),
    ...(env.KAFKA_CONSUMER_PARTITIONS_CONCURRENTLY === undefined
      ? {}
      : { partitionsConsumedConcurrently: env.KAFKA_CONSUMER_PARTITIONS_CONCURRENTLY }),
  };
}
