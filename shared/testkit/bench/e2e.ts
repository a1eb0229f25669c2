// End-to-end benchmark: docker-compose.yml's services as separate processes (ComposeHarness) on a real Kafka
// broker and a fresh PostgreSQL database; the fake Finnhub and the fake Telegram live in this process, so a
// trade's send time and its DM's arrival are read on one clock.
//   1. latency: ALERTS alerts (one per Telegram user, spread over SYMBOLS symbols), TICK_RATE trades/s of noise,
//      a few of them per second crossing exactly one alert's level; trade sent -> DM received, p50/p99;
//   2. sustained rate: trade rate stepped up until the matcher's lag on prices.ticks grows or pricing stops
//      taking trades off the socket at the offered rate;
//   3. burst: every alert still armed fires on one frame; delivery rate against the Telegram limit, lost and
//      duplicated DMs counted per alert at the fake, and what the DMs cost the alert service (requests per DM);
//   4. the same burst in paid-broadcast mode: the bot restarted with TELEGRAM_ALLOW_PAID_BROADCAST=true (1,000/s,
//      allow_paid_broadcast on every DM), a second set of alerts above the first burst's price;
//   5. charts on: phases 1-3 run with CHARTS=off on the bot; the bot then restarts with CHARTS=on
//      and a shorter latency run and a smaller burst on a third set of alerts measure what charts cost. Each DM is
//      counted at the fake as having its chart edited in after it (editMessageMedia) or not.
// Pricing records price history into the database (DATABASE_URL from docker-compose.yml, as the alert service):
// during the ramp the bench samples its bar recorder (the age of its oldest unwritten tick, its write buffer,
// dropped parts) to tell whether bar writes keep up at each rate.
// Writes bench-results/e2e.json. Starts its own broker unless KAFKA_BROKERS is set.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Kafka, logLevel } from "kafkajs";
import { parseCompose } from "../src/deploy/compose.ts";
import { ComposeHarness } from "../src/deploy/compose-harness.ts";
import { FakeFinnhub } from "../src/finnhub/index.ts";
import { type KafkaBroker, startKafkaBroker } from "../src/kafka/index.ts";
import { createTestDatabase, type TestDatabase } from "../src/postgres.ts";
import { FakeTelegram, type RecordedMessage } from "../src/telegram/index.ts";
import {
  alertServiceRequests,
  burstFigures,
  percentile,
  requestsBetween,
  requestsPerDm,
  startGroupAtTheEnd,
  Ticker,
} from "./e2e-support.ts";

const ALERTS = Number(process.env.BENCH_E2E_ALERTS ?? 10_000);
const SYMBOLS = 40; // under Finnhub's 50 symbols per socket, so every symbol streams
const TICK_RATE = Number(process.env.BENCH_E2E_TICK_RATE ?? 1_000);
const LATENCY_SECONDS = Number(process.env.BENCH_E2E_LATENCY_SECONDS ?? 30);
const CROSSINGS_PER_SECOND = 20; // DMs/s during the latency run: far below the send limit
const RAMP = (process.env.BENCH_E2E_RAMP ?? "2000,5000,10000,20000,30000,40000,60000,80000")
  .split(",")
  .map(Number);
const RAMP_STEP_SECONDS = 10;
/** The recorder writes every 2 s, so its oldest tick's wait swings between 0 and about that, plus the write. */
const BAR_FLUSH_SLACK_MS = 2_000;
// Telegram's real limit is 30 msgs/s; the fake and the bot are both raised to this so the burst fits the run.
const TELEGRAM_LIMIT_PER_SECOND = Number(process.env.BENCH_E2E_TELEGRAM_LIMIT ?? 300);
/** The paid-broadcast burst: Telegram takes up to 1,000 messages/s with allow_paid_broadcast. */
const PAID_BROADCAST_LIMIT_PER_SECOND = 1000;
/** The charts-on run is shorter than the charts-off one, to keep the bench's total time in bounds. */
const CHARTS_ON_LATENCY_SECONDS = Number(
  process.env.BENCH_E2E_CHARTS_LATENCY_SECONDS ?? Math.min(LATENCY_SECONDS, 15),
);
const CHARTS_ON_ALERTS = Number(process.env.BENCH_E2E_CHARTS_ALERTS ?? Math.min(ALERTS, 3_000));
const CREATE_CONCURRENCY = 64;
const BASE_PRICE = 100;
const FIRST_LEVEL = 150;
const LEVEL_STEP = 0.5;

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const RESULT_FILE = join(REPO_ROOT, "bench-results/e2e.json");
const NODE = existsSync(join(REPO_ROOT, "node_modules/.bin/node"))
  ? join(REPO_ROOT, "node_modules/.bin/node")
  : process.execPath;
