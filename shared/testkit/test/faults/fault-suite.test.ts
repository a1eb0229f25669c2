// The fault suite: docker-compose.yml's services as local processes (the compose harness) on a private Kafka
// broker and a private PostgreSQL cluster that this suite may crash, the fake Finnhub / Telegram / Discord as
// upstreams. 520 one-shot alerts of every kind for 52 Telegram and 52 Discord users watch ten symbols whose
// prices walk through scripted plateaus; every alert fires at a known plateau or never (scenario.ts).
// While prices move, faults happen one after another at seeded random moments: SIGKILL and restart of each
// service, a crash-restart of the broker and of PostgreSQL, a dropped Finnhub socket, 5xx and 429 storms on both
// platforms. Afterwards each platform holds exactly one DM per expected alert and none for the others, the
// outbox has nothing unpublished, and every alert's final status matches the reference.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCompose } from "../../src/deploy/compose.ts";
import { ComposeHarness } from "../../src/deploy/compose-harness.ts";
import { FakeDiscord } from "../../src/discord/index.ts";
import { FakeFinnhub } from "../../src/finnhub/index.ts";
import { type KafkaBroker, startKafkaBroker } from "../../src/kafka/index.ts";
import { type PostgresCluster, startPostgresCluster } from "../../src/postgres-cluster.ts";
import { FakeTelegram } from "../../src/telegram/index.ts";
import { REPO_ROOT, repoFile } from "../deploy/repo.ts";
import {
  levelOf,
  type PlannedAlert,
  planAlerts,
  REFERENCE_PRICE,
  STEPS,
  SYMBOLS,
  seededRandom,
} from "./scenario.ts";

const NODE = existsSync(join(REPO_ROOT, "node_modules/.bin/node"))
  ? join(REPO_ROOT, "node_modules/.bin/node")
  : process.execPath;
const SEED = Number(process.env.FAULT_SEED ?? Date.now() % 1_000_000);
const USERS_PER_PLATFORM = 52;
const ALERTS_PER_USER = 5;
const TICK_EVERY_MS = 200;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

type Platform = "telegram" | "discord";
interface CreatedAlert extends PlannedAlert {
  id: string;
  platform: Platform;
  userRef: string;
}
interface FaultRecord {
  step: number;
  fault: string;
  /** What happened, e.g. how long the service took to be healthy again. */
  detail: string;
}

let broker: KafkaBroker | undefined;
let postgres: PostgresCluster | undefined;
let databaseUrl: string;
let telegram: FakeTelegram;
let discord: FakeDiscord;
let finnhub: FakeFinnhub;
let harness: ComposeHarness | undefined;
let tickConsumer: ReturnType<Kafka["consumer"]> | undefined;
let ticker: ReturnType<typeof setInterval> | undefined;
const random = seededRandom(SEED);
const created: CreatedAlert[] = [];
const faults: FaultRecord[] = [];
/** Every price seen on prices.ticks, in arrival order (price, high and low of each tick). */
const observed: { symbol: string; price: number }[] = [];
let step = 0;
let ranToTheEnd = false;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

function serviceUrl(name: string): string {
  return `http://127.0.0.1:${harness!.ports.get(name)}`;
}

async function query<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  // Own broker and database: this suite crashes both, which other suites must never see.
  [broker, postgres] = await Promise.all([startKafkaBroker(), startPostgresCluster()]);
  databaseUrl = await postgres.createDatabase("tickerbell_faults");
  telegram = await FakeTelegram.start();
  discord = await FakeDiscord.start();
  finnhub = await FakeFinnhub.start({
    symbols: SYMBOLS.map((symbol) => ({
      symbol,
      description: `FAULT SUITE ${symbol}`,
      price: REFERENCE_PRICE,
    })),
  });
}, 180_000);

afterAll(async () => {
  if (ticker) clearInterval(ticker);
  await tickConsumer?.disconnect().catch(() => {});
  const codes = await harness?.stop();
  if (!ranToTheEnd && harness) {
    for (const name of codes?.keys() ?? []) console.error(`--- ${name} ---\n${harness.logs(name)}`);
  }
  await finnhub?.close();
  await discord?.close();
  await telegram?.close();
  await broker?.stop();
  await postgres?.destroy();
}, 120_000);

