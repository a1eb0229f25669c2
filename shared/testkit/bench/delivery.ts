// Delivery benchmark, the bot side alone: the alert service and the Telegram bot as processes (from
// docker-compose.yml, through ComposeHarness) on a real broker and PostgreSQL; this process publishes a burst of
// notifications straight onto notifications.telegram (one per chat, as the matcher would) and counts the DMs at
// the fake Telegram. Two phases: the free limit raised to TELEGRAM_LIMIT/s, then paid-broadcast mode
// (TELEGRAM_ALLOW_PAID_BROADCAST=true, 1,000/s), each measured after a warm-up burst of 1,000 to other chats (the
// bot restarts between the phases). Prints DMs/s, lost, duplicated, 429s and the alert-service
// requests per DM; writes bench-results/delivery.json. Starts its own broker unless KAFKA_BROKERS is set.
//   node shared/testkit/bench/delivery.ts      (BENCH_DELIVERY_NOTIFICATIONS, BENCH_DELIVERY_TELEGRAM_LIMIT)
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Kafka, logLevel, Partitioners } from "kafkajs";
import { parseCompose } from "../src/deploy/compose.ts";
import { ComposeHarness } from "../src/deploy/compose-harness.ts";
import { type KafkaBroker, startKafkaBroker } from "../src/kafka/index.ts";
import { createTestDatabase, type TestDatabase } from "../src/postgres.ts";
import { FakeTelegram } from "../src/telegram/index.ts";
import {
  alertServiceRequests,
  burstFigures,
  requestsBetween,
  requestsPerDm,
  startGroupAtTheEnd,
} from "./e2e-support.ts";

const NOTIFICATIONS = Number(process.env.BENCH_DELIVERY_NOTIFICATIONS ?? 9_400);
const TELEGRAM_LIMIT = Number(process.env.BENCH_DELIVERY_TELEGRAM_LIMIT ?? 300);
const PAID_LIMIT = 1000;
/** Notifications of the warm-up burst before each measured one. */
const WARMUP = Number(process.env.BENCH_DELIVERY_WARMUP ?? 1_000);
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const RESULT_FILE = join(REPO_ROOT, "bench-results/delivery.json");
const NODE = existsSync(join(REPO_ROOT, "node_modules/.bin/node"))
  ? join(REPO_ROOT, "node_modules/.bin/node")
  : process.execPath;
const log = (line: string) => console.error(`delivery: ${line}`);

let broker: KafkaBroker | undefined;
if (!process.env.KAFKA_BROKERS) {
  log("starting a Kafka broker...");
  broker = await startKafkaBroker({ heapMb: 768 });
}
const brokers = broker?.brokers ?? (process.env.KAFKA_BROKERS ?? "").split(",");
const db: TestDatabase = await createTestDatabase("tb_bench_delivery");
const telegram = await FakeTelegram.start({
  rateLimits: {
    global: { limit: TELEGRAM_LIMIT, windowMs: 1000 },
    paidBroadcast: { limit: PAID_LIMIT, windowMs: 1000 },
  },
});
const secret = () => randomBytes(16).toString("hex");
const vars = {
  API_TOKEN_DISCORD: secret(),
  API_TOKEN_TELEGRAM: secret(),
  API_TOKEN_INTERNAL: secret(),
  POSTGRES_PASSWORD: secret(),
  TELEGRAM_TOKEN: telegram.token,
  TELEGRAM_API_ROOT: telegram.apiRoot,
  LOG_LEVEL: "warn",
  // The Telegram bot's profile (docker-compose.yml starts a bot only in its own profile).
  COMPOSE_PROFILES: "telegram",
};
const doc = parseCompose(await readFile(join(REPO_ROOT, "docker-compose.yml"), "utf8"));
// The alert service (the delivery log) and the Telegram bot only.
for (const name of Object.keys(doc.services)) {
  if (!["kafka", "postgres", "alerts", "telegram-bot"].includes(name)) delete doc.services[name];
}
const bot = doc.services["telegram-bot"]!;
delete (bot.depends_on as Record<string, unknown>).pricing;
// The alert service asks pricing only when an alert is created; the burst creates none.
const alertService = doc.services.alerts!;
if (alertService.depends_on) delete (alertService.depends_on as Record<string, unknown>).pricing;
if ((alertService.environment as Record<string, string> | undefined)?.PRICING_URL !== undefined)
  (alertService.environment as Record<string, string>).PRICING_URL = "http://127.0.0.1:9";