const symbols = Array.from({ length: SYMBOLS }, (_, i) => `E${String.fromCharCode(65 + (i % 26))}${i}`);
/** Alerts of the first set (latency, burst) and of the second (paid burst): each its own users and levels. */
interface AlertSet {
  userIdOf: (alertIndex: number) => number;
  levelOf: (alertIndex: number) => number;
  /** A price above every level of the set. */
  abovePrice: number;
}
const FIRST_SET: AlertSet = {
  userIdOf: (alertIndex) => 900_000_000 + alertIndex,
  levelOf: (alertIndex) => FIRST_LEVEL + Math.floor(alertIndex / SYMBOLS) * LEVEL_STEP,
  abovePrice: FIRST_LEVEL + ALERTS * LEVEL_STEP,
};
const PAID_SET: AlertSet = {
  userIdOf: (alertIndex) => 910_000_000 + alertIndex,
  levelOf: (alertIndex) => FIRST_SET.abovePrice + 1000 + Math.floor(alertIndex / SYMBOLS) * LEVEL_STEP,
  abovePrice: FIRST_SET.abovePrice + 1000 + ALERTS * LEVEL_STEP,
};
/** The charts-on run's alerts, above everything the paid burst fired. */
const CHARTS_SET: AlertSet = {
  userIdOf: (alertIndex) => 920_000_000 + alertIndex,
  levelOf: (alertIndex) => PAID_SET.abovePrice + 1000 + Math.floor(alertIndex / SYMBOLS) * LEVEL_STEP,
  abovePrice: PAID_SET.abovePrice + 1000 + CHARTS_ON_ALERTS * LEVEL_STEP,
};
/** Crossing alerts used so far per set and symbol: each latency run fires the next level up. */
const levelsUsed = new Map<AlertSet, number[]>();
const symbolOf = (alertIndex: number) => symbols[alertIndex % SYMBOLS]!;
const log = (line: string) => console.error(`e2e: ${line}`);
/** Experiments: BENCH_E2E_BOT_MAX_WAIT_MS sets the bot's fetch wait. */
const botTuning = (): Record<string, string> =>
  process.env.BENCH_E2E_BOT_MAX_WAIT_MS
    ? { KAFKA_CONSUMER_MAX_WAIT_MS: process.env.BENCH_E2E_BOT_MAX_WAIT_MS }
    : {};

