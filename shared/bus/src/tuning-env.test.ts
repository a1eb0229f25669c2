import { describe, expect, it } from "vitest";
import { consumerTuningFromEnv } from "./tuning-env.ts";

describe("consumerTuningFromEnv", () => {
  it("changes nothing when no variable is set", () => {
    expect(consumerTuningFromEnv({ KAFKA_BROKERS: "kafka:9092" })).toEqual({});
  });

  it("maps each variable to its consumer setting", () => {
    expect(
      consumerTuningFromEnv({
        KAFKA_CONSUMER_MAX_WAIT_MS: "20",
        KAFKA_CONSUMER_MIN_BYTES: "1",
        KAFKA_CONSUMER_PARTITIONS_CONCURRENTLY: "3",
      }),
    ).toEqual({ maxWaitTimeInMs: 20, minBytes: 1, partitionsConsumedConcurrently: 3 });
  });

  it("treats an empty value as unset", () => {
    expect(consumerTuningFromEnv({ KAFKA_CONSUMER_MAX_WAIT_MS: " " })).toEqual({});
  });

  it.each(["0", "-5", "2.5", "fast"])("refuses %j and names the variable", (raw) => {
    expect(() => consumerTuningFromEnv({ KAFKA_CONSUMER_PARTITIONS_CONCURRENTLY: raw })).toThrow(
      /KAFKA_CONSUMER_PARTITIONS_CONCURRENTLY must be a positive integer/,
    );
  });
});