const runId = randomBytes(3).toString("hex");
Object.assign(bot.environment as Record<string, string>, {
  // Only commands ask for prices; the burst never does.
  PRICING_URL: "http://127.0.0.1:9",
  TELEGRAM_MESSAGES_PER_SECOND: String(TELEGRAM_LIMIT),
  TELEGRAM_GROUP_ID: `telegram-bot-${runId}`,
  // As the end-to-end bench's bursts: a chart edited into a DM takes a send slot of its own.
  CHARTS: "off",
  // Experiments: e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to see where the bot spends its time.
  ...(process.env.BENCH_DELIVERY_BOT_NODE_OPTIONS
    ? { NODE_OPTIONS: process.env.BENCH_DELIVERY_BOT_NODE_OPTIONS }
    : {}),
});
const harness = new ComposeHarness({
  doc,
  repoRoot: REPO_ROOT,
  vars,
  kafkaBrokers: brokers,
  databaseUrl: db.url,
  nodeBinary: NODE,
  startTimeoutMs: 180_000,
});
const producer = new Kafka({
  clientId: `bench-delivery-${runId}`,
  brokers,
  logLevel: logLevel.NOTHING,
}).producer({
  createPartitioner: Partitioners.DefaultPartitioner,
});

let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    await producer.disconnect().catch(() => undefined);
    await harness.stop();
    await telegram.close();
    await db.drop();
    await broker?.stop();
  })();
  return cleaning;
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void cleanUp().finally(() => process.exit(130));
  });
}

try {
  await startGroupAtTheEnd(brokers, `telegram-bot-${runId}`, "notifications.telegram");
  await harness.start();
  await producer.connect();
  const alertsUrl = `http://127.0.0.1:${harness.ports.get("alerts")}`;
  // One real alert: the delivery log records outcomes only for alerts it knows on the bot's platform. Each
  // notification of the burst is another generation of it, to its own chat.
  const alert = await createAlert(alertsUrl);

  const free = await burst("free", 100_000_000, TELEGRAM_LIMIT, alertsUrl, alert);
  // Paid-broadcast mode: the operator's switch; the pace defaults to 1,000/s.
  await harness.kill("telegram-bot", "SIGTERM");
  const env = harness.environments.get("telegram-bot")!;
  delete env.TELEGRAM_MESSAGES_PER_SECOND;
  env.TELEGRAM_ALLOW_PAID_BROADCAST = "true";
  await harness.restart("telegram-bot");
  const paid = await burst("paid", 200_000_000, PAID_LIMIT, alertsUrl, alert);

  const result = {
    notifications: NOTIFICATIONS,
    free,
    paid,
    targets: {
      free: {
        target: `>= ${0.9 * TELEGRAM_LIMIT}/s, 0 lost, 0 duplicated`,
        met: meets(free, TELEGRAM_LIMIT),
      },
      paid: { target: `>= ${0.9 * PAID_LIMIT}/s, 0 lost, 0 duplicated`, met: meets(paid, PAID_LIMIT) },
    },
    loadAverage1mAtEnd: loadavg()[0],
    note:
      "The alert service and the Telegram bot run as processes from docker-compose.yml on one Kafka broker and " +
      "PostgreSQL; this process publishes one notification per chat onto notifications.telegram after the bot " +
      "owns its partitions, and the fake Telegram counts DMs. Rates are first to last DM.",
  };
  await mkdir(dirname(RESULT_FILE), { recursive: true });
  await writeFile(RESULT_FILE, `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    `delivery bench (bot side, ${NOTIFICATIONS} notifications, one per chat):\n` +
      `  free limit ${TELEGRAM_LIMIT}/s: ${free.deliveredPerSec}/s, lost ${free.lost}, duplicated ${free.duplicated}, 429s ${free.tooManyRequests}, alert-service requests per DM ${free.alertServiceRequestsPerDm}, bot CPU ${free.botCpuMsPerDm} ms per DM (${result.targets.free.met ? "met" : "NOT met"})\n` +
      `  paid broadcast ${PAID_LIMIT}/s: ${paid.deliveredPerSec}/s, lost ${paid.lost}, duplicated ${paid.duplicated}, 429s ${paid.tooManyRequests}, alert-service requests per DM ${paid.alertServiceRequestsPerDm}, bot CPU ${paid.botCpuMsPerDm} ms per DM (${result.targets.paid.met ? "met" : "NOT met"})\n` +
      `  written to ${RESULT_FILE}`,
  );
} catch (error) {
  for (const name of ["alerts", "telegram-bot"])
    console.error(`--- ${name}\n${harness.logs(name).split("\n").slice(-30).join("\n")}`);
  throw error;
} finally {
  await cleanUp();
}

/** process_cpu_seconds_total of a process's /metrics. */
async function cpuSeconds(baseUrl: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith("process_cpu_seconds_total"));
  return Number(line?.split(" ").at(-1) ?? Number.NaN);
}

function meets(
  figures: { deliveredPerSec: number; lost: number; duplicated: number },
  limit: number,
): boolean {
  return figures.deliveredPerSec >= 0.9 * limit && figures.lost === 0 && figures.duplicated === 0;
}

async function createAlert(alertsUrl: string): Promise<{ id: string; userId: string }> {
  const res = await fetch(`${alertsUrl}/v1/alerts`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${vars.API_TOKEN_TELEGRAM}`,
      "x-platform-user-id": "42",
      "content-type": "application/json",
    },
    body: JSON.stringify({
      symbol: "BNCH",
      market: { last: 100 },
      origin: { platform: "telegram", chatId: "42" },
      condition: { kind: "price", direction: "above", target: 150 },
    }),
  });
  if (res.status !== 201) throw new Error(`creating the alert: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; userId: string };
}

/**
 * After a warm-up burst, publishes one notification per chat (chat ids from `firstChat`) and waits until every
 * DM is in.
 */
async function burst(
  phase: string,
  firstChat: number,
  limit: number,
  alertsUrl: string,
  alert: { id: string },
) {
  // A bot that has just started runs cold code for its first seconds: a warm-up burst to other chats first, as
  // a bot in service is warm when a burst comes (the figures below count only the measured burst).
  const warmChats = Array.from({ length: WARMUP }, (_, i) => firstChat + 50_000_000 + i);
  await publishBurst(warmChats, alert);
  await waitForDms(new Set(warmChats), limit);
  const chats = Array.from({ length: NOTIFICATIONS }, (_, i) => firstChat + i);
  const refusalsBefore = telegram.tooManyRequests().length;
  const httpBefore = await alertServiceRequests(alertsUrl);
  const botUrl = `http://127.0.0.1:${harness.ports.get("telegram-bot")}`;
  const botCpuBefore = await cpuSeconds(botUrl);
  const startedAt = Date.now();
  await publishBurst(chats, alert);
  const received = await waitForDms(new Set(chats), limit);
  const figures = burstFigures(received, chats, startedAt);
  const http = requestsBetween(httpBefore, await alertServiceRequests(alertsUrl));
  const tooManyRequests = telegram.tooManyRequests().length - refusalsBefore;
  const refusedAt = telegram
    .tooManyRequests()
    .slice(refusalsBefore)
    .map((r) => r.at - (received[0]?.receivedAt ?? startedAt));
  const perSecond = new Map<number, number>();
  for (const m of received) {
    const second = Math.floor((m.receivedAt - (received[0]?.receivedAt ?? 0)) / 1000);
    perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
  }
  log(
    `${phase}: DMs per second ${[...perSecond.values()].join(" ")}; 429s at ${refusedAt.slice(0, 20).join(" ")}`,
  );
  // What each DM costs the bot in CPU: unlike the rate, it hardly depends on what else the machine runs.
  const botCpuMsPerDm =
    Math.round((((await cpuSeconds(botUrl)) - botCpuBefore) / received.length) * 1e6) / 1000;
  const out = {
    ...figures,
    botCpuMsPerDm,
    limitPerSec: limit,
    tooManyRequests,
    paidBroadcastDms: received.filter((m) => m.paidBroadcast).length,
    alertServiceRequests: http,
    alertServiceRequestsPerDm: requestsPerDm(http, received.length),
  };
  log(`${phase}: ${JSON.stringify(out)}`);
  return out;
}

