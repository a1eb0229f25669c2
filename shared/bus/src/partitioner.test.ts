import fc from "fast-check";
import { Partitioners } from "kafkajs";
import { describe, expect, it } from "vitest";
import { partitionForKey } from "./partitioner.ts";

function kafkajsPartition(key: string, partitionCount: number): number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitionCount }, (_, partitionId) => ({
    partitionId,
    leader: 1,
    partitionErrorCode: 0,
    replicas: [1],
    isr: [1],
  }));
  return partitioner({ topic: "t", partitionMetadata, message: { key, value: null } });
}

describe("partitionForKey", () => {
  it("agrees with kafkajs's default partitioner for any key and partition count", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 40 }),
        fc.integer({ min: 1, max: 64 }),
        (key, n) => {
          expect(partitionForKey(key, n)).toBe(kafkajsPartition(key, n));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("spreads symbols over partitions", () => {
    const used = new Set(
      ["AAPL", "MSFT", "TSLA", "NVDA", "AMZN", "GOOG", "META", "AMD"].map((s) => partitionForKey(s, 6)),
    );
    expect(used.size).toBeGreaterThan(2);
  });

  it("rejects a non-positive partition count", () => {
    expect(() => partitionForKey("AAPL", 0)).toThrow(RangeError);
  });
});
