// The fault suite: docker-compose.yml's services as local processes (the compose harness, two matcher
// instances) on a private Kafka broker and a private PostgreSQL cluster that this suite may crash, the fake
// Finnhub / Telegram / Discord as upstreams. 520 one-shot alerts of every kind and 312 repeating alerts of every
// kind (cross from both sides included, cooldowns of one to three plateaus) for 52 Telegram and 52 Discord users
// watch ten symbols whose prices walk through scripted plateaus stamped with scripted trade times; the reference
// evaluator (scenario.ts) predicts every firing: triggerId, plateau and price.
// While prices move, faults happen one after another at seeded random moments: SIGKILL and restart of each
// service (the matcher first), a crash-restart of the broker and of PostgreSQL, a dropped Finnhub socket, 5xx
// and 429 storms on both platforms, then a graceful hand-over (the second matcher stops with SIGTERM, the first
// takes its partitions, the second joins again and takes some back) - with prices hovering inside repeating
// alerts' hysteresis bands right after the matcher crash and right after the hand-over.
// Afterwards each platform holds exactly one DM per expected firing (a DM may carry several firings) and none for
// any other, the outbox has nothing unpublished, no dead-letter topic holds anything, and every alert's stored
// status, generation, phase and last firing match the reference.
import { createHmac, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { CO_PARTITIONED_PARTITIONS } from "@tickerbell/contracts";
import { Kafka, logLevel } from "kafkajs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { parseCompose } from "../../src/deploy/compose.ts";
import { ComposeHarness } from "../../src/deploy/compose-harness.ts";
import { FakeDiscord } from "../../src/discord/index.ts";
import { FakeFinnhub } from "../../src/finnhub/index.ts";
import { type KafkaBroker, startKafkaBroker } from "../../src/kafka/index.ts";
import { type PostgresCluster, startPostgresCluster } from "../../src/postgres-cluster.ts";
import { FakeTelegram } from "../../src/telegram/index.ts";
import { REPO_ROOT, repoFile } from "../deploy/repo.ts";
import {
  evaluate,
  kindOf,
  levelOf,
  type PlannedAlert,
  pathOf,
  planAlerts,
  REFERENCE_PRICE,
  REPEATING_KINDS,
  STEPS,
  SYMBOLS,
  seededRandom,
  tradeTimeOf,
} from "./scenario.ts";

const NODE = existsSync(join(REPO_ROOT, "node_modules/.bin/node"))
  ? join(REPO_ROOT, "node_modules/.bin/node")
  : process.execPath;
const SEED = Number(process.env.FAULT_SEED ?? Date.now() % 1_000_000);
const USERS_PER_PLATFORM = 52;
const ONE_SHOTS_PER_USER = 5;
const REPEATING_PER_USER = 3;
const TICK_EVERY_MS = 200;
/** How long after a plateau starts a fault may strike. */
const FAULT_WINDOW_MS = 1_500;
/** Generous bounds for conditions on a busy 2-core machine; none of them is expected to be reached. */
const PLATEAU_TIMEOUT_MS = 180_000;
const DELIVERY_TIMEOUT_MS = 300_000;
/** The plateaus during which a fault strikes (see the walk below). */
const FAULT_PLATEAUS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14];
const MATCHERS = ["matcher", "matcher-2"] as const;
const NOTE = /^Note: fault plan (\d+)$/m;
/** Users per platform whose alerts post in a community chat (a Telegram group, a Discord channel). */
const COMMUNITY_USERS = 2;
/** The price a firing crossed at: the one said, or the one it "reached" within a window that ended elsewhere. */
const PRICE = /^Price: \$([\d,]+\.\d+)(?: \(reached \$([\d,]+\.\d+)\))?/m;

type Platform = "telegram" | "discord";
interface CreatedAlert extends PlannedAlert {
  /** Index in the plan; the alert's note says `fault plan <tag>`, so a DM names its alert. */
  tag: number;
  id: string;
  platform: Platform;
  userRef: string;
}
interface ExpectedFiring {
  triggerId: string;
  alert: CreatedAlert;
  generation: number;
  step: number;
  price: number;
}
/** One firing as a user saw it: a "🔔" block of a Telegram message, or an embed of a Discord message. */
interface SeenFiring {
  platform: Platform;
  tag: number;
  price: number;
  /** When the platform accepted the message that carried it (epoch ms). */
  at: number;
}
interface FaultRecord {
  step: number;
  fault: string;
  /** What happened, e.g. how long the service took to be healthy again. */
  detail: string;
  /** When the fault struck (epoch ms). */
  at: number;
  /** SIGKILL: when the restarted service was healthy again (epoch ms). */
  backAt?: number;
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
/** Where the community users' alerts post, by user. */
const communityOrigins = new Map<string, Record<string, string>>();
const faults: FaultRecord[] = [];
/** Every price seen on prices.ticks, in arrival order (price, high and low of each tick). */
const observed: { symbol: string; price: number }[] = [];
/** The newest trade time seen on prices.ticks per symbol. */
const latestTs = new Map<string, number>();
/** The walk's trade-time origin: plateau k's trades are stamped t0 + k * PLATEAU_TRADE_MS + n. */
let t0 = 0;
let step = 0;
/** Trades pushed so far on the current plateau (each one 1 ms of trade time later than the one before). */
let pushes = 0;
let tickerPaused = false;
/** When the delivery log recorded each triggerId (epoch ms), read once the run is over. */
let recordedAt = new Map<string, number>();
let ranToTheEnd = false;
/** Any test failed: the processes' last output is printed at the end. */
let failed = false;
/** Users whose firings also go to a webhook: a few of each platform. */
const WEBHOOK_USERS_PER_PLATFORM = 6;
/** The webhook receiver: each POST it got, checked against its webhook's secret. */
let receiver: Server | undefined;
let receiverUrl = "";
const webhookSecrets = new Map<string, string>();
const webhookDeliveries: { userRef: string; triggerId: string; type: string; at: number; signed: boolean }[] =
  [];
const printLogsIfThisFails = () =>
  onTestFailed(() => {
    failed = true;
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `predicate` came true within `timeoutMs` (polled every `pollMs`). */
async function becomes(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs: number,
  pollMs = 100,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) return false;
    await sleep(pollMs);
  }
  return true;
}

async function until(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs: number,
): Promise<void> {
  if (!(await becomes(predicate, timeoutMs)))
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

function serviceUrl(name: string): string {
  return `http://127.0.0.1:${harness!.ports.get(name)}`;
}

/** A gauge or counter of one service instance (summed over labels); undefined while it does not answer. */
async function metricOf(instance: string, name: string): Promise<number | undefined> {
  try {
    const text = await (await fetch(`${serviceUrl(instance)}/metrics`)).text();
    const values = [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, "gm"))];
    return values.length === 0 ? undefined : values.reduce((sum, m) => sum + Number(m[1]), 0);
  } catch {
    return undefined;
  }
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
  // A webhook receiver as an integrator writes one: it checks the signature (HMAC-SHA256 over "<timestamp>.<body>"
  // with the webhook's secret) and answers 200.
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const userRef = (req.url ?? "").split("/").at(-1) ?? "";
      const secret = webhookSecrets.get(userRef) ?? "";
      const expected = `v1=${createHmac("sha256", secret).update(`${req.headers["x-tickerbell-timestamp"]}.${body}`).digest("hex")}`;
      const payload = JSON.parse(body) as { type: string; firing: { triggerId: string } | null };
      webhookDeliveries.push({
        userRef,
        triggerId: payload.firing?.triggerId ?? "",
        type: payload.type,
        at: Date.now(),
        signed: req.headers["x-tickerbell-signature"] === expected,
      });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver!.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;
}, 180_000);