let broker: KafkaBroker | undefined;
if (!process.env.KAFKA_BROKERS) {
  log("starting a Kafka broker...");
  broker = await startKafkaBroker({ heapMb: 768 });
}
const brokers = broker?.brokers ?? (process.env.KAFKA_BROKERS ?? "").split(",");
const db: TestDatabase = await createTestDatabase("tb_bench_e2e");
const telegram = await FakeTelegram.start({
  rateLimits: {
    global: { limit: TELEGRAM_LIMIT_PER_SECOND, windowMs: 1000 },
    paidBroadcast: { limit: PAID_BROADCAST_LIMIT_PER_SECOND, windowMs: 1000 },
  },
});
const finnhub = await FakeFinnhub.start({
  symbols: symbols.map((symbol) => ({ symbol, description: `BENCH ${symbol}`, price: BASE_PRICE })),
  pingIntervalMs: 0,
});
const secret = () => randomBytes(16).toString("hex");
const vars = {
  API_TOKEN_DISCORD: secret(),
  API_TOKEN_TELEGRAM: secret(),
  API_TOKEN_INTERNAL: secret(),
  POSTGRES_PASSWORD: secret(),
  TELEGRAM_TOKEN: telegram.token,
  TELEGRAM_API_ROOT: telegram.apiRoot,
  DISCORD_TOKEN: "unused",
  FINNHUB_API_KEY: finnhub.apiKey,
  FINNHUB_WS_URL: finnhub.wsUrl,
  FINNHUB_REST_URL: finnhub.restUrl,
  LOG_LEVEL: "warn",
  // The Telegram bot's profile (docker-compose.yml starts a bot only in its own profile).
  COMPOSE_PROFILES: "telegram",
};
const doc = parseCompose(await readFile(join(REPO_ROOT, "docker-compose.yml"), "utf8"));
// The Telegram path only: the Discord bot would only compete for the two cores.
delete doc.services["discord-bot"];
delete doc.services["discord-register"];
const runId = randomBytes(3).toString("hex");
Object.assign(doc.services["telegram-bot"]!.environment as Record<string, string>, {
  TELEGRAM_MESSAGES_PER_SECOND: String(TELEGRAM_LIMIT_PER_SECOND),
  // notifications.telegram has 3 partitions (keyed by user): all of them at once.
  KAFKA_CONSUMER_PARTITIONS_CONCURRENTLY: "3",
  // Its own group, started at the end of the topic: a bot of another suite on a shared broker in the default
  // group would take partitions (and this run's DMs) over, and the topic's history is not this run's.
  TELEGRAM_GROUP_ID: `telegram-bot-${runId}`,
  // Phases 1-4 without charts; phase 5 restarts the bot with them.
  CHARTS: "off",
  ...botTuning(),
});
// Experiments: BENCH_E2E_PROFILE_DIR writes a CPU profile of every service process there when it stops.
if (process.env.BENCH_E2E_PROFILE_DIR) {
  for (const name of ["alerts", "pricing", "matcher", "telegram-bot"])
    Object.assign(doc.services[name]!.environment as Record<string, string>, {
      NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_E2E_PROFILE_DIR}`,
    });
}
Object.assign(doc.services.matcher!.environment as Record<string, string>, {
  MATCHER_GROUP_ID: `matcher-${runId}`,
});
Object.assign(doc.services.alerts!.environment as Record<string, string>, {
  ALERTS_RUNTIME_GROUP_ID: `alerts-runtime-${runId}`,
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
const admin = new Kafka({ clientId: "bench-e2e-admin", brokers, logLevel: logLevel.NOTHING }).admin();

/** prices.ticks high watermarks before this run published anything, per partition. */
const tickBaseline = new Map<number, number>();
let cleaning: Promise<void> | undefined;
/** Stops everything this run started; also on Ctrl-C, so no service process outlives the bench. */
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    await admin.disconnect().catch(() => undefined);
    await harness.stop();
    await finnhub.close();
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
  const started = performance.now();
  await startGroupAtTheEnd(brokers, `telegram-bot-${runId}`, "notifications.telegram");
  await harness.start();
  await admin.connect();
  for (const p of await admin.fetchTopicOffsets("prices.ticks"))
    tickBaseline.set(p.partition, Number(p.high));
  log(`services up in ${Math.round(performance.now() - started)} ms (broker ${brokers.join(",")})`);
  const alertsUrl = `http://127.0.0.1:${harness.ports.get("alerts")}`;
  const matcherUrl = `http://127.0.0.1:${harness.ports.get("matcher")}`;
  const pricingUrl = `http://127.0.0.1:${harness.ports.get("pricing")}`;

  // ---- set-up: ALERTS users, one alert each, straight through the alert service API ----
  const createStarted = performance.now();
  await createAlerts(alertsUrl, vars.API_TOKEN_TELEGRAM, FIRST_SET, ALERTS);
  const createSeconds = (performance.now() - createStarted) / 1000;
  log(`${ALERTS} alerts created in ${createSeconds.toFixed(1)} s (${Math.round(ALERTS / createSeconds)}/s)`);
  await waitUntil(
    async () => (await metric(matcherUrl, "tickerbell_matcher_alerts")) >= ALERTS,
    "matcher to index every alert",
    120_000,
  );
  await finnhub.waitFor(
    () => symbols.every((s) => finnhub.subscriptions().includes(s)),
    "pricing to stream every symbol",
    120_000,
  );
  const ticker = new Ticker(finnhub, symbols, BASE_PRICE);
  // Warm-up: every process's hot path compiled before anything is timed.
  await ticker.run(TICK_RATE, 5, () => undefined);

  // ---- 1. latency at TICK_RATE (charts off) ----
  const latency = await measureLatency("latency", FIRST_SET, ALERTS, LATENCY_SECONDS, ticker);
  const { p50Ms, p99Ms, latencies, sentAt, stages } = latency;
  const loadDuringLatency = loadavg()[0];
  // Event-loop delay of each service since it started (prom-client's default metrics): a stalled loop is
  // what a latency tail on a shared 2-core machine usually is.
  const eventLoopDelay: Record<string, { p99Ms: number; maxMs: number }> = {};
  for (const name of ["alerts", "pricing", "matcher", "telegram-bot"]) {
    const url = `http://127.0.0.1:${harness.ports.get(name)}`;
    eventLoopDelay[name] = {
      p99Ms: Math.round((await metric(url, "nodejs_eventloop_lag_p99_seconds")) * 1000),
      maxMs: Math.round((await metric(url, "nodejs_eventloop_lag_max_seconds")) * 1000),
    };
  }
  log(`event-loop delay since start: ${JSON.stringify(eventLoopDelay)}`);

  // ---- 2. highest sustained trade rate ----
  const ramp: RampStep[] = [];
  let maxSustainedTicksPerSec = 0;
  for (const rate of RAMP) {
    const step = await rampStep(ticker, rate, pricingUrl, `matcher-${runId}`);
    ramp.push(step);
    log(
      `ramp ${rate}/s: offered ${step.offeredPerSec}/s, pricing took ${step.receivedPerSec}/s, published ${step.publishedPerSec} msgs/s, matcher lag ${step.lagSamples.join(" ")} -> ${step.steady ? "steady" : "GROWING"}`,
    );
    log(
      `ramp ${rate}/s: bar writes ${step.barWrites.partsWrittenPerSec} parts/s, oldest unwritten ${step.barWrites.oldestUnwrittenMsSamples.join(" ")} ms, buffered ${step.barWrites.bufferedSamples.join(" ")}, dropped ${step.barWrites.partsDropped} -> ${step.barWrites.grew ? "GROWING" : "keeping up"}`,
    );
    if (!step.steady) break;
    maxSustainedTicksPerSec = step.offeredPerSec;
    await drainLag(`matcher-${runId}`);
  }
  await drainLag(`matcher-${runId}`);

  const atHighestRate = ramp.find((step) => step.offeredPerSec === maxSustainedTicksPerSec);
  const barWrites = {
    perStep: ramp.map((step) => ({
      offeredPerSec: step.offeredPerSec,
      partsWrittenPerSec: step.barWrites.partsWrittenPerSec,
      maxOldestUnwrittenMs: Math.max(0, ...step.barWrites.oldestUnwrittenMsSamples),
      maxBuffered: Math.max(0, ...step.barWrites.bufferedSamples),
      partsDropped: step.barWrites.partsDropped,
      writeFailures: step.barWrites.writeFailures,
      grew: step.barWrites.grew,
    })),
    partsWrittenInRun: (await barMetrics(pricingUrl)).written,
    sustainedAtHighestRate: atHighestRate !== undefined && !atHighestRate.barWrites.grew,
    highestRate: maxSustainedTicksPerSec,
    note:
      `Pricing records minute bars into the run's PostgreSQL database (DATABASE_URL, as docker-compose.yml gives ` +
      `it) over the ${SYMBOLS} symbols of the run. Sampled once a second per ramp step: ` +
      `pricing_bar_oldest_unwritten_seconds (how long the oldest tick not yet in the store has waited; it swings ` +
      `between 0 and the 2 s flush interval plus the write) and pricing_bar_parts_buffered. A step's writes grew ` +
      `when its second half waited more than ${BAR_FLUSH_SLACK_MS} ms longer than its first half's longest, or ` +
      `parts were dropped. sustainedAtHighestRate: at the ramp's highest sustained trade rate.`,
  };

  // ---- 3. burst: every alert still armed fires on one frame ----
  const armed = armedChats(FIRST_SET, ALERTS);
  const burst = await measureBurst(
    "burst",
    armed,
    FIRST_SET.abovePrice,
    TELEGRAM_LIMIT_PER_SECOND,
    alertsUrl,
  );

  // ---- 4. the same burst in paid-broadcast mode ----
  // The operator's switch: the bot restarts with allow_paid_broadcast on and its default pace of 1,000/s.
  await harness.kill("telegram-bot", "SIGTERM");
  const botEnv = harness.environments.get("telegram-bot")!;
  delete botEnv.TELEGRAM_MESSAGES_PER_SECOND;
  botEnv.TELEGRAM_ALLOW_PAID_BROADCAST = "true";
  await harness.restart("telegram-bot");
  const paidCount = armed.length;
  const paidCreateStarted = performance.now();
  await createAlerts(alertsUrl, vars.API_TOKEN_TELEGRAM, PAID_SET, paidCount);
  log(
    `${paidCount} more alerts for the paid burst in ${((performance.now() - paidCreateStarted) / 1000).toFixed(1)} s`,
  );
  await waitUntil(
    async () => (await metric(matcherUrl, "tickerbell_matcher_alerts")) >= paidCount,
    "matcher to index the paid burst's alerts",
    120_000,
  );
  // Warm-up, as for the charts-on run: the restarted bot's first DMs run cold code, which a bot in service
  // (like the first burst's, warm from phases 1-2) does not.
  await measureLatency("paid warm-up", PAID_SET, paidCount, 3, ticker);
  const paidArmed = armedChats(PAID_SET, paidCount);
  const paidBurst = await measureBurst(
    "paid burst",
    paidArmed,
    PAID_SET.abovePrice,
    PAID_BROADCAST_LIMIT_PER_SECOND,
    alertsUrl,
  );

  // ---- 5. charts on: the bot as phases 1-3 ran it, with its charts switched on ----
  await harness.kill("telegram-bot", "SIGTERM");
  delete botEnv.TELEGRAM_ALLOW_PAID_BROADCAST;
  botEnv.CHARTS = "on";
  botEnv.TELEGRAM_MESSAGES_PER_SECOND = String(TELEGRAM_LIMIT_PER_SECOND);
  await harness.restart("telegram-bot");
  const chartsCreateStarted = performance.now();
  await createAlerts(alertsUrl, vars.API_TOKEN_TELEGRAM, CHARTS_SET, CHARTS_ON_ALERTS);
  log(
    `${CHARTS_ON_ALERTS} alerts for the charts-on run in ${((performance.now() - chartsCreateStarted) / 1000).toFixed(1)} s`,
  );
  await waitUntil(
    async () => (await metric(matcherUrl, "tickerbell_matcher_alerts")) >= CHARTS_ON_ALERTS,
    "matcher to index the charts-on run's alerts",
    120_000,
  );
  // Warm-up: the restarted bot's first charts (and their renderer) are not what a running bot pays.
  await measureLatency("charts-on warm-up", CHARTS_SET, CHARTS_ON_ALERTS, 3, ticker);
  const chartsLatency = await measureLatency(
    "charts-on latency",
    CHARTS_SET,
    CHARTS_ON_ALERTS,
    CHARTS_ON_LATENCY_SECONDS,
    ticker,
  );
  const chartsArmed = armedChats(CHARTS_SET, CHARTS_ON_ALERTS);
  const chartsBurst = await measureBurst(
    "charts-on burst",
    chartsArmed,
    CHARTS_SET.abovePrice,
    TELEGRAM_LIMIT_PER_SECOND,
    alertsUrl,
  );
  const chartsFigures = (
    run: { p50Ms: number; p99Ms: number; latencies: number[]; charts: ReturnType<typeof chartCounts> },
    b: BurstMeasurement,
    latencySeconds: number,
  ) => ({
    p50Ms: run.p50Ms,
    p99Ms: run.p99Ms,
    latencySamples: run.latencies.length,
    latencySeconds,
    latencyDms: run.charts,
    burst: { ...summaryOf(b), dms: b.charts },
  });
  const charts = {
    off: chartsFigures(latency, burst, LATENCY_SECONDS),
    on: chartsFigures(chartsLatency, chartsBurst, CHARTS_ON_LATENCY_SECONDS),
    note:
      `The same bot process settings both times (TELEGRAM_MESSAGES_PER_SECOND ${TELEGRAM_LIMIT_PER_SECOND}, fake limit ` +
      `${TELEGRAM_LIMIT_PER_SECOND}/s): "off" is phases 1 and 3 with CHARTS=off on the bot; "on" restarts the bot ` +
      `with CHARTS=on, on a third set of ${CHARTS_ON_ALERTS} alerts, with a shorter latency run ` +
      `(${CHARTS_ON_LATENCY_SECONDS} s against ${LATENCY_SECONDS} s, after a 3 s warm-up of crossings that is not ` +
      `counted) and a burst of ${chartsArmed.length} against ${armed.length}, to keep the bench's time in bounds. ` +
      `Charts are counted at the fake Telegram: the bot sends each DM at once and edits its chart in after it ` +
      `(editMessageMedia: chartEditedIn, with how long after the DM it came), or its footer says why there is none ` +
      `(withoutChart); withChart counts DMs sent as photos from the start. Counted when each run's DMs are in: a ` +
      `chart still being made then counts as without. Telegram only: the bench does not run the Discord bot.`,
  };
  log(`charts: ${JSON.stringify({ off: charts.off, on: charts.on })}`);

  const result = {
    alerts: ALERTS,
    tickRate: TICK_RATE,
    p50Ms,
    p99Ms,
    maxSustainedTicksPerSec,
    burst: summaryOf(burst),
    paidBroadcastBurst: summaryOf(paidBurst),
    charts,
    barWrites,
    targets: {
      p50Ms: { target: 25, met: p50Ms <= 25 },
      p99Ms: { target: 100, met: p99Ms <= 100 },
      maxSustainedTicksPerSec: { target: 20_000, met: maxSustainedTicksPerSec >= 20_000 },
      barWritesAtHighestRate: {
        target: "bar writes keep up at the highest sustained rate (no growing wait, nothing dropped)",
        met: barWrites.sustainedAtHighestRate && barWrites.partsWrittenInRun > 0,
      },
      burst: { target: ">= 90% of the limit, 0 lost, 0 duplicated", met: burstMet(burst) },
      paidBroadcastBurst: { target: ">= 90% of 1,000/s, 0 lost, 0 duplicated", met: burstMet(paidBurst) },
      alertServiceRequestsPerDmDuringBursts: {
        target: "none per DM (the log is written in groups)",
        met: burst.alertServiceRequestsPerDm < 0.5 && paidBurst.alertServiceRequestsPerDm < 0.5,
      },
    },
    details: {
      symbols: SYMBOLS,
      latencySeconds: LATENCY_SECONDS,
      latencySamples: latencies.length,
      latencyCrossingsSent: sentAt.size,
      latencyMaxMs: latencies.at(-1) ?? null,
      latencyP90Ms: percentile(latencies, 0.9),
      latencyStages: stages,
      eventLoopDelayAfterLatencyRun: eventLoopDelay,
      alertCreationPerSec: Math.round(ALERTS / createSeconds),
      ramp,
      bursts: { telegram: burst, paidBroadcast: paidBurst },
      loadAverage1mAfterLatencyRun: loadDuringLatency,
      loadAverage1mAtEnd: loadavg()[0],
      rampCeilingReached:
        maxSustainedTicksPerSec === ramp.at(-1)?.offeredPerSec && ramp.length === RAMP.length,
      note:
        `Services (alerts, pricing, matcher, telegram-bot) run as separate Node processes from docker-compose.yml ` +
        `through ComposeHarness, on one Kafka broker and PostgreSQL, all on this 2-core machine together with the ` +
        `fakes and the load generator. Telegram's real limit is 30 msgs/s; for the burst the fake's global limit ` +
        `and the bot's TELEGRAM_MESSAGES_PER_SECOND were both raised to ${TELEGRAM_LIMIT_PER_SECOND}/s so ` +
        `${armed.length} DMs fit the run; the paid-broadcast burst restarts the bot with ` +
        `TELEGRAM_ALLOW_PAID_BROADCAST=true (1,000/s) against the fake's paid limit of 1,000/s, on a second set of ` +
        `alerts. One alert per user, so duplicates are counted per chat (= per alert, = per triggerId). ` +
        `Requests per DM: every alert-service request during the burst over the DMs delivered. Sustained: a step holds when the matcher's lag on prices.ticks stays bounded and pricing ` +
        `takes trades off the socket at >= 95% of the offered rate (pricing conflates per symbol when the bus is busy).`,
    },
  };
  await mkdir(dirname(RESULT_FILE), { recursive: true });
  await writeFile(RESULT_FILE, `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    `e2e bench (${ALERTS} alerts, ${SYMBOLS} symbols, services as processes on Kafka + PostgreSQL):\n` +
      `  latency at ${TICK_RATE} trades/s: p50 ${p50Ms} ms (target <= 25: ${result.targets.p50Ms.met ? "met" : "NOT met"}), p99 ${p99Ms} ms (target <= 100: ${result.targets.p99Ms.met ? "met" : "NOT met"}), ${latencies.length} samples\n` +
      `  highest sustained trade rate: ${maxSustainedTicksPerSec}/s (target >= 20000: ${result.targets.maxSustainedTicksPerSec.met ? "met" : "NOT met"})\n` +
      `  burst of ${armed.length} on Telegram: ${burst.deliveredPerSec}/s of ${TELEGRAM_LIMIT_PER_SECOND}/s, lost ${burst.lost}, duplicated ${burst.duplicated}, ${burst.alertServiceRequestsPerDm} alert-service requests per DM (${result.targets.burst.met ? "met" : "NOT met"})\n` +
      `  paid-broadcast burst of ${paidArmed.length}: ${paidBurst.deliveredPerSec}/s of ${PAID_BROADCAST_LIMIT_PER_SECOND}/s, lost ${paidBurst.lost}, duplicated ${paidBurst.duplicated}, ${paidBurst.alertServiceRequestsPerDm} alert-service requests per DM (${result.targets.paidBroadcastBurst.met ? "met" : "NOT met"})\n` +
      `  bar writes at ${maxSustainedTicksPerSec} trades/s: ${barWrites.sustainedAtHighestRate ? "keeping up" : "GROWING"} (${barWrites.perStep.map((st) => `${st.offeredPerSec}/s max wait ${st.maxOldestUnwrittenMs} ms`).join(", ")})\n` +
      `  charts off -> on: latency p50 ${charts.off.p50Ms} -> ${charts.on.p50Ms} ms, p99 ${charts.off.p99Ms} -> ${charts.on.p99Ms} ms; burst ${charts.off.burst.deliveredPerSec}/s -> ${charts.on.burst.deliveredPerSec}/s; charts edited into DMs (on): latency ${charts.on.latencyDms.chartEditedIn}/${chartsLatency.latencies.length} (p50 ${charts.on.latencyDms.chartAfterDmP50Ms} ms after the DM), burst ${charts.on.burst.dms.chartEditedIn}/${chartsBurst.delivered}\n` +
      `  written to ${RESULT_FILE}`,
  );
} catch (error) {
  for (const name of ["alerts", "pricing", "matcher", "telegram-bot"])
    console.error(`--- ${name}\n${harness.logs(name).split("\n").slice(-30).join("\n")}`);
  throw error;
} finally {
  await cleanUp();
}

/**
 * TICK_RATE trades/s for `seconds`, CROSSINGS_PER_SECOND of them each crossing exactly one alert of `set` (the
 * lowest armed level on its symbol); trade sent -> DM received at the fake, split at the matcher's notification.
 */
async function measureLatency(name: string, set: AlertSet, count: number, seconds: number, ticker: Ticker) {
  // Where the time goes: the matcher's notification, read off its topic, splits trade -> DM in two.
  const published = new Map<number, number>(); // chat id -> Kafka timestamp of its notification
  const tapGroup = `bench-e2e-tap-${runId}-${name.replaceAll(" ", "-")}`;
  const tap = new Kafka({ clientId: "bench-e2e-tap", brokers, logLevel: logLevel.NOTHING }).consumer({
    groupId: tapGroup,
    maxWaitTimeInMs: 20,
  });
  // From the end of the topic: earlier runs' notifications for the same chat ids would spoil the split.
  await startGroupAtTheEnd(brokers, tapGroup, "notifications.telegram");
  await tap.connect();
  await tap.subscribe({ topic: "notifications.telegram", fromBeginning: true });
  await tap.run({
    eachMessage: async ({ message }) => {
      const { origin } = JSON.parse(String(message.value)) as { origin: { chatId: string } };
      published.set(Number(origin.chatId), Number(message.timestamp));
    },
  });
  const sentAt = new Map<number, number>(); // chat id -> when its crossing trade was sent
  const used = levelsUsed.get(set) ?? new Array<number>(SYMBOLS).fill(0);
  levelsUsed.set(set, used);
  let crossings = 0;
  const crossingEvery = Math.round(TICK_RATE / CROSSINGS_PER_SECOND);
  const before = telegram.allSent().length;
  const runBells = () =>
    telegram
      .allSent()
      .slice(before)
      .filter((m) => isBell(m) && sentAt.has(m.chatId));
  await ticker.run(TICK_RATE, seconds, (tickNumber) => {
    if (tickNumber % crossingEvery !== 0) return undefined;
    const symbolIndex = crossings++ % SYMBOLS;
    const alertIndex = used[symbolIndex]!++ * SYMBOLS + symbolIndex;
    if (alertIndex >= count) return undefined;
    return {
      symbol: symbolOf(alertIndex),
      price: set.levelOf(alertIndex) + 0.01,
      onSent: (at) => sentAt.set(set.userIdOf(alertIndex), at),
    };
  });
  await waitUntil(async () => runBells().length >= sentAt.size, `every ${name} DM`, 60_000).catch(
    () => undefined,
  );
  const dms = runBells();
  const latencies: number[] = [];
  const toPublished: number[] = [];
  const toDm: number[] = [];
  for (const bell of dms) {
    const sent = sentAt.get(bell.chatId)!;
    latencies.push(bell.receivedAt - sent);
    const at = published.get(bell.chatId);
    if (at === undefined) continue;
    toPublished.push(at - sent);
    toDm.push(bell.receivedAt - at);
  }
  latencies.sort((a, b) => a - b);
  toPublished.sort((a, b) => a - b);
  toDm.sort((a, b) => a - b);
  const stages = {
    tradeToNotificationPublishedP50Ms: percentile(toPublished, 0.5),
    tradeToNotificationPublishedP99Ms: percentile(toPublished, 0.99),
    notificationPublishedToDmP50Ms: percentile(toDm, 0.5),
    notificationPublishedToDmP99Ms: percentile(toDm, 0.99),
  };
  log(`${name} stages: ${JSON.stringify(stages)}`);
  await tap.disconnect();
  const p50Ms = percentile(latencies, 0.5);
  const p99Ms = percentile(latencies, 0.99);
  const charts = chartCounts(dms);
  log(
    `${name}: ${latencies.length}/${sentAt.size} DMs (${charts.chartEditedIn} with a chart edited in), p50 ${p50Ms} ms, p99 ${p99Ms} ms, max ${latencies.at(-1)} ms`,
  );
  return { p50Ms, p99Ms, latencies, sentAt, stages, charts };
}

/**
 * Per DM, where its chart came from: with it (sent as a photo, the text its caption), edited in after it
 * (editMessageMedia on the same message; how long after the DM), or not at all (its footer says why).
 */
function chartCounts(dms: readonly RecordedMessage[]) {
  const edits = new Map<string, RecordedMessage>();
  for (const m of telegram.allSent())
    if (m.method === "editMessageMedia") edits.set(`${m.chatId}:${m.messageId}`, m);
  let withChart = 0;
  const chartAfterDm: number[] = [];
  for (const dm of dms) {
    if (dm.method === "sendPhoto") withChart++;
    const edit = edits.get(`${dm.chatId}:${dm.messageId}`);
    if (dm.method !== "sendPhoto" && edit !== undefined) chartAfterDm.push(edit.receivedAt - dm.receivedAt);
  }
  chartAfterDm.sort((a, b) => a - b);
  return {
    withChart,
    chartEditedIn: chartAfterDm.length,
    withoutChart: dms.length - withChart - chartAfterDm.length,
    chartAfterDmP50Ms: percentile(chartAfterDm, 0.5),
    chartAfterDmP99Ms: percentile(chartAfterDm, 0.99),
  };
}

type BurstMeasurement = Awaited<ReturnType<typeof measureBurst>>;

/**
 * Fires every alert of `chats` with one frame at `price` (above all their levels) and waits for their DMs:
 * rate against `limit`, lost and duplicated per chat, 429s, and the alert-service requests the DMs cost.
 */
async function measureBurst(name: string, chats: number[], price: number, limit: number, alertsUrl: string) {
  const wanted = new Set(chats);
  const before = telegram.allSent().length;
  const burstBells = () =>
    telegram
      .allSent()
      .slice(before)
      .filter((m) => wanted.has(m.chatId) && isBell(m));
  const refusalsBefore = telegram.tooManyRequests().length;
  const httpBefore = await alertServiceRequests(alertsUrl);
  const cpuBefore = await serviceCpuSeconds();
  // Where the time goes: how fast the matcher published the burst (notifications.telegram's end offsets) and
  // how fast the DMs arrived, per second.
  const notificationsEnd = async () =>
    (await admin.fetchTopicOffsets("notifications.telegram")).reduce((sum, p) => sum + Number(p.high), 0);
  const publishedBefore = await notificationsEnd();
  const publishedPerSecond: number[] = [];
  const dmsPerSecond: number[] = [];
  let lastPublished = publishedBefore;
  let lastDms = 0;
  const sampler = setInterval(() => {
    void notificationsEnd().then((end) => {
      publishedPerSecond.push(end - lastPublished);
      lastPublished = end;
      const dms = burstBells().length;
      dmsPerSecond.push(dms - lastDms);
      lastDms = dms;
    });
  }, 1000);
  const sentAt = Date.now();
  finnhub.pushTrades(symbols.map((symbol) => ({ symbol, price })));
  await waitUntil(
    async () => burstBells().length >= chats.length,
    `the ${name} to be delivered`,
    Math.max(60_000, (chats.length / limit) * 3000),
  ).catch(() => undefined);
  clearInterval(sampler);
  log(
    `${name}: notifications published per second ${publishedPerSecond.join(" ")}; DMs per second ${dmsPerSecond.join(" ")}`,
  );
  await new Promise((r) => setTimeout(r, 5_000)); // late duplicates would show up here
  const dms = burstBells();
  const alertServiceRequestsDuringBurst = requestsBetween(httpBefore, await alertServiceRequests(alertsUrl));
  const cpuAfter = await serviceCpuSeconds();
  // What each firing cost each process (CPU ms per notification, burst and the 5 s after it together).
  const cpuMsPerFiring = Object.fromEntries(
    Object.entries(cpuAfter).map(([name, seconds]) => [
      name,
      Math.round(((seconds - (cpuBefore[name] ?? 0)) * 1e6) / chats.length) / 1000,
    ]),
  );
  const figures = burstFigures(dms, chats, sentAt);
  const measured = {
    notifications: chats.length,
    platform: "telegram",
    limitPerSec: limit,
    ...figures,
    tooManyRequests: telegram.tooManyRequests().length - refusalsBefore,
    publishedPerSecond,
    dmsPerSecond,
    paidBroadcastDms: dms.filter((m) => m.paidBroadcast).length,
    charts: chartCounts(dms),
    alertServiceRequestsDuringBurst,
    alertServiceRequestsPerDm: requestsPerDm(alertServiceRequestsDuringBurst, dms.length),
    cpuMsPerFiring,
  };
  log(`${name}: CPU ms per firing ${JSON.stringify(cpuMsPerFiring)}`);
  log(
    `${name}: ${dms.length}/${chats.length} delivered, ${figures.deliveredPerSec}/s (limit ${limit}/s), first DM ${figures.firstDmAfterMs} ms after the trade, lost ${figures.lost}, duplicated ${figures.duplicated}, 429s ${measured.tooManyRequests}, alert service ${JSON.stringify(alertServiceRequestsDuringBurst)} = ${measured.alertServiceRequestsPerDm} requests per DM`,
  );
  return measured;
}

/** process_cpu_seconds_total of each service process. */
async function serviceCpuSeconds(): Promise<Record<string, number>> {
  const seconds: Record<string, number> = {};
  for (const name of ["alerts", "pricing", "matcher", "telegram-bot"])
    seconds[name] = await metric(`http://127.0.0.1:${harness.ports.get(name)}`, "process_cpu_seconds_total");
  return seconds;
}

function summaryOf(b: BurstMeasurement) {
  return {
    notifications: b.notifications,
    platform: b.platform,
    deliveredPerSec: b.deliveredPerSec,
    limitPerSec: b.limitPerSec,
    lost: b.lost,
    duplicated: b.duplicated,
    alertServiceRequestsPerDm: b.alertServiceRequestsPerDm,
  };
}

function burstMet(b: BurstMeasurement): boolean {
  return b.deliveredPerSec >= 0.9 * b.limitPerSec && b.lost === 0 && b.duplicated === 0;
}

/** A notification DM: a text message, or a chart photo with the text as its caption. */
function isBell(m: RecordedMessage): boolean {
  return (m.method === "sendMessage" || m.method === "sendPhoto") && (m.text?.startsWith("🔔") ?? false);
}

/** The chats of the set's first `count` alerts that have not fired yet (their users got no DM so far). */
function armedChats(set: AlertSet, count: number): number[] {
  const fired = new Set(bells().map((b) => b.chatId));
  return Array.from({ length: count }, (_, i) => set.userIdOf(i)).filter((chat) => !fired.has(chat));
}

function bells(): RecordedMessage[] {
  return telegram.allSent().filter(isBell);
}

async function createAlerts(alertsUrl: string, token: string, set: AlertSet, count: number): Promise<void> {
  const { userIdOf, levelOf } = set;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      telegram.knowUser({ id: userIdOf(i) });
      const res = await fetch(`${alertsUrl}/v1/alerts`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "x-platform-user-id": String(userIdOf(i)),
          "content-type": "application/json",
        },
        body: JSON.stringify({
          symbol: symbolOf(i),
          market: { last: BASE_PRICE },
          origin: { platform: "telegram", chatId: String(userIdOf(i)) },
          condition: { kind: "price", direction: "above", target: levelOf(i) },
        }),
      });
      if (res.status !== 201) throw new Error(`creating alert ${i}: ${res.status} ${await res.text()}`);
      await res.body?.cancel();
    }
  };
  await Promise.all(Array.from({ length: CREATE_CONCURRENCY }, worker));
}

