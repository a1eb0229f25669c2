// Bus benchmark: kafkajs publish+consume throughput through KafkaBus on a real broker, and Kafka's own Java
// producer perf tool against the same broker as the reference for what the broker itself takes.
// Writes bench-results/bus.json. Starts its own broker unless KAFKA_BROKERS is set.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { PriceTickSchema, type TopicSpec } from "@tickerbell/contracts";
import {
  type KafkaBroker,
  pinnedKafkaVersion,
  resolveKafkaClasspath,
  startKafkaBroker,
} from "@tickerbell/testkit";
import { Kafka, logLevel } from "kafkajs";
import { KafkaBus } from "../src/index.ts";

const MESSAGES = Number(process.env.BENCH_BUS_MESSAGES ?? 1_000_000);
const BATCH = 1_000;
const IN_FLIGHT_BATCHES = 4;
const PARTITIONS = 6;
const SYMBOLS = ["AAPL", "MSFT", "TSLA", "NVDA", "AMZN", "GOOG", "META", "AMD", "NFLX", "BRK.B", "JPM", "V"];
const RESULT_FILE = fileURLToPath(new URL("../../../bench-results/bus.json", import.meta.url));

const run = promisify(execFile);

let broker: KafkaBroker | undefined;
if (!process.env.KAFKA_BROKERS) {
  console.error("bench: starting a Kafka broker...");
  broker = await startKafkaBroker({ heapMb: 768 });
}
const brokers = broker?.brokers ?? (process.env.KAFKA_BROKERS ?? "").split(",");

try {
  const suffix = `${Date.now().toString(36)}.${randomBytes(3).toString("hex")}`;
  const kafkajs = await benchKafkajs(`bench.bus.kafkajs.${suffix}`);
  const java = await benchJavaProducer(`bench.bus.java.${suffix}`, kafkajs.recordBytes);
  const result = {
    messages: MESSAGES,
    kafkajsMsgsPerSec: Math.round(kafkajs.endToEndMsgsPerSec),
    javaProducerMsgsPerSec: Math.round(java.msgsPerSec),
    details: {
      kafkaVersion: await pinnedKafkaVersion(),
      kafkajsVersion: "2.2.4",
      partitions: PARTITIONS,
      recordBytes: kafkajs.recordBytes,
      kafkajsPublishBatch: BATCH,
      kafkajsPublishOnlyMsgsPerSec: Math.round(kafkajs.publishMsgsPerSec),
      kafkajsSeconds: round(kafkajs.seconds),
      javaProducerLine: java.summary,
      note:
        "kafkajs: KafkaBus.publish (zod validation, acks=all, batches of 1000, 4 in flight) while a KafkaBus " +
        "subscriber consumes with per-message handling and commits; msgs/s = messages / (first publish -> last " +
        "consumed). Java: org.apache.kafka.tools.ProducerPerformance, same broker, same record size, acks=all.",
    },
  };
  await mkdir(dirname(RESULT_FILE), { recursive: true });
  await writeFile(RESULT_FILE, `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    `bus bench (${MESSAGES} messages of ${kafkajs.recordBytes} B, Kafka ${result.details.kafkaVersion}):\n` +
      `  kafkajs publish+consume: ${result.kafkajsMsgsPerSec} msgs/s (publish alone ${result.details.kafkajsPublishOnlyMsgsPerSec} msgs/s)\n` +
      `  Java ProducerPerformance: ${result.javaProducerMsgsPerSec} msgs/s\n` +
      `  written to ${RESULT_FILE}`,
  );
} finally {
  await broker?.stop();
}

async function benchKafkajs(topic: string) {
  const catalog = {
    [topic]: {
      name: topic,
      key: "symbol",
      keyOf: (tick) => tick.symbol,
      schema: PriceTickSchema,
      partitions: PARTITIONS,
    } satisfies TopicSpec<typeof PriceTickSchema>,
  };
  const bus = new KafkaBus({ catalog, brokers, clientId: "bench" });
  await bus.start();
  const baseTs = Date.now();
  const tick = (i: number) => ({
    value: {
      v: 1 as const,
      symbol: SYMBOLS[i % SYMBOLS.length] ?? "AAPL",
      price: 100 + (i % 1000) / 100,
      ts: baseTs + i,
      volume: i % 500,
    },
  });
  const recordBytes = Buffer.byteLength(JSON.stringify(tick(123_456).value));

  let consumed = 0;
  let allConsumed: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    allConsumed = resolve;
  });
  const sub = await bus.subscribe({
    groupId: `bench-${topic}`,
    topics: [topic],
    handler: async () => {
      if (++consumed === MESSAGES) allConsumed();
    },
  });

  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  for (let from = 0; from < MESSAGES; from += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, MESSAGES - from) }, (_, i) => tick(from + i));
    const sending = bus.publish(topic, batch).then(() => {
      inFlight.delete(sending);
    });
    inFlight.add(sending);
    if (inFlight.size >= IN_FLIGHT_BATCHES) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const published = performance.now();
  await done;
  const finished = performance.now();
  await sub.stop();
  await bus.close();
  const seconds = (finished - started) / 1000;
  return {
    recordBytes,
    seconds,
    endToEndMsgsPerSec: MESSAGES / seconds,
    publishMsgsPerSec: MESSAGES / ((published - started) / 1000),
  };
}

async function benchJavaProducer(topic: string, recordBytes: number) {
  const admin = new Kafka({ clientId: "bench-admin", brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  await admin.disconnect();
  const classpath = await resolveKafkaClasspath();
  const { stdout } = await run(
    "java",
    [
      "-Xmx512m",
      "-cp",
      classpath,
      "org.apache.kafka.tools.ProducerPerformance",
      "--topic",
      topic,
      "--num-records",
      String(MESSAGES),
      "--record-size",
      String(recordBytes),
      "--throughput",
      "-1",
      "--producer-props",
      `bootstrap.servers=${brokers.join(",")}`,
      "acks=all",
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  // The last line is the summary: "N records sent, X records/sec (Y MB/sec), ... ms avg latency, ...".
  const summary = stdout.trim().split("\n").at(-1) ?? "";
  const match = /records sent, ([\d.]+) records\/sec/.exec(summary);
  if (!match?.[1]) throw new Error(`could not read ProducerPerformance's summary from:\n${stdout}`);
  return { msgsPerSec: Number(match[1]), summary };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