afterAll(async () => {
  if (ticker) clearInterval(ticker);
  await tickConsumer?.disconnect().catch(() => {});
  const codes = await harness?.stop();
  if ((failed || !ranToTheEnd) && harness) {
    for (const name of codes?.keys() ?? []) console.error(`--- ${name} ---\n${harness.logs(name)}`);
  }
  receiver?.closeAllConnections();
  receiver?.close();
  await finnhub?.close();
  await discord?.close();
  await telegram?.close();
  await broker?.stop();
  await postgres?.destroy();
}, 120_000);

/** The users given a webhook: the first WEBHOOK_USERS_PER_PLATFORM of each platform. */
function webhookUsers(jobs: readonly { platform: Platform; userRef: string }[]) {
  const users = new Map<string, { platform: Platform; userRef: string }>();
  for (const { platform, userRef } of jobs) users.set(userRef, { platform, userRef });
  return (["telegram", "discord"] as const).flatMap((platform) =>
    [...users.values()]
      .filter((u) => u.platform === platform)
      .sort((a, b) => (BigInt(a.userRef) < BigInt(b.userRef) ? -1 : 1))
      .slice(0, WEBHOOK_USERS_PER_PLATFORM),
  );
}

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
    // Both bots, as an operator running both platforms sets it in .env.
    COMPOSE_PROFILES: "telegram,discord",
    // The webhook receiver listens on loopback, which webhooks may reach only when the operator says so.
    WEBHOOK_ALLOW_HOSTS: "127.0.0.1",
  };
}

function expectedFirings(): ExpectedFiring[] {
  return created.flatMap((alert) =>
    alert.expected.map((f) => ({ triggerId: `${alert.id}:${f.generation}`, alert, ...f })),
  );
}

/** Every Discord message that could carry a firing: the users' DMs and the community channels' posts. */
function discordNotifications() {
  const users = new Set(created.filter((a) => a.platform === "discord").map((a) => a.userRef));
  const channels = [...communityOrigins.values()]
    .filter((o) => o.platform === "discord")
    .map((o) => o.chatId!);
  return [
    ...[...users].flatMap((ref) => discord.dmsTo(ref)),
    ...channels.flatMap((c) => discord.messagesIn(c)),
  ];
}

/** Every firing the users saw: each "🔔" block of each Telegram message, each "🔔" embed of each Discord DM. */
function seenFirings(): SeenFiring[] {
  const seen: SeenFiring[] = [];
  const add = (platform: Platform, text: string, at: number) => {
    const tag = NOTE.exec(text)?.[1];
    const said = PRICE.exec(text);
    const price = said?.[2] ?? said?.[1];
    seen.push({
      platform,
      tag: tag === undefined ? -1 : Number(tag),
      price: price === undefined ? Number.NaN : Number(price.replaceAll(",", "")),
      at,
    });
  };
  for (const m of telegram.allSent()) {
    if (m.method !== "sendMessage" || m.text === undefined) continue;
    for (const block of m.text.split("\n\n"))
      if (block.startsWith("🔔")) add("telegram", block, m.receivedAt);
  }
  for (const m of discordNotifications()) {
    for (const embed of m.embeds as { title?: string; fields?: { name: string; value: string }[] }[]) {
      if (!String(embed.title ?? "").startsWith("🔔")) continue;
      const fields = embed.fields ?? [];
      const price = fields.find((f) => f.name === "Price")?.value ?? "";
      const note = fields.find((f) => f.name === "Note")?.value;
      add("discord", `Price: ${price}\n${note === undefined ? "" : `Note: ${note}`}`, m.createdAt);
    }
  }
  return seen;
}

interface DeliveryReport {
  /** Expected firings with no DM: `<triggerId> <platform> ...`. */
  missing: string[];
  /** Firings delivered more than once, beyond the documented Telegram bound. */
  duplicated: string[];
  /** DMs of firings the reference does not predict (a wrong plateau, a generation too many, the wrong platform). */
  unexpected: string[];
  /** Telegram duplicates inside the documented bound (see the test below). */
  toleratedTelegram: { triggerId: string; kill: number; second: number }[];
  /** Expected firings seen at least once. */
  delivered: number;
}

