import { existsSync } from "node:fs";
import { connect } from "node:net";
import { Kafka, logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import { startKafkaBroker } from "./broker.ts";
import { kafkaBrokersFromEnv } from "./env.ts";

function portAccepts(address: string): Promise<boolean> {
  const [host, port] = address.split(":");
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port) });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("startKafkaBroker", () => {
  it("starts a working single-node broker and leaves nothing behind on stop", async () => {
    const broker = await startKafkaBroker();
    try {
      expect(broker.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(existsSync(broker.dir)).toBe(true);
      const admin = new Kafka({
        clientId: "broker-test",
        brokers: broker.brokers,
        logLevel: logLevel.NOTHING,
      }).admin();
      await admin.connect();
      await admin.createTopics({
        topics: [{ topic: "launcher.check", numPartitions: 2 }],
        waitForLeaders: true,
      });
      expect(await admin.listTopics()).toContain("launcher.check");
      await admin.disconnect();
    } finally {
      await broker.stop();
    }
    expect(existsSync(broker.dir)).toBe(false);
    expect(await portAccepts(broker.brokers[0] ?? "")).toBe(false);
    await broker.stop(); // idempotent
  }, 120_000);
});

describe("kafkaBrokersFromEnv", () => {
  it("fails loudly instead of letting a test skip when no broker is configured", () => {
    const saved = process.env.KAFKA_BROKERS;
    try {
      delete process.env.KAFKA_BROKERS;
      expect(() => kafkaBrokersFromEnv()).toThrow(/KAFKA_BROKERS is not set/);
      process.env.KAFKA_BROKERS = " 127.0.0.1:9092 , 127.0.0.1:9093";
      expect(kafkaBrokersFromEnv()).toEqual(["127.0.0.1:9092", "127.0.0.1:9093"]);
    } finally {
      if (saved === undefined) delete process.env.KAFKA_BROKERS;
      else process.env.KAFKA_BROKERS = saved;
    }
  });
});