interface RampStep {
  offeredPerSec: number;
  receivedPerSec: number;
  publishedPerSec: number;
  lagSamples: number[];
  steady: boolean;
  barWrites: BarWrites;
}

/** Pricing's price-history recording during a ramp step, sampled once a second off its /metrics. */
interface BarWrites {
  /** pricing_bar_oldest_unwritten_seconds: how long the oldest unwritten tick had waited, in ms. */
  oldestUnwrittenMsSamples: number[];
  /** pricing_bar_parts_buffered: minute parts waiting for the store. */
  bufferedSamples: number[];
  partsWrittenPerSec: number;
  partsDropped: number;
  writeFailures: number;
  /** The wait climbed past what one flush interval explains, or parts were dropped. */
  grew: boolean;
}

async function rampStep(ticker: Ticker, rate: number, pricingUrl: string, group: string): Promise<RampStep> {
  const receivedBefore = await metric(pricingUrl, "pricing_ticks_received_total");
  const publishedBefore = await metric(pricingUrl, "pricing_ticks_published_total");
  const barsBefore = await barMetrics(pricingUrl);
  const lagSamples: number[] = [];
  const oldestUnwrittenMsSamples: number[] = [];
  const bufferedSamples: number[] = [];
  const sampler = setInterval(() => {
    void matcherLag(group).then((lag) => lagSamples.push(lag));
    void barMetrics(pricingUrl).then((bars) => {
      oldestUnwrittenMsSamples.push(bars.oldestUnwrittenMs);
      bufferedSamples.push(bars.buffered);
    });
  }, 1000);
  const { sent, seconds } = await ticker.run(rate, RAMP_STEP_SECONDS, () => undefined);
  clearInterval(sampler);
  const barsAfter = await barMetrics(pricingUrl);
  // Whatever pricing still had to read off the socket counts against the step.
  const receivedPerSec = Math.round(
    ((await metric(pricingUrl, "pricing_ticks_received_total")) - receivedBefore) / seconds,
  );
  const publishedPerSec = Math.round(
    ((await metric(pricingUrl, "pricing_ticks_published_total")) - publishedBefore) / seconds,
  );
  const offeredPerSec = Math.round(sent / seconds);
  // Bounded: the second half of the step never exceeds what the first half reached (plus one second of
  // published messages' worth of slack), and pricing took what was offered.
  const half = Math.floor(lagSamples.length / 2);
  const firstHalfMax = Math.max(0, ...lagSamples.slice(0, half));
  const secondHalf = lagSamples.slice(half);
  const lagBounded = secondHalf.every((lag) => lag <= firstHalfMax + Math.max(200, publishedPerSec * 0.25));
  const steady = lagBounded && receivedPerSec >= offeredPerSec * 0.95;
  // Bar writes keep up when the second half's longest wait stays within one flush of the first half's.
  const waitHalf = Math.floor(oldestUnwrittenMsSamples.length / 2);
  const firstHalfWait = Math.max(0, ...oldestUnwrittenMsSamples.slice(0, waitHalf));
  const partsDropped = barsAfter.dropped - barsBefore.dropped;
  const barWrites: BarWrites = {
    oldestUnwrittenMsSamples,
    bufferedSamples,
    partsWrittenPerSec: Math.round((barsAfter.written - barsBefore.written) / seconds),
    partsDropped,
    writeFailures: barsAfter.failures - barsBefore.failures,
    grew:
      partsDropped > 0 ||
      oldestUnwrittenMsSamples.slice(waitHalf).some((ms) => ms > firstHalfWait + BAR_FLUSH_SLACK_MS),
  };
  return { offeredPerSec, receivedPerSec, publishedPerSec, lagSamples, steady, barWrites };
}