/** One notification per chat, each another generation of `alert`, published as the matcher would: all at once. */
async function publishBurst(chats: readonly number[], alert: { id: string }): Promise<void> {
  for (const id of chats) telegram.knowUser({ id });
  const notifications = chats.map((chatId) => ({
    v: 1,
    type: "triggered",
    triggerId: `${alert.id}:${chatId}`,
    alertId: alert.id,
    generation: chatId,
    // Keyed by user: a user per chat spreads the burst over the partitions, as real users do.
    userId: randomUUID(),
    origin: { platform: "telegram", chatId: String(chatId) },
    symbol: "BNCH",
    condition: { kind: "price", direction: "above", target: 150 },
    price: 151,
    referencePrice: 100,
    moveAbs: 51,
    movePercent: 51,
    note: null,
    repeating: false,
    firedAt: new Date().toISOString(),
  }));
  // Keyed by user, JSON (notifications.telegram's schema), all at once (the matcher publishes a tick's
  // notifications together, and a burst is many ticks at the same moment).
  const chunks: Array<typeof notifications> = [];
  for (let i = 0; i < notifications.length; i += 500) chunks.push(notifications.slice(i, i + 500));
  await Promise.all(
    chunks.map((chunk) =>
      producer.send({
        topic: "notifications.telegram",
        messages: chunk.map((value) => ({ key: value.userId, value: JSON.stringify(value) })),
      }),
    ),
  );
}

/** The DMs to `chats` once each has one (or the deadline passed), and 3 s more for late duplicates. */
async function waitForDms(chats: ReadonlySet<number>, limit: number) {
  // The notification DMs only (an edit of one, e.g. its chart, is not another DM).
  const dms = () =>
    telegram
      .allSent()
      .filter((m) => chats.has(m.chatId) && (m.method === "sendMessage" || m.method === "sendPhoto"));
  const deadline = Date.now() + Math.max(60_000, (chats.size / limit) * 3000);
  while (dms().length < chats.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  await new Promise((r) => setTimeout(r, 3_000));
  return dms();
}
