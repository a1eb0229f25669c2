import { randomBytes } from "node:crypto";
import { deadLetterTopicOf, type TopicSpec } from "@tickerbell/contracts";
import { kafkaBrokersFromEnv } from "@tickerbell/testkit";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KafkaBus } from "../src/index.ts";
import { TestEventSchema } from "./bus-contract.ts";

const brokers = kafkaBrokersFromEnv();
const admin = new Kafka({ clientId: "topics-test", brokers, logLevel: logLevel.NOTHING }).admin();
beforeAll(() => admin.connect());
afterAll(() => admin.disconnect());

function catalog(partitions: number) {
  const name = `topics.${Date.now().toString(36)}.${randomBytes(3).toString("hex")}`;
  const spec: TopicSpec<typeof TestEventSchema> = {
    name,
    key: "key",
    keyOf: (e) => e.key,
    schema: TestEventSchema,
    partitions,
  };
  return { name, catalog: { [name]: spec } };
}

async function partitionCount(topic: string): Promise<number> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  return topics[0]?.partitions.length ?? 0;
}

describe("KafkaBus topic management", () => {
  it("creates the topic and its DLQ at start, with configured partitions, and starting again is harmless", async () => {
    const { name, catalog: c } = catalog(2);
    const buses = [0, 1, 2].map(
      () => new KafkaBus({ catalog: c, brokers, partitions: { [name]: 5 }, deadLetterPartitions: 2 }),
    );
    // Several services starting at once race to create the same topics.
    await Promise.all(buses.map((b) => b.start()));
    await buses[0]?.start();
    expect(await partitionCount(name)).toBe(5);
    expect(await partitionCount(deadLetterTopicOf(name))).toBe(2);
    expect(buses[1]?.partitionsOf(name)).toBe(5);
    await Promise.all(buses.map((b) => b.close()));
  });

  it("keys by the partition count the cluster really has when the topic already existed", async () => {
    const { name, catalog: c } = catalog(6);
    await admin.createTopics({ topics: [{ topic: name, numPartitions: 3 }], waitForLeaders: true });
    const bus = new KafkaBus({ catalog: c, brokers });
    await bus.start();
    expect(bus.partitionsOf(name)).toBe(3);
    await bus.publish(name, [{ value: { v: 1, key: "AAPL", seq: 0 } }]);
    const offsets = await admin.fetchTopicOffsets(name);
    const filled = offsets.filter((o) => o.high !== "0").map((o) => o.partition);
    expect(filled).toEqual([bus.partitionOf(name, "AAPL")]);
    await bus.close();
  });

  it("does not create topics when told not to", async () => {
    const { name, catalog: c } = catalog(1);
    const bus = new KafkaBus({ catalog: c, brokers, createTopics: false });
    await bus.start();
    expect(await admin.listTopics()).not.toContain(name);
    await bus.close();
  });
});