async function barMetrics(pricingUrl: string) {
  const text = await (await fetch(`${pricingUrl}/metrics`)).text();
  return {
    oldestUnwrittenMs: Math.round(metricIn(text, "pricing_bar_oldest_unwritten_seconds") * 1000),
    buffered: metricIn(text, "pricing_bar_parts_buffered"),
    written: metricIn(text, "pricing_bar_parts_written_total"),
    dropped: metricIn(text, "pricing_bar_parts_dropped_total"),
    failures: metricIn(text, "pricing_bar_write_failures_total"),
  };
}

/** Messages of prices.ticks the matcher's group has not committed yet, over all partitions. */
async function matcherLag(group: string): Promise<number> {
  const [ends, committed] = await Promise.all([
    admin.fetchTopicOffsets("prices.ticks"),
    admin.fetchOffsets({ groupId: group, topics: ["prices.ticks"] }),
  ]);
  const done = new Map(committed[0]?.partitions.map((p) => [p.partition, Number(p.offset)]) ?? []);
  // A partition the group never committed on (none of our symbols there) starts where the run started: the
  // matcher reads from the latest offset, so older ticks (another bench on a shared broker) are not its lag.
  return ends.reduce((sum, p) => {
    const from = Math.max(done.get(p.partition) ?? -1, tickBaseline.get(p.partition) ?? 0);
    return sum + Math.max(0, Number(p.high) - from);
  }, 0);
}

async function drainLag(group: string): Promise<void> {
  await waitUntil(async () => (await matcherLag(group)) < 100, "the matcher to catch up", 120_000).catch(() =>
    log("the matcher did not catch up within 2 minutes"),
  );
}

async function metric(baseUrl: string, name: string): Promise<number> {
  return metricIn(await (await fetch(`${baseUrl}/metrics`)).text(), name);
}

/** The sum of a metric's series in a Prometheus text exposition. */
function metricIn(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`))
      sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}