function deliveryReport(): DeliveryReport {
  const expected = expectedFirings();
  const copies = new Map<string, SeenFiring[]>();
  const report: DeliveryReport = {
    missing: [],
    duplicated: [],
    unexpected: [],
    toleratedTelegram: [],
    delivered: 0,
  };
  for (const seen of seenFirings()) {
    const alert = created[seen.tag];
    const step = alert ? pathOf(alert.symbolIndex).indexOf(seen.price) : -1;
    const firing = alert?.expected.find((f) => f.step === step);
    if (!alert || !firing || alert.platform !== seen.platform) {
      report.unexpected.push(
        `${alert?.id ?? `tag ${seen.tag}`} ${seen.platform} ${alert?.symbol ?? "?"} ${JSON.stringify(alert?.condition)} ${JSON.stringify(alert?.repeat)} at ${seen.price} (plateau ${step}); expected ${JSON.stringify(alert?.expected.map((f) => `${f.step}@${f.price}`))}`,
      );
      continue;
    }
    const triggerId = `${alert.id}:${firing.generation}`;
    copies.set(triggerId, [...(copies.get(triggerId) ?? []), seen]);
  }
  const telegramKills = faults.filter((f) => f.fault === "SIGKILL telegram-bot");
  for (const f of expected) {
    const got = copies.get(f.triggerId) ?? [];
    if (got.length === 0) {
      report.missing.push(
        `${f.triggerId} ${f.alert.platform} ${f.alert.symbol} ${JSON.stringify(f.alert.condition)} plateau ${f.step} at ${f.price}`,
      );
      continue;
    }
    report.delivered++;
    if (got.length === 1) continue;
    const [first, second] = got.map((s) => s.at).sort((a, b) => a - b);
    const recorded = recordedAt.get(f.triggerId) ?? Number.POSITIVE_INFINITY;
    // The first copy is the killed bot's: it reached Telegram before the restarted bot was even up (a request sent
    // just before the kill can arrive a few ms after the signal). The second came after the kill, and the delivery
    // log got the outcome only after it: the killed bot never recorded it.
    const kill = telegramKills.find(
      (k) => first! <= k.backAt! && second! >= k.at && second! > first! && recorded >= k.at,
    );
    if (f.alert.platform === "telegram" && got.length === 2 && kill !== undefined)
      report.toleratedTelegram.push({ triggerId: f.triggerId, kill: kill.at, second: second! });
    else
      report.duplicated.push(
        `${f.triggerId} ${f.alert.platform} x${got.length} at ${got.map((s) => new Date(s.at).toISOString()).join(", ")}`,
      );
  }
  return report;
}

/** Pushes one trade per symbol at the current plateau's price, stamped 1 ms of trade time after the last. */
function pushPlateau(): number {
  const ts = tradeTimeOf(t0, step, pushes++);
  finnhub.pushTrades(SYMBOLS.map((symbol, i) => ({ symbol, price: levelOf(i, step), ts })));
  return ts;
}

/**
 * Holds the current plateau's trades back until pricing has published everything it got of them: a last trade
 * is pushed and must show on prices.ticks (pushed again if it was lost, e.g. to a socket that dropped). Then no
 * conflation window of pricing can hold trades of two plateaus, so every tick the matcher sees carries exactly one
 * plateau's price, as the reference assumes.
 */
async function drainPlateau(): Promise<void> {
  tickerPaused = true;
  const deadline = Date.now() + PLATEAU_TIMEOUT_MS;
  for (;;) {
    const last = pushPlateau();
    if (await becomes(() => SYMBOLS.every((s) => (latestTs.get(s) ?? 0) >= last), 2_000)) return;
    if (Date.now() > deadline) throw new Error(`plateau ${step} never reached prices.ticks completely`);
  }
}

/**
 * Moves to the next plateau and resolves once pricing published it to prices.ticks for every symbol (every
 * symbol has repeating alerts, so pricing follows all of them throughout). `between` runs after the current
 * plateau is drained and before the next one is pushed.
 */
