import { randomBytes } from "node:crypto";
import {
  type Alert,
  type AlertChangeEvent,
  type AlertRuntimeEvent,
  type Notification,
  type PriceTick,
  TOPIC_CATALOG,
  type TopicSpec,
} from "@tickerbell/contracts";
import { kafkaBrokersFromEnv } from "@tickerbell/testkit";
import fc from "fast-check";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DeadLetter, KafkaBus } from "../src/index.ts";

/**
 * Malformed messages on every topic the application consumes, on the real broker: random bytes, JSON of the
 * wrong shape, empty and oversized payloads each land in `<topic>.dlq` marked invalid, and the valid message
 * behind them on the same partition is still handled. Topics carry the real catalog's schemas under a fresh
 * name per run, so the test never reads another suite's messages.
 */

const brokers = kafkaBrokersFromEnv();
const run = randomBytes(3).toString("hex");
const renamed = (name: string) => `fuzz-${run}.${name}`;
const CATALOG = Object.fromEntries(
  Object.values(TOPIC_CATALOG).map((spec) => [renamed(spec.name), { ...spec, name: renamed(spec.name) }]),
) as Record<string, TopicSpec>;
const TOPICS = Object.keys(CATALOG);
/** Per topic; random messages are drawn from a fixed seed so a failure can be replayed. */
const MALFORMED_PER_TOPIC = 40;
const KEY = "FUZZ";

const at = "2026-11-24T15:00:00.000Z";
const alert: Alert = {
  id: "00000000-0000-4000-8000-00000000000a",
  userId: "00000000-0000-4000-8000-000000000001",
  symbol: KEY,
  condition: { kind: "price", direction: "above", target: 200 },
  referencePrice: 190,
  thresholds: { upper: 200, lower: null },
  extreme: null,
  status: "active",
  generation: 0,
  version: 1,
  repeat: null,
  expiresAt: null,
  resumeAt: null,
  note: null,
  regularHoursOnly: false,
  origin: { platform: "telegram", chatId: "42" },
  createdAt: at,
  updatedAt: at,
  lastTriggeredAt: null,
  lastTriggerPrice: null,
  phase: "armed",
  stateAsOfTick: null,
};
const tick: PriceTick = { v: 1, symbol: KEY, price: 201, ts: Date.parse(at) };
const change: AlertChangeEvent = { v: 1, seq: "1", change: "created", at, alert };
const notification: Notification = {
  v: 1,
  type: "triggered",
  triggerId: `${alert.id}:0`,
  alertId: alert.id,
  generation: 0,
  userId: alert.userId,
  origin: alert.origin,
  symbol: KEY,
  condition: alert.condition,
  price: 201,
  referencePrice: 190,
  moveAbs: 11,
  movePercent: 5.79,
  note: null,
  repeating: false,
  firedAt: at,
};
const runtime: AlertRuntimeEvent = {
  v: 1,
  alertId: alert.id,
  symbol: KEY,
  asOfTick: "7",
  state: {
    generation: 1,
    phase: "armed",
    referencePrice: 190,
    upper: 200,
    lower: null,
    extreme: null,
    lastFiredAt: null,
    lastFirePrice: null,
  },
  done: false,
};
function validFor(topic: string): unknown {
  if (topic.endsWith("prices.ticks")) return tick;
  if (topic.endsWith("alerts.changes")) return change;
  if (topic.endsWith("alerts.runtime")) return runtime;
  return notification;
}

/** A valid message with one field given a value the schema refuses (another type, a bad number, nothing). */
function mutatedValid(topic: string): fc.Arbitrary<Buffer> {
  const valid = validFor(topic) as Record<string, unknown>;
  const schema = CATALOG[topic]!.schema;
  return fc
    .tuple(fc.constantFrom(...Object.keys(valid)), fc.jsonValue({ maxDepth: 2 }))
    .map(([key, value]) => ({ ...valid, [key]: value }))
    .filter((message) => !schema.safeParse(message).success)
    .map((message) => Buffer.from(JSON.stringify(message)));
}