function composeVars(): Record<string, string> {
  const secret = () => randomBytes(16).toString("hex");
  return {
    API_TOKEN_DISCORD: secret(),
    API_TOKEN_TELEGRAM: secret(),
    API_TOKEN_INTERNAL: secret(),
    POSTGRES_PASSWORD: secret(),
    TELEGRAM_TOKEN: telegram.token,
    TELEGRAM_API_ROOT: telegram.apiRoot,
    DISCORD_TOKEN: discord.token,
    DISCORD_API_BASE: discord.apiBase,
    FINNHUB_API_KEY: finnhub.apiKey,
    FINNHUB_WS_URL: finnhub.wsUrl,
    FINNHUB_REST_URL: finnhub.restUrl,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "warn",
  };
}

/** The alerts each platform's fake received a notification DM for, one entry per DM. */
function deliveredAlertIds(): Record<Platform, string[]> {
  const tg = telegram
    .allSent()
    .filter((m) => m.method === "sendMessage" && (m.text?.startsWith("🔔") ?? false))
    .map((m) => UUID.exec(JSON.stringify(m.replyMarkup ?? {}))?.[0] ?? "?");
  const dc = created
    .filter((a) => a.platform === "discord")
    .map((a) => a.userRef)
    .filter((ref, i, all) => all.indexOf(ref) === i)
    .flatMap((ref) => discord.dmsTo(ref))
    .filter((m) => String((m.embeds[0] as { title?: string } | undefined)?.title ?? "").startsWith("🔔"))
    .map((m) => UUID.exec(JSON.stringify(m.components))?.[0] ?? "?");
  return { telegram: tg, discord: dc };
}