async function advanceTo(next: number, between?: () => void): Promise<void> {
  await drainPlateau();
  between?.();
  step = next;
  pushes = 0;
  const from = observed.length;
  pushPlateau();
  tickerPaused = false;
  const levels = SYMBOLS.map((symbol, i) => ({ symbol, level: levelOf(i, next) }));
  await until(
    () =>
      levels.every(({ symbol, level }) =>
        observed.slice(from).some((o) => o.symbol === symbol && o.price === level),
      ),
    `plateau ${next} on prices.ticks`,
    PLATEAU_TIMEOUT_MS,
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
  const backAt = Date.now();
  faults.push({
    step: atStep,
    fault: `SIGKILL ${name}`,
    detail: `killed ${delay} ms into the window, healthy again after ${backAt - killedAt} ms`,
    at: killedAt,
    backAt,
  });
}

const owned = (instance: string) => metricOf(instance, "tickerbell_matcher_owned_partitions");

/**
 * The graceful hand-over, first half: the second matcher stops (SIGTERM: final checkpoint, leaves the group) at
 * a random moment; resolves once the first one owns every partition (it loaded their stored state).
 */
async function secondMatcherLeaves(): Promise<void> {
  const delay = Math.round(random() * FAULT_WINDOW_MS);
  await sleep(delay);
  const atStep = step;
  const stoppedAt = Date.now();
  const exitCode = await harness!.kill("matcher-2", "SIGTERM");
  await until(
    async () => (await owned("matcher")) === CO_PARTITIONED_PARTITIONS,
    "the first matcher to take every partition over",
    PLATEAU_TIMEOUT_MS,
  );
  faults.push({
    step: atStep,
    fault: "hand-over: matcher-2 stopped (SIGTERM)",
    detail: `stopped ${delay} ms into the window (exit ${exitCode}); matcher owned all ${CO_PARTITIONED_PARTITIONS} partitions after ${Date.now() - stoppedAt} ms`,
    at: stoppedAt,
  });
}

/** The second half: the second matcher starts again and the first hands some partitions back to it. */
async function secondMatcherJoins(): Promise<void> {
  const atStep = step;
  const startedAt = Date.now();
  await harness!.restart("matcher-2");
  let split: (number | undefined)[] = [];
  await until(
    async () => {
      split = await Promise.all(MATCHERS.map(owned));
      return split[0]! > 0 && split[1]! > 0 && split[0]! + split[1]! === CO_PARTITIONED_PARTITIONS;
    },
    "the matchers to share the partitions again",
    PLATEAU_TIMEOUT_MS,
  );
  faults.push({
    step: atStep,
    fault: "hand-over: matcher-2 joined again",
    detail: `partitions split ${split.join("/")} after ${Date.now() - startedAt} ms`,
    at: startedAt,
  });
}

describe("fault suite: microservices on a broker and a database that fail", () => {
  const oneShots = USERS_PER_PLATFORM * 2 * ONE_SHOTS_PER_USER;
  const repeating = USERS_PER_PLATFORM * 2 * REPEATING_PER_USER;

  it(`sets ${oneShots} one-shot and ${repeating} repeating alerts of every kind for Telegram and Discord users (seed ${SEED})`, async () => {
    printLogsIfThisFails();
    const doc = parseCompose(repoFile("docker-compose.yml"));
    const env = (service: string) => doc.services[service]!.environment as Record<string, string>;
    // A matcher taking over a killed one's partitions waits for that one's session to end: keep it short.
    env("matcher").KAFKA_SESSION_TIMEOUT_MS = "6000";
    harness = new ComposeHarness({
      doc,
      repoRoot: REPO_ROOT,
      vars: composeVars(),
      kafkaBrokers: broker!.brokers,
      databaseUrl,
      nodeBinary: NODE,
      startTimeoutMs: 180_000,
      scale: { matcher: 2 },
    });
    await harness.start();
    const vars = harness.environments.get("alerts")!;

    const plan = planAlerts(oneShots, repeating, SEED);
    const jobs = plan.map((alert, tag) => {
      const user =
        alert.repeat === null
          ? Math.floor(tag / ONE_SHOTS_PER_USER)
          : Math.floor((tag - oneShots) / REPEATING_PER_USER);
      const platform: Platform = user % 2 === 0 ? "telegram" : "discord";
      const userRef =
        platform === "telegram" ? String(910_000 + user) : String(720_000_000_000_000_000n + BigInt(user));
      return { alert, tag, platform, userRef };
    });
    // The last two users of each platform set community alerts: each Telegram one in a group of their own, each
    // Discord one in a channel of one server (one of them mentioning a role). They post there, not in DMs.
    const communityUsers = [...new Set(jobs.map((j) => j.userRef))].slice(-COMMUNITY_USERS * 2);
    const guild = discord.createGuild({ ownerId: communityUsers.find((ref) => ref.length > 10)! });
    const traders = discord.createRole(guild, { name: "traders", mentionable: true });
    for (const ref of communityUsers) {
      if (ref.length > 10) {
        const channelId = discord.createChannel(guild, { name: `alerts-${ref.slice(-2)}` });
        const mention = communityOrigins.size % 2 === 0 ? { mentionRoleId: traders } : {};
        communityOrigins.set(ref, {
          platform: "discord",
          chatId: channelId,
          kind: "channel",
          communityId: guild,
          ...mention,
        });
      } else {
        const user = { id: Number(ref), first_name: `U${ref}` };
        const group = telegram.createGroup({
          title: `Traders ${ref}`,
          members: [{ user, status: "creator" }],
        });
        communityOrigins.set(ref, { platform: "telegram", chatId: String(group.id), kind: "group" });
      }
    }
    // Telegram users have talked to the bot (a bot may only write to such chats).
    for (const ref of new Set(jobs.filter((j) => j.platform === "telegram").map((j) => j.userRef))) {
      telegram.userSends({ id: Number(ref), first_name: `U${ref}` }, "/start");
    }
    const alertsUrl = serviceUrl("alerts");
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const { alert, tag, platform, userRef } = jobs[next++]!;
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
            origin: communityOrigins.get(userRef) ?? { platform, chatId: userRef },
            repeat: alert.repeat,
            note: `fault plan ${tag}`,
          }),
        });
        const body = (await res.json()) as { id?: string };
        expect(res.status, JSON.stringify(body)).toBe(201);
        created[tag] = { ...alert, tag, id: body.id!, platform, userRef };
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    expect(created.filter(Boolean)).toHaveLength(jobs.length);
    // A webhook for the first users of each platform (users 0, 2, 4… are Telegram's, 1, 3, 5… Discord's).
    for (const { platform, userRef } of webhookUsers(jobs)) {
      const res = await fetch(`${alertsUrl}/v1/webhooks`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${platform === "telegram" ? vars.API_TOKEN_TELEGRAM : vars.API_TOKEN_DISCORD}`,
          "x-platform-user-id": userRef,
          "content-type": "application/json",
        },
        body: JSON.stringify({ url: `${receiverUrl}/hook/${userRef}` }),
      });
      const body = (await res.json()) as { secret?: string };
      expect(res.status, JSON.stringify(body)).toBe(201);
      webhookSecrets.set(userRef, body.secret!);
    }
    const kinds = (list: CreatedAlert[]) => new Set(list.map((a) => kindOf(a.condition)));
    // Both populations hold every kind: above, below, cross from either side, three percent and four trailing.
    expect(kinds(created.filter((a) => a.repeat === null)).size).toBe(REPEATING_KINDS);
    expect(kinds(created.filter((a) => a.repeat !== null)).size).toBe(REPEATING_KINDS);
    // Pricing follows every symbol for the whole walk: each has repeating alerts.
    for (const symbol of SYMBOLS) expect(created.some((a) => a.symbol === symbol && a.repeat)).toBe(true);
    expect(created.filter((a) => a.expected.length > 0).length).toBeGreaterThan(created.length / 2);

    // Ready for the run: pricing follows every symbol, the matchers indexed every alert between them.
    await finnhub.waitFor(
      () => SYMBOLS.every((s) => finnhub.subscriptions().includes(s)),
      "pricing to subscribe every symbol",
      60_000,
    );
    await until(
      async () => {
        const indexed = await Promise.all(MATCHERS.map((m) => metricOf(m, "tickerbell_matcher_alerts")));
        return indexed.reduce<number>((sum, n) => sum + (n ?? 0), 0) >= created.length;
      },
      "the matchers to index every alert",
      120_000,
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
          ts: number;
          high?: number;
          low?: number;
        };
        for (const price of [tick.price, tick.high, tick.low])
          if (price !== undefined) observed.push({ symbol: tick.symbol, price });
        if (tick.ts > (latestTs.get(tick.symbol) ?? 0)) latestTs.set(tick.symbol, tick.ts);
      },
    });
    // Trade time starts on a whole second (a REST quote carries whole seconds: it then stamps the plateau's start).
    t0 = Math.ceil(Date.now() / 1000) * 1000;
    ticker = setInterval(() => {
      if (!tickerPaused) pushPlateau();
    }, TICK_EVERY_MS);
    await until(
      () => SYMBOLS.every((s, i) => observed.some((o) => o.symbol === s && o.price === levelOf(i, 0))),
      "the reference plateau on prices.ticks",
      PLATEAU_TIMEOUT_MS,
    );
    // Steady state before anything breaks: the matchers have checkpointed every partition that carries ticks. A
    // partition whose owner never committed a position is resumed by its next owner at the latest tick (a cold
    // start, as for a brand-new group): what this suite breaks is a matcher in mid-stream.
    const admin = new Kafka({
      clientId: "fault-suite-setup",
      brokers: broker!.brokers,
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    try {
      await until(
        async () => {
          const ends = await admin.fetchTopicOffsets("prices.ticks");
          const [group] = await admin.fetchOffsets({ groupId: "matcher", topics: ["prices.ticks"] });
          const committed = new Map(group!.partitions.map((p) => [p.partition, Number(p.offset)]));
          return ends.every((e) => Number(e.high) === 0 || (committed.get(e.partition) ?? -1) > 0);
        },
        "the matchers to checkpoint every partition that carries ticks",
        120_000,
      );
    } finally {
      await admin.disconnect();
    }
  }, 600_000);

  it("plays every plateau while services crash, the broker and the database restart, sockets drop, the platforms storm and the matchers hand over", async () => {
    printLogsIfThisFails();
    const background: Promise<void>[] = [];
    // Plateaus 1-5: each service is SIGKILLed at a random moment and restarted at once; their restarts overlap the
    // following plateaus (the matcher's partitions wait for the killed member's session to end, then the new owner
    // replays from the last checkpoint while prices hover inside bands on plateaus 2-5).
    const services = ["matcher", "telegram-bot", "discord-bot", "alerts", "pricing"];
    for (const [i, name] of services.entries()) {
      await advanceTo(i + 1);
      const restart = crashAndRestart(name, FAULT_WINDOW_MS);
      background.push(restart);
      // Pricing carries the plateaus: the next one can only be played once it is back.
      if (name === "pricing") await restart;
      else await sleep(FAULT_WINDOW_MS);
    }

    // Plateau 6: the broker crashes (SIGKILL) and comes back on the same data.
    await advanceTo(6);
    await sleep(random() * FAULT_WINDOW_MS);
    let startedAt = Date.now();
    await broker!.restart({ hard: true });
    faults.push({
      step: 6,
      fault: "Kafka broker SIGKILL + restart",
      detail: `back after ${Date.now() - startedAt} ms`,
      at: startedAt,
    });

    // Plateau 7: the Finnhub socket drops as the plateau starts; it must still reach prices.ticks.
    await advanceTo(7, () => {
      finnhub.dropSockets();
      startedAt = Date.now();
    });
    await finnhub.waitFor(() => finnhub.openSockets > 0, "pricing to reconnect", 60_000);
    faults.push({
      step: 7,
      fault: "Finnhub socket dropped",
      detail: `reconnected after ${Date.now() - startedAt} ms`,
      at: startedAt,
    });
    await sleep(FAULT_WINDOW_MS);

    // Plateau 8: PostgreSQL crashes (immediate stop, no checkpoint) and starts again.
    await advanceTo(8);
    await sleep(random() * FAULT_WINDOW_MS);
    startedAt = Date.now();
    await postgres!.stopServer("immediate");
    await sleep(2_000);
    await postgres!.startServer();
    faults.push({
      step: 8,
      fault: "PostgreSQL crash + restart",
      detail: `down for ${Date.now() - startedAt} ms`,
      at: startedAt,
    });
    await sleep(FAULT_WINDOW_MS);

    // Plateau 9: the next ten message sends on each platform answer 502, until the bots have met all ten.
    telegram.failNext(10, 502);
    discord.failNext(10, 502, { route: "POST /channels/:channel_id/messages" });
    startedAt = Date.now();
    await advanceTo(9);
    const injected = () => telegram.refusals().filter((r) => r.reason === "injected").length;
    await until(
      () => injected() >= 10 && discord.stats().injectedFailures >= 10,
      "the bots to meet the 5xx",
      PLATEAU_TIMEOUT_MS,
    );
    faults.push({
      step: 9,
      fault: "Telegram and Discord 5xx x10",
      detail: `all met within ${Date.now() - startedAt} ms`,
      at: startedAt,
    });
    // Plateau 10: both platforms answer every call 429 (retry-after up to 3 s), re-armed until each bot felt it.
    const storms = () => ({
      telegram: telegram.refusals().filter((r) => r.reason === "storm").length,
      discord: discord.stats().tooManyRequestsByCause.storm,
    });
    startedAt = Date.now();
    telegram.rateLimitStorm(3_000);
    discord.rateLimitStorm(3_000);
    await advanceTo(10);
    for (let round = 0; round < 40; round++) {
      await sleep(Math.max(0, startedAt + 3_000 * (round + 1) - Date.now()));
      const felt = storms();
      if (felt.telegram > 0 && felt.discord > 0) break;
      if (felt.telegram === 0) telegram.rateLimitStorm(3_000);
      if (felt.discord === 0) discord.rateLimitStorm(3_000);
    }
    faults.push({
      step: 10,
      fault: "Telegram and Discord 429 storms",
      detail: `429s answered ${JSON.stringify(storms())} over ${Date.now() - startedAt} ms`,
      at: startedAt,
    });

    // Plateau 11: a graceful hand-over between two live matchers, prices falling through many levels. The
    // crashed services are all back first, so this is the hand-over and nothing else.
    await Promise.all(background.splice(0));
    await advanceTo(11);
    const left = secondMatcherLeaves();
    await sleep(FAULT_WINDOW_MS);
    await advanceTo(12);
    await advanceTo(13);
    await left;
    // Plateau 14: the second matcher joins again and the first hands partitions back, just before the hover B.
    await advanceTo(14);
    background.push(secondMatcherJoins());
    await sleep(FAULT_WINDOW_MS);
    for (let next = 15; next < STEPS; next++) await advanceTo(next);
    await drainPlateau();
    await Promise.all(background);

    // Every expected firing reaches its user (bounded), and every recorded firing has its delivery outcome; then a
    // quiet period shows nothing more comes.
    const expected = expectedFirings();
    const complete = await becomes(
      async () => {
        if (deliveryReport().delivered < expected.length) return false;
        const pending = await query<{ n: string }>(
          "select count(*) as n from alert_triggers t where not exists (select 1 from deliveries d where d.trigger_id = t.trigger_id)",
        ).catch(() => [{ n: "?" }]);
        return pending[0]!.n === "0";
      },
      DELIVERY_TIMEOUT_MS,
      500,
    );
    await sleep(3_000);
    const deliveries = await query<{ trigger_id: string; at: string }>(
      "select trigger_id, (extract(epoch from recorded_at) * 1000)::bigint::text as at from deliveries",
    );
    recordedAt = new Map(deliveries.map((d) => [d.trigger_id, Number(d.at)]));
    ranToTheEnd = true;

    const report = deliveryReport();
    const seen = seenFirings();
    const telegramMessages = telegram
      .allSent()
      .filter((m) => m.method === "sendMessage" && (m.text?.startsWith("🔔") ?? false)).length;
    const discordMessages = discordNotifications().filter((m) =>
      String((m.embeds[0] as { title?: string } | undefined)?.title ?? "").startsWith("🔔"),
    ).length;
    const stats = discord.stats();
    const refusals = new Map<string, number>();
    for (const r of telegram.refusals()) refusals.set(r.reason, (refusals.get(r.reason) ?? 0) + 1);
    const reemits = await query<{ n: string }>(
      "select coalesce(sum(reemits), 0)::text as n from alert_triggers",
    );
    const perKill = new Map<number, number>();
    for (const t of report.toleratedTelegram) perKill.set(t.kill, (perKill.get(t.kill) ?? 0) + 1);
    console.info(
      [
        `fault suite seed ${SEED}: ${created.length} alerts, ${expected.length} expected firings (${expected.filter((f) => f.alert.repeat).length} of repeating alerts)${complete ? "" : " (NOT all delivered and recorded in time)"}`,
        ...faults.map(
          (f) => `  plateau ${f.step}: ${f.fault} at ${new Date(f.at).toISOString()} — ${f.detail}`,
        ),
        `  Telegram: ${seen.filter((s) => s.platform === "telegram").length} firings in ${telegramMessages} messages; refusals ${JSON.stringify(Object.fromEntries(refusals))}`,
        `  Discord: ${seen.filter((s) => s.platform === "discord").length} firings in ${discordMessages} messages; 429 ${JSON.stringify(stats.tooManyRequestsByCause)}, injected 5xx ${stats.injectedFailures}`,
        `  re-emitted by the alert service: ${reemits[0]?.n}`,
        `  tolerated Telegram duplicates: ${report.toleratedTelegram.length} (${[...perKill].map(([k, n]) => `${n} around the kill at ${new Date(k).toISOString()}`).join(", ") || "none"})`,
      ].join("\n"),
    );
  }, 1_200_000);

  it("each platform got exactly one DM per expected firing, none for any other (Telegram: the documented bound)", () => {
    printLogsIfThisFails();
    expect(ranToTheEnd).toBe(true);
    const report = deliveryReport();
    expect({ missing: report.missing, duplicated: report.duplicated, unexpected: report.unexpected }).toEqual(
      {
        missing: [],
        duplicated: [],
        unexpected: [],
      },
    );
    // The only duplicate the design allows: Telegram has no idempotency key, and a bot records outcomes in groups
    // (every 50 ms) after the sends. A bot SIGKILLed after the Bot API accepted a message and before the delivery
    // log took its outcome gets those notifications again (their offsets were not committed), finds nothing in
    // the log, and sends them again. So a tolerated duplicate is exactly two copies, the first sent by the killed
    // bot, the second after the kill, and the delivery log recorded it only after that kill (see deliveryReport).
    // Each tolerated pair straddles a real crash: the operating system saw a Telegram bot process end by SIGKILL
    // after the suite sent the signal and before the second copy reached Telegram.
    const crashes = harness!.exits("telegram-bot").filter((e) => e.signal === "SIGKILL");
    for (const t of report.toleratedTelegram)
      expect(crashes.some((e) => e.at >= t.kill && e.at <= t.second)).toBe(true);
  });

  it("community alerts were posted in their group or channel, never in their creators' DMs, mentioning only their role", () => {
    printLogsIfThisFails();
    expect(ranToTheEnd).toBe(true);
    expect(communityOrigins.size).toBe(COMMUNITY_USERS * 2);
    const tagsOf = (text: string) =>
      text
        .split("\n\n")
        .filter((block) => block.startsWith("🔔"))
        .map((block) => Number(NOTE.exec(block)?.[1]));
    for (const [ref, origin] of communityOrigins) {
      const theirs = new Set(created.filter((a) => a.userRef === ref).map((a) => a.tag));
      const due = expectedFirings().filter((f) => f.alert.userRef === ref).length;
      let posted: number[];
      let inDms: number[];
      if (origin.platform === "telegram") {
        const sent = telegram.allSent().filter((m) => m.method === "sendMessage" && m.text !== undefined);
        posted = sent.filter((m) => String(m.chatId) === origin.chatId).flatMap((m) => tagsOf(m.text!));
        inDms = sent.filter((m) => String(m.chatId) === ref).flatMap((m) => tagsOf(m.text!));
      } else {
        const tagOf = (m: { embeds: unknown[] }) =>
          (m.embeds as { fields?: { name: string; value: string }[] }[]).flatMap((e) =>
            (e.fields ?? [])
              .filter((f) => f.name === "Note")
              .map((f) => Number(/fault plan (\d+)/.exec(f.value)?.[1])),
          );
        const messages = discord.messagesIn(origin.chatId!);
        posted = messages.flatMap(tagOf);
        inDms = discord.dmsTo(ref).flatMap(tagOf);
        for (const m of messages) {
          // Exactly the chosen role may be pinged; never @everyone, never a user.
          expect(m.pings).toMatchObject({ everyone: false, users: [] });
          expect(m.pings.roles).toEqual(origin.mentionRoleId === undefined ? [] : [origin.mentionRoleId]);
        }
      }
      expect(posted.length).toBeGreaterThanOrEqual(due);
      expect(posted.every((tag) => theirs.has(tag))).toBe(true);
      expect(inDms.filter((tag) => theirs.has(tag))).toEqual([]);
    }
  });

  it("each webhook got every firing of its user's alerts, signed, once (a second copy only across a kill of the alert service or the database)", async () => {
    printLogsIfThisFails();
    expect(ranToTheEnd).toBe(true);
    const hooked = new Set(webhookSecrets.keys());
    expect(hooked.size).toBe(WEBHOOK_USERS_PER_PLATFORM * 2);
    const expected = new Set(
      expectedFirings()
        .filter((f) => hooked.has(f.alert.userRef))
        .map((f) => f.triggerId),
    );
    expect(expected.size).toBeGreaterThan(0);
    const firings = () => webhookDeliveries.filter((d) => d.type === "alert.triggered");
    await until(
      () => [...expected].every((id) => firings().some((d) => d.triggerId === id)),
      "every expected firing at its webhook",
      DELIVERY_TIMEOUT_MS,
    );
    expect(webhookDeliveries.filter((d) => !d.signed)).toEqual([]);
    const received = new Map<string, number[]>();
    for (const d of firings()) received.set(d.triggerId, [...(received.get(d.triggerId) ?? []), d.at]);
    const unexpected = [...received.keys()].filter((id) => !expected.has(id));
    // A POST the receiver took just before the alert service (or its database) died, and whose outcome was not yet
    // written, is sent again after the restart: that is the only second copy allowed. The crashes are the ones
    // the OS and PostgreSQL report: the alert service's process ending by SIGKILL, the database's restart.
    const [server] = await query<{ started: string }>(
      "select (extract(epoch from pg_postmaster_start_time()) * 1000)::bigint::text as started",
    );
    const crashes = [
      ...harness!
        .exits("alerts")
        .filter((e) => e.signal === "SIGKILL")
        .map((e) => e.at),
      Number(server!.started),
    ];
    const duplicated = [...received]
      .filter(([, at]) => at.length > 1)
      .filter(
        ([, at]) => at.length > 2 || !crashes.some((crash) => crash >= at[0]! - 1_000 && crash <= at[1]!),
      )
      .map(([id, at]) => `${id} at ${at.map((t) => new Date(t).toISOString()).join(", ")}`);
    const copies = [...received.values()].filter((at) => at.length > 1).length;
    console.log(
      `webhooks: ${expected.size} firings expected for ${hooked.size} users, ${received.size} received, ${copies} sent twice across a crash`,
    );
    expect({ unexpected, duplicated }).toEqual({ unexpected: [], duplicated: [] });
  });

  it("hysteresis kept: alerts held back by their band fired exactly the generations the reference predicts", async () => {
    printLogsIfThisFails();
    expect(ranToTheEnd).toBe(true);
    // Repeating price alerts whose firings would differ without the band (a price hovering at the level).
    const held = created.filter(
      (a) =>
        a.repeat !== null &&
        JSON.stringify(evaluate(a.condition, a.repeat, pathOf(a.symbolIndex), { hysteresis: 0 })?.firings) !==
          JSON.stringify(a.expected),
    );
    expect(held.length).toBeGreaterThan(20);
    const heldIds = new Set(held.map((a) => a.id));
    const recorded = await query<{ trigger_id: string; price: number }>(
      "select trigger_id, price from alert_triggers",
    );
    const got = recorded
      .filter((t) => heldIds.has(t.trigger_id.slice(0, 36)))
      .map((t) => `${t.trigger_id} ${t.price}`)
      .sort();
    const want = held.flatMap((a) => a.expected.map((f) => `${a.id}:${f.generation} ${f.price}`)).sort();
    expect(got).toEqual(want);
    const report = deliveryReport();
    expect(report.unexpected.filter((u) => heldIds.has(u.slice(0, 36)))).toEqual([]);
  });

  it.each(FAULT_PLATEAUS)("plateau %i: each of its firings delivered once", (at) => {
    printLogsIfThisFails();
    expect(ranToTheEnd).toBe(true);
    const firing = new Set(
      expectedFirings()
        .filter((f) => f.step === at)
        .map((f) => f.triggerId),
    );
    const report = deliveryReport();
    const wrong = [...report.missing, ...report.duplicated].filter((entry) =>
      firing.has(entry.split(" ")[0]!),
    );
    const during = faults.filter((f) => f.step === at).map((f) => f.fault);
    expect(wrong, `faults during plateau ${at}: ${during.join(", ") || "none"}`).toEqual([]);
  });

  it("every fault happened, as the operating system, the database, the services and the fake platforms saw it", async () => {
    printLogsIfThisFails();
    expect(ranToTheEnd).toBe(true);
    // Each service was crashed: the OS reports one of its processes ended by SIGKILL (not by a signal it could
    // handle, not by itself), and the service answered again afterwards.
    for (const name of ["matcher", "telegram-bot", "discord-bot", "alerts", "pricing"]) {
      expect(
        harness!.exits(name).map((e) => e.signal),
        name,
      ).toEqual(["SIGKILL"]);
    }
    // The hand-over was graceful: the leaving matcher exited by itself with code 0, and both matchers own
    // partitions again, as their own gauges say.
    expect(harness!.exits("matcher-2").map(({ code, signal }) => ({ code, signal }))).toEqual([
      { code: 0, signal: null },
    ]);
    for (const instance of MATCHERS) expect(await owned(instance), instance).toBeGreaterThan(0);
    // The broker crashed: its JVM ended by SIGKILL once.
    expect(broker!.exits.map((e) => e.signal)).toEqual(["SIGKILL"]);
    // PostgreSQL crashed: the server answering now started after the walk began.
    const [server] = await query<{ started: string }>(
      "select (extract(epoch from pg_postmaster_start_time()) * 1000)::bigint::text as started",
    );
    expect(Number(server!.started)).toBeGreaterThan(t0);
    // The Finnhub socket dropped under pricing: it counted a reconnect itself.
    expect(await metricOf("pricing", "pricing_finnhub_reconnects_total")).toBeGreaterThan(0);
    const refusals = telegram.refusals();
    expect(refusals.filter((r) => r.reason === "injected").length).toBe(10);
    expect(refusals.filter((r) => r.reason === "storm").length).toBeGreaterThan(0);
    const stats = discord.stats();
    expect(stats.injectedFailures).toBe(10);
    expect(stats.tooManyRequestsByCause.storm).toBeGreaterThan(0);
    expect(finnhub.openSockets).toBeGreaterThan(0);
  });

  it("nothing is left in the outbox or in any dead-letter topic, and every alert's stored state matches the reference", async () => {
    printLogsIfThisFails();
    expect(ranToTheEnd).toBe(true);
    await until(
      async () =>
        (await query<{ n: string }>("select count(*) as n from outbox where published_at is null"))[0]!.n ===
        "0",
      "the outbox relay to publish every row",
      60_000,
    );
    // Nothing was given up on: no message of any topic went to its dead-letter topic.
    const admin = new Kafka({
      clientId: "fault-suite-admin",
      brokers: broker!.brokers,
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    try {
      const deadLetterTopics = (await admin.listTopics()).filter((t) => t.endsWith(".dlq"));
      expect(deadLetterTopics).toEqual(
        expect.arrayContaining(["alerts.runtime.dlq", "prices.ticks.dlq", "notifications.telegram.dlq"]),
      );
      const deadLetters: Record<string, number> = {};
      for (const topic of deadLetterTopics) {
        const offsets = await admin.fetchTopicOffsets(topic);
        deadLetters[topic] = offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
      }
      expect(
        Object.values(deadLetters).every((n) => n === 0),
        JSON.stringify(deadLetters),
      ).toBe(true);
    } finally {
      await admin.disconnect();
    }

    // The alert service stores what the matcher wrote at its checkpoints: the generation of the next firing, the
    // phase, the last firing's price and a trailing alert's peak or trough, as the reference ends them.
    const mismatches = async () => {
      const rows = await query<{
        id: string;
        status: string;
        generation: number;
        phase: string;
        last_trigger_price: number | null;
        extreme: number | null;
      }>("select id, status, generation, phase, last_trigger_price, extreme from alerts");
      const byId = new Map(rows.map((r) => [r.id, r]));
      return created.flatMap((a) => {
        const row = byId.get(a.id);
        const want: Record<string, unknown> =
          a.repeat === null
            ? { status: a.expected.length > 0 ? "triggered" : "active" }
            : {
                status: "active",
                generation: a.final.generation,
                phase: a.final.phase,
                last_trigger_price: a.final.lastFirePrice,
                ...(a.condition.kind === "trailing" ? { extreme: a.final.extreme } : {}),
              };
        const have = Object.fromEntries(Object.keys(want).map((k) => [k, row?.[k as keyof typeof row]]));
        return JSON.stringify(have) === JSON.stringify(want)
          ? []
          : [
              `${a.id} ${a.symbol} ${JSON.stringify(a.condition)} ${JSON.stringify(a.repeat)}: ${JSON.stringify(have)}, expected ${JSON.stringify(want)}`,
            ];
      });
    };
    await becomes(async () => (await mismatches()).length === 0, 60_000);
    expect(await mismatches()).toEqual([]);

    // One recorded firing per expected firing, at its price, and one delivery-log row for each: nothing else.
    const expected = expectedFirings();
    const triggers = await query<{ trigger_id: string; price: number }>(
      "select trigger_id, price from alert_triggers order by trigger_id",
    );
    expect(triggers.map((t) => `${t.trigger_id} ${t.price}`).sort()).toEqual(
      expected.map((f) => `${f.triggerId} ${f.price}`).sort(),
    );
    const deliveries = await query<{ trigger_id: string; status: string; platform: string }>(
      "select trigger_id, status, platform from deliveries order by trigger_id",
    );
    expect(deliveries.map((d) => `${d.trigger_id} ${d.platform} ${d.status}`).sort()).toEqual(
      expected.map((f) => `${f.triggerId} ${f.alert.platform} sent`).sort(),
    );
  }, 120_000);
});