const malformed = (topic: string): fc.Arbitrary<Buffer | null> =>
  fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v) ?? "null")),
    mutatedValid(topic),
    fc.constantFrom<Buffer | null>(
      null,
      Buffer.alloc(0),
      Buffer.from("\u0000"),
      Buffer.from('{"v":1'),
      // Oversized: half a megabyte of JSON, and a message whose every field is valid but one huge number.
      Buffer.from(JSON.stringify("x".repeat(512 * 1024))),
      Buffer.from(`{"v":1,"symbol":"${KEY}","price":1${"0".repeat(512 * 1024)},"ts":0}`),
    ),
  );

let bus: KafkaBus<Record<string, TopicSpec>>;
let kafka: Kafka;
beforeAll(async () => {
  bus = new KafkaBus({
    catalog: CATALOG,
    brokers,
    clientId: "malformed-messages",
    consumer: { heartbeatInterval: 500, sessionTimeout: 10_000, maxWaitTimeInMs: 100 },
  });
  await bus.start();
  kafka = new Kafka({ clientId: "malformed-producer", brokers, logLevel: logLevel.NOTHING });
});
afterAll(async () => {
  await bus?.close();
});

describe("malformed messages on every consumed topic (real broker)", () => {
  it(`dead-letters ${MALFORMED_PER_TOPIC} malformed messages per topic and handles the valid one behind them`, async () => {
    const sent = new Map<string, (Buffer | null)[]>();
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      for (const [index, topic] of TOPICS.entries()) {
        const values = fc.sample(malformed(topic), { numRuns: MALFORMED_PER_TOPIC, seed: 9000 + index });
        sent.set(topic, values);
        // One key throughout, so all of it shares one partition with the valid message sent last.
        for (const value of values) await producer.send({ topic, acks: -1, messages: [{ key: KEY, value }] });
        await producer.send({
          topic,
          acks: -1,
          messages: [{ key: KEY, value: Buffer.from(JSON.stringify(validFor(topic))) }],
        });
      }
    } finally {
      await producer.disconnect();
    }

    const handled: { topic: string; offset: string; partition: number }[] = [];
    const dead: DeadLetter[] = [];
    const subscription = await bus.subscribe({
      groupId: `malformed-${run}`,
      topics: TOPICS,
      retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 20 },
      handler: async (m) => {
        handled.push({ topic: m.topic, offset: m.offset, partition: m.partition });
      },
    });
    const letters = await bus.subscribeDeadLetters({
      groupId: `malformed-dlq-${run}`,
      topics: TOPICS,
      handler: async (d) => {
        dead.push(d);
      },
    });
    const total = TOPICS.length * MALFORMED_PER_TOPIC;
    const deadline = Date.now() + 80_000;
    while ((handled.length < TOPICS.length || dead.length < total) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await subscription.stop();
    await letters.stop();

    // Every valid message got through, each exactly once, behind all of its topic's malformed ones.
    expect(handled.map((h) => `${h.topic}@${h.offset}`).sort()).toEqual(
      TOPICS.map((t) => `${t}@${MALFORMED_PER_TOPIC}`).sort(),
    );
    for (const h of handled) expect(Number(h.offset)).toBe(MALFORMED_PER_TOPIC);
    // Every malformed message is in its topic's DLQ, as invalid, with its origin and the reason.
    expect(dead).toHaveLength(total);
    for (const topic of TOPICS) {
      const mine = dead.filter((d) => d.originalTopic === topic);
      expect(mine.map((d) => Number(d.originalOffset)).sort((a, b) => a - b)).toEqual(
        Array.from({ length: MALFORMED_PER_TOPIC }, (_, i) => i),
      );
      const partition = handled.find((h) => h.topic === topic)?.partition;
      for (const d of mine) {
        expect(d.topic).toBe(`${topic}.dlq`);
        expect(d.reason).toBe("invalid");
        expect(d.originalPartition).toBe(partition);
        expect(d.key).toBe(KEY);
        expect(d.error.length).toBeGreaterThan(0);
      }
      // Text payloads are kept as they were, for whoever inspects the DLQ.
      const values = sent.get(topic) ?? [];
      for (const d of mine) {
        const original = values[Number(d.originalOffset)];
        const text = original?.toString("utf8") ?? "";
        if (original && Buffer.from(text).equals(original)) expect(d.rawValue).toBe(text);
      }
    }
  });
});