function countsOf(ids: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

/** Pushes the current plateau of every symbol, as trades on the fake Finnhub socket. */
function pushPlateau(): void {
  finnhub.pushTrades(SYMBOLS.map((symbol, i) => ({ symbol, price: levelOf(i, step) })));
}

/** Moves to the next plateau and resolves once pricing published it to prices.ticks for every symbol. */
async function advanceTo(next: number, timeoutMs = 90_000): Promise<void> {
  step = next;
  const from = observed.length;
  pushPlateau();
  await until(
    () =>
      SYMBOLS.every((symbol, i) =>
        observed.slice(from).some((o) => o.symbol === symbol && o.price === levelOf(i, next)),
      ),
    `plateau ${next} on prices.ticks`,
    timeoutMs,
  );
}

/** SIGKILL at a random moment within the next `withinMs`, then start it again; resolves once healthy. */
async function crashAndRestart(name: string, withinMs: number): Promise<void> {
  const delay = Math.round(random() * withinMs);
  await sleep(delay);
  const atStep = step;
  const killedAt = Date.now();
  await harness!.kill(name, "SIGKILL");
  await harness!.restart(name);
  faults.push({
    step: atStep,
    fault: `SIGKILL ${name}`,
    detail: `killed ${delay} ms into the window, healthy again after ${Date.now() - killedAt} ms`,
  });
}

describe("fault suite: microservices on a broker and a database that fail", () => {
  it(`sets ${USERS_PER_PLATFORM * 2 * ALERTS_PER_USER} alerts of every kind for Telegram and Discord users (seed ${SEED})`, async () => {
    const doc = parseCompose(repoFile("docker-compose.yml"));
    const env = (service: string) => doc.services[service]!.environment as Record<string, string>;
    // A restarted matcher gets its partitions once the killed one's session ends: keep that short.
    env("matcher").KAFKA_SESSION_TIMEOUT_MS = "6000";
    harness = new ComposeHarness({
      doc,
      repoRoot: REPO_ROOT,
      vars: composeVars(),
      kafkaBrokers: broker!.brokers,
      databaseUrl,
      nodeBinary: NODE,
      startTimeoutMs: 120_000,
    });
    await harness.start();
    const vars = harness.environments.get("alerts")!;

    const plan = planAlerts(USERS_PER_PLATFORM * 2 * ALERTS_PER_USER, SEED);
    const jobs = plan.map((alert, i) => {
      const user = Math.floor(i / ALERTS_PER_USER);
      const platform: Platform = user % 2 === 0 ? "telegram" : "discord";
      const userRef =
        platform === "telegram" ? String(910_000 + user) : String(720_000_000_000_000_000n + BigInt(user));
      return { alert, platform, userRef };
    });
    // Telegram users have talked to the bot (a bot may only write to such chats).
    for (const ref of new Set(jobs.filter((j) => j.platform === "telegram").map((j) => j.userRef))) {
      telegram.userSends({ id: Number(ref), first_name: `U${ref}` }, "/start");
    }
    const alertsUrl = serviceUrl("alerts");
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const { alert, platform, userRef } = jobs[next++]!;
        const res = await fetch(`${alertsUrl}/v1/alerts`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${platform === "telegram" ? vars.API_TOKEN_TELEGRAM : vars.API_TOKEN_DISCORD}`,
            "x-platform-user-id": userRef,
            "content-type": "application/json",
          },
          body: JSON.stringify({
            symbol: alert.symbol,
            condition: alert.condition,
            market: { last: REFERENCE_PRICE },
            origin: { platform, chatId: userRef },
          }),
        });
        const body = (await res.json()) as { id?: string };
        expect(res.status, JSON.stringify(body)).toBe(201);
        created.push({ ...alert, id: body.id!, platform, userRef });
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    expect(created).toHaveLength(jobs.length);
    const kinds = new Set(
      created.map((a) => {
        const c = a.condition;
        return c.kind === "trailing"
          ? `${c.kind} ${c.direction} ${c.offset.unit}`
          : `${c.kind} ${c.direction}`;
      }),
    );
    expect(kinds.size).toBe(10);
    expect(created.filter((a) => a.firesAt !== null).length).toBeGreaterThan(created.length / 2);

    // Ready for the run: pricing follows every symbol, the matcher indexed every alert.
    await finnhub.waitFor(
      () => SYMBOLS.every((s) => finnhub.subscriptions().includes(s)),
      "pricing to subscribe every symbol",
      60_000,
    );
    await until(
      async () => {
        const text = await (await fetch(`${serviceUrl("matcher")}/metrics`)).text();
        const indexed = [...text.matchAll(/^tickerbell_matcher_alerts(?:\{[^}]*\})? (\d+)/gm)].reduce(
          (sum, m) => sum + Number(m[1]),
          0,
        );
        return indexed >= created.length;
      },
      "the matcher to index every alert",
      60_000,
    );
    // Our own view of prices.ticks: a plateau counts as played once pricing published it.
    tickConsumer = new Kafka({
      clientId: "fault-suite",
      brokers: broker!.brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 1000, initialRetryTime: 200, maxRetryTime: 2000 },
    }).consumer({ groupId: `fault-suite-${SEED}`, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    await tickConsumer.connect();
    await tickConsumer.subscribe({ topic: "prices.ticks", fromBeginning: false });
    await tickConsumer.run({
      eachMessage: async ({ message }) => {
        const tick = JSON.parse(String(message.value)) as {
          symbol: string;
          price: number;
          high?: number;
          low?: number;
        };
        for (const price of [tick.price, tick.high, tick.low])
          if (price !== undefined) observed.push({ symbol: tick.symbol, price });
      },
    });
    ticker = setInterval(pushPlateau, TICK_EVERY_MS);
    await advanceTo(0, 60_000);
  }, 300_000);

  it("plays every plateau while services crash, the broker and the database restart, sockets drop and the platforms storm", async () => {
    const stepWindowMs = 1_500;
    // Steps 1-5: each service is SIGKILLed at a random moment and restarted at once; their restarts overlap
    // the following plateaus (a restarted consumer waits for the killed member's session to end).
    const restarts: Promise<void>[] = [];
    const services = ["matcher", "telegram-bot", "discord-bot", "alerts", "pricing"];
    for (const [i, name] of services.entries()) {
      await advanceTo(i + 1);
      const restart = crashAndRestart(name, stepWindowMs);
      restarts.push(restart);
      // Pricing carries the plateaus: the next one can only be played once it is back.
      if (name === "pricing") await restart;
      else await sleep(stepWindowMs);
    }
    await Promise.all(restarts);

    // Step 6: the broker crashes (SIGKILL) and comes back on the same data.
    await advanceTo(6);
    await sleep(random() * stepWindowMs);
    let startedAt = Date.now();
    await broker!.restart({ hard: true });
    faults.push({
      step: 6,
      fault: "Kafka broker SIGKILL + restart",
      detail: `back after ${Date.now() - startedAt} ms`,
    });
    await advanceTo(7);
    await sleep(stepWindowMs);

    // Step 8: PostgreSQL crashes (immediate stop, no checkpoint) and starts again.
    await advanceTo(8);
    await sleep(random() * stepWindowMs);
    startedAt = Date.now();
    await postgres!.stopServer("immediate");
    await sleep(2_000);
    await postgres!.startServer();
    faults.push({
      step: 8,
      fault: "PostgreSQL crash + restart",
      detail: `down for ${Date.now() - startedAt} ms`,
    });
    await sleep(stepWindowMs);

    // Step 9: the Finnhub socket drops; the plateau must still reach prices.ticks (reconnect or REST).
    step = 9;
    await sleep(random() * 500);
    finnhub.dropSockets();
    startedAt = Date.now();
    await advanceTo(9);
    await finnhub.waitFor(() => finnhub.openSockets > 0, "pricing to reconnect", 60_000);
    faults.push({
      step: 9,
      fault: "Finnhub socket dropped",
      detail: `reconnected after ${Date.now() - startedAt} ms`,
    });
    await advanceTo(10);
    await sleep(stepWindowMs);

    // Step 11: Telegram answers 5xx, then 429 for three seconds, while the plateau fires alerts.
    await advanceTo(11);
    telegram.failNext(15, 502);
    telegram.rateLimitStorm(3_000);
    faults.push({ step: 11, fault: "Telegram 5xx x15 + 429 storm 3 s", detail: "injected" });
    await sleep(3_000);
    // Step 12: the same on Discord.
    await advanceTo(12);
    discord.failNext(15, 502, { route: /\/messages$/ });
    discord.rateLimitStorm(3_000);
    faults.push({ step: 12, fault: "Discord 5xx x15 + 429 storm 3 s", detail: "injected" });
    await sleep(3_000);
    await advanceTo(13);

    // Every expected notification arrives (bounded), then a quiet period shows nothing more comes.
    const expected = created.filter((a) => a.firesAt !== null);
    await until(
      () => {
        const got = deliveredAlertIds();
        const all = new Set([...got.telegram, ...got.discord]);
        return expected.every((a) => all.has(a.id));
      },
      "every expected notification",
      120_000,
    );
    await sleep(3_000);
    ranToTheEnd = true;
    console.info(
      `fault suite seed ${SEED}: ${created.length} alerts, ${expected.length} expected to fire\n${faults
        .map((f) => `  step ${f.step}: ${f.fault} — ${f.detail}`)
        .join("\n")}`,
    );
  }, 420_000);

  it("each platform got exactly one DM per expected alert, none for the others", () => {
    expect(ranToTheEnd).toBe(true);
    const got = deliveredAlertIds();
    for (const platform of ["telegram", "discord"] as const) {
      const counts = countsOf(got[platform]);
      const mine = created.filter((a) => a.platform === platform);
      const expectedIds = mine.filter((a) => a.firesAt !== null).map((a) => a.id);
      const missing = expectedIds.filter((id) => !counts.has(id));
      const duplicated = [...counts].filter(([, n]) => n > 1).map(([id, n]) => `${id} x${n}`);
      const unexpected = [...counts.keys()].filter((id) => !expectedIds.includes(id));
      expect({ platform, missing, duplicated, unexpected }).toEqual({
        platform,
        missing: [],
        duplicated: [],
        unexpected: [],
      });
    }
  });

  it.each(Array.from({ length: STEPS - 1 }, (_, i) => i + 1))(
    "plateau %i: its alerts were each delivered once",
    (at) => {
      expect(ranToTheEnd).toBe(true);
      const got = deliveredAlertIds();
      const counts = countsOf([...got.telegram, ...got.discord]);
      const firing = created.filter((a) => a.firesAt === at);
      const wrong = firing
        .filter((a) => counts.get(a.id) !== 1)
        .map((a) => `${a.id} x${counts.get(a.id) ?? 0}`);
      expect(
        wrong,
        faults
          .filter((f) => f.step === at)
          .map((f) => f.fault)
          .join(", "),
      ).toEqual([]);
    },
  );

  it("nothing is left in the outbox, and every alert's final state matches the reference", async () => {
    expect(ranToTheEnd).toBe(true);
    await until(
      async () =>
        (await query<{ n: string }>("select count(*) as n from outbox where published_at is null"))[0]!.n ===
        "0",
      "the outbox relay to publish every row",
      30_000,
    );
    const rows = await query<{ id: string; status: string; generation: number }>(
      "select id, status, generation from alerts",
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    const wrong = created
      .filter((a) => byId.get(a.id)?.status !== (a.firesAt === null ? "active" : "triggered"))
      .map((a) => `${a.id} ${byId.get(a.id)?.status}`);
    expect(wrong).toEqual([]);
    // One recorded firing and one delivery-log row per expected alert, nothing else.
    const expectedTriggers = created
      .filter((a) => a.firesAt !== null)
      .map((a) => `${a.id}:0`)
      .sort();
    const triggers = await query<{ trigger_id: string }>(
      "select trigger_id from alert_triggers order by trigger_id",
    );
    expect(triggers.map((t) => t.trigger_id)).toEqual(expectedTriggers);
    const deliveries = await query<{ trigger_id: string; status: string }>(
      "select trigger_id, status from deliveries order by trigger_id",
    );
    expect(deliveries.map((d) => `${d.trigger_id} ${d.status}`)).toEqual(
      expectedTriggers.map((t) => `${t} sent`),
    );
  }, 60_000);
});
