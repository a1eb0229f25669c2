import { EnvError, parseEnv } from "@tickerbell/config";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { consumerTuningOf, KafkaConsumerTuningEnvShape } from "./tuning-env.ts";

const schema = z.object(KafkaConsumerTuningEnvShape);
const tuningFrom = (source: Record<string, string>) => consumerTuningOf(parseEnv("svc", schema, source));

describe("the consumer tuning variables (KafkaConsumerTuningEnvShape, read by every service's env.ts)", () => {
  it("change nothing when none is set", () => {
    expect(tuningFrom({ KAFKA_BROKERS: "kafka:9092" })).toEqual({});
  });

  it("map each variable to its consumer setting", () => {
    expect(
      tuningFrom({
        KAFKA_CONSUMER_MAX_WAIT_MS: "20",
        KAFKA_CONSUMER_MIN_BYTES: "1",
        KAFKA_CONSUMER_PARTITIONS_CONCURRENTLY: "3",
      }),
    ).toEqual({ maxWaitTimeInMs: 20, minBytes: 1, partitionsConsumedConcurrently: 3 });
  });

  it("treat an empty value as unset", () => {
    expect(tuningFrom({ KAFKA_CONSUMER_MAX_WAIT_MS: "" })).toEqual({});
  });

  it.each(["0", "-5", "2.5", "fast"])(
    "refuse %j in the start-up error that names every bad variable",
    (raw) => {
      let caught: unknown;
      try {
        tuningFrom({ KAFKA_CONSUMER_PARTITIONS_CONCURRENTLY: raw, KAFKA_CONSUMER_MIN_BYTES: "none" });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(EnvError);
      expect((caught as EnvError).problems).toEqual([
        expect.stringMatching(/^KAFKA_CONSUMER_MIN_BYTES: must be a positive integer/),
        expect.stringMatching(/^KAFKA_CONSUMER_PARTITIONS_CONCURRENTLY: must be a positive integer/),
      ]);
    },
  );
});
