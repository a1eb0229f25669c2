// The whole story on docker-compose.yml, without Docker: every application service starts as a local process
// with its own compose command and environment (hostnames mapped to 127.0.0.1, the real Kafka broker and a
// fresh PostgreSQL database underneath, fake Finnhub / Discord / Telegram as the upstreams). A Telegram user
// and a Discord user each set an alert, prices move on the fake Finnhub socket, and each gets exactly one DM
// from their own bot. A wrong service name, port or variable in the compose file breaks the start or the story.
// The running services' /metrics also carry every metric the Grafana dashboard and the alert rules name.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { partitionForKey } from "../../../bus/src/partitioner.ts";
import { CO_PARTITIONED_PARTITIONS } from "../../../contracts/src/topic-catalog.ts";
import { type ComposeFile, parseCompose, parseEnvFile } from "../../src/deploy/compose.ts";
import { ComposeHarness } from "../../src/deploy/compose-harness.ts";
import { dashboardExpressions, promqlNames } from "../../src/deploy/monitoring.ts";
import { FakeDiscord } from "../../src/discord/index.ts";
import { FakeFinnhub } from "../../src/finnhub/index.ts";
import { type KafkaBroker, startKafkaBroker } from "../../src/kafka/index.ts";
import { createTestDatabase, type TestDatabase } from "../../src/postgres.ts";
import { FakeTelegram, type RecordedMessage } from "../../src/telegram/index.ts";
import { REPO_ROOT, repoFile } from "./repo.ts";

// The image runs `node` = Node 24; so does the harness (the root devDependency, as every npm script uses).
const NODE = existsSync(join(REPO_ROOT, "node_modules/.bin/node"))
  ? join(REPO_ROOT, "node_modules/.bin/node")
  : process.execPath;
const TELEGRAM_SYMBOL = "TBTG";
const DISCORD_SYMBOL = "TBDC";
/** One symbol per partition of prices.ticks / alerts.changes, for the scaled-out matcher. */
const SPREAD_SYMBOLS = symbolsOnEveryPartition();

function symbolsOnEveryPartition(): string[] {
  const byPartition = new Map<number, string>();
  for (let i = 0; byPartition.size < CO_PARTITIONED_PARTITIONS; i++) {
    const symbol = `TBS${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + Math.floor(i / 26))}`;
    const partition = partitionForKey(symbol, CO_PARTITIONED_PARTITIONS);
    if (!byPartition.has(partition)) byPartition.set(partition, symbol);
  }
  return [...byPartition.values()];
}

let broker: KafkaBroker | undefined;
let kafkaBrokers: string[];
let db: TestDatabase;
let telegram: FakeTelegram;
let discord: FakeDiscord;
let finnhub: FakeFinnhub;
let harness: ComposeHarness | undefined;

/** Every PromQL expression of the provisioned dashboard and the alert rules. */
function monitoringExpressions(): string[] {
  const dashboard = JSON.parse(repoFile("shared/monitoring/grafana/dashboards/tickerbell.json")) as unknown;
  const rules = parse(repoFile("shared/monitoring/prometheus/rules.yml")) as {
    groups: { rules: { expr: string }[] }[];
  };
  return [
    ...dashboardExpressions(dashboard).map((e) => e.expr),
    ...rules.groups.flatMap((g) => g.rules.map((r) => r.expr)),
  ];
}

function composeVars(overrides: Record<string, string> = {}): Record<string, string> {
  const secret = () => randomBytes(16).toString("hex");
  return {
    // What an operator puts in .env, pointed at the fakes through the overridable upstream URLs.
    COMPOSE_PROFILES: "telegram,discord",
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
    ...overrides,
  };
}

function harnessFor(
  doc: ComposeFile,
  scale: Record<string, number> = {},
  vars: Record<string, string> = composeVars(),
): ComposeHarness {
  return new ComposeHarness({
    scale,
    doc,
    repoRoot: REPO_ROOT,
    vars,
    kafkaBrokers,
    databaseUrl: db.url,
    nodeBinary: NODE,
    startTimeoutMs: 120_000,
  });
}

beforeAll(async () => {
  // Always a broker of its own: the services run with the compose file's fixed consumer group names
  // ("matcher", "telegram-bot", ...), and on the run's shared broker other suites have left those groups
  // offsets and backlogs for users this database does not have. A deployment has its own Kafka too.
  broker = await startKafkaBroker();
  kafkaBrokers = broker.brokers;
  db = await createTestDatabase("tb_compose");
  telegram = await FakeTelegram.start();
  discord = await FakeDiscord.start();
  finnhub = await FakeFinnhub.start({
    symbols: [
      { symbol: TELEGRAM_SYMBOL, description: "TICKERBELL TELEGRAM TEST", price: 50 },
      { symbol: DISCORD_SYMBOL, description: "TICKERBELL DISCORD TEST", price: 60 },
      ...SPREAD_SYMBOLS.map((symbol) => ({ symbol, description: `TICKERBELL SPREAD ${symbol}`, price: 20 })),
    ],
  });
}, 180_000);

afterAll(async () => {
  await harness?.stop();
  await finnhub?.close();
  await discord?.close();
  await telegram?.close();
  await db?.drop();
  await broker?.stop();
}, 120_000);

function bellsTo(userId: number): RecordedMessage[] {
  return telegram
    .messagesTo(userId)
    .filter((m) => m.method === "sendMessage" && (m.text?.startsWith("🔔") ?? false));
}

/** The symbols of every firing DMed to the user: several firings within a second share one message. */
function firedSymbolsTo(userId: number): string[] {
  return bellsTo(userId).flatMap((m) =>
    [...(m.text ?? "").matchAll(/^🔔 (\S+)/gm)].map((match) => match[1]!),
  );
}

/** Trades on the fake Finnhub socket until `done`, one round every half second (bounded). */
async function tradeUntil(trades: [string, number][], done: () => boolean, what: string): Promise<void> {
  for (let round = 0; round < 240 && !done(); round++) {
    finnhub.pushTrades(trades.map(([symbol, price]) => ({ symbol, price })));
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  if (!done()) throw new Error(`no ${what} after two minutes of trades`);
}

describe("docker-compose.yml run as local processes", () => {
  it("starts every application service with its compose command and environment, in dependency order", async () => {
    harness = harnessFor(parseCompose(repoFile("docker-compose.yml")));
    expect(harness.processServices().sort()).toEqual(
      ["alerts", "discord-bot", "discord-register", "matcher", "pricing", "telegram-bot"].sort(),
    );
    await harness.start();
    // Every service answers its operations endpoints on the port compose gave it.
    for (const [name, port] of harness.ports) {
      for (const path of ["/healthz", "/readyz", "/metrics"]) {
        const res = await fetch(`http://127.0.0.1:${port}${path}`);
        expect(res.status, `${name} ${path}`).toBe(200);
        if (path === "/metrics") expect(await res.text(), `${name} ${path}`).toMatch(/^# HELP /m);
      }
    }
    // Every metric the Grafana dashboard and the alert rules name is on some running service's /metrics.
    const exposed = new Set<string>();
    for (const port of harness.ports.values()) {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      for (const match of text.matchAll(/^# TYPE (\S+) (\w+)$/gm)) {
        exposed.add(match[1]!);
        if (match[2] === "histogram")
          for (const suffix of ["_bucket", "_sum", "_count"]) exposed.add(`${match[1]}${suffix}`);
      }
    }
    const named = monitoringExpressions().flatMap((expr) => promqlNames(expr).metrics);
    expect(named.filter((name) => !exposed.has(name))).toEqual([]);
    // The Discord commands were registered by the one-shot job before the bot started.
    expect(discord.registeredCommands().map((c) => (c as { name: string }).name)).toContain("alert");
  }, 300_000);

  it("a Telegram user and a Discord user set alerts; prices move; each gets exactly one DM from their own bot", async () => {
    const tgUser = { id: 7001, first_name: "Tess" };
    const dcUser = { id: "710000000000000001", username: "dana" };

    telegram.userSends(tgUser, `/alert ${TELEGRAM_SYMBOL} above 55`);
    const [created] = await telegram.waitForMessages(
      (m) => m.chatId === tgUser.id && m.method === "sendMessage",
      1,
      30_000,
    );
    expect(created!.text).toMatch(/^✅ Alert set/);
    const reply = await discord
      .slashCommand(dcUser, "alert price", { ticker: DISCORD_SYMBOL, condition: "above", value: "65" })
      .reply();
    expect(reply.content).toMatch(new RegExp(`Alert set: ${DISCORD_SYMBOL} above \\$?65\\.00`));

    // The pricing service follows demand: it subscribes both symbols on the Finnhub socket.
    await finnhub.waitFor(
      () => [TELEGRAM_SYMBOL, DISCORD_SYMBOL].every((s) => finnhub.subscriptions().includes(s)),
      "pricing to subscribe both symbols",
      60_000,
    );
    // Ticks below the levels, then above them, repeated until both DMs are out (the matcher may index the
    // alerts a little after pricing subscribed); repetition also proves a one-shot alert fires once.
    finnhub.pushTrades([
      { symbol: TELEGRAM_SYMBOL, price: 51 },
      { symbol: DISCORD_SYMBOL, price: 61 },
    ]);
    await tradeUntil(
      [
        [TELEGRAM_SYMBOL, 56],
        [DISCORD_SYMBOL, 66],
      ],
      () => bellsTo(tgUser.id).length > 0 && discord.dmsTo(dcUser).length > 0,
      "DMs",
    );

    // A later alert per user as a sentinel: once its DM is out, every tick before it has been handled.
    telegram.userSends(tgUser, `/alert ${TELEGRAM_SYMBOL} above 58`);
    await telegram.waitForMessages((m) => m.chatId === tgUser.id && m.method === "sendMessage", 3, 30_000);
    await discord
      .slashCommand(dcUser, "alert price", { ticker: DISCORD_SYMBOL, condition: "above", value: "68" })
      .reply();
    await tradeUntil(
      [
        [TELEGRAM_SYMBOL, 59],
        [DISCORD_SYMBOL, 69],
      ],
      () => bellsTo(tgUser.id).length >= 2 && discord.dmsTo(dcUser).length >= 2,
      "sentinel DMs",
    );

    // One DM per alert, in order (the wording of the notification belongs to bots/core).
    const tgBells = bellsTo(tgUser.id).map((m) => m.text!.split("\n")[0]!);
    expect(tgBells).toHaveLength(2);
    expect(tgBells[0]).toMatch(new RegExp(`^🔔 ${TELEGRAM_SYMBOL} rose above \\$?55\\.00$`));
    expect(tgBells[1]).toMatch(new RegExp(`^🔔 ${TELEGRAM_SYMBOL} rose above \\$?58\\.00$`));
    const dcDms = discord.dmsTo(dcUser);
    const dcTitles = dcDms.map((m) => m.embeds[0]?.title ?? "");
    expect(dcTitles).toHaveLength(2);
    expect(dcTitles[0]).toMatch(new RegExp(`^🔔 ${DISCORD_SYMBOL} rose above \\$?65\\.00$`));
    expect(dcTitles[1]).toMatch(new RegExp(`^🔔 ${DISCORD_SYMBOL} rose above \\$?68\\.00$`));
    // Each bot spoke only to its own user.
    expect(JSON.stringify(dcDms)).not.toContain(TELEGRAM_SYMBOL);
    expect(tgBells.every((line) => !line.includes(DISCORD_SYMBOL))).toBe(true);
  }, 300_000);

  it("every service stops on SIGTERM with exit code 0 (graceful shutdown)", async () => {
    const codes = await harness!.stop();
    harness = undefined;
    expect(Object.fromEntries(codes)).toEqual({
      alerts: 0,
      pricing: 0,
      matcher: 0,
      "telegram-bot": 0,
      "discord-register": 0,
      "discord-bot": 0,
    });
  }, 120_000);
});

describe("a broken compose file does not start", () => {
  it.each([
    [
      "a wrong service name",
      (doc: ComposeFile): void => {
        env(doc, "matcher").ALERTS_URL = "http://alert:8081";
      },
      "matcher: ALERTS_URL points at alert, which is not a service",
    ],
    [
      "a wrong port",
      (doc: ComposeFile): void => {
        env(doc, "telegram-bot").PRICING_URL = "http://pricing:8081";
      },
      "telegram-bot: PRICING_URL points at pricing:8081, but pricing listens on 8082",
    ],
    [
      "a wrong broker",
      (doc: ComposeFile): void => {
        env(doc, "alerts").KAFKA_BROKERS = "kafka:29092";
      },
      "alerts: KAFKA_BROKERS names kafka:29092, which kafka does not advertise",
    ],
  ] as const)(
    "%s",
    async (_, mutate, message) => {
      const doc = parseCompose(repoFile("docker-compose.yml"));
      mutate(doc);
      const broken = harnessFor(doc);
      await expect(broken.start()).rejects.toThrow(message);
      await broken.stop();
    },
    120_000,
  );

  it("a wrong variable name: the service refuses to start and names it", async () => {
    const doc = parseCompose(repoFile("docker-compose.yml"));
    const matcherEnv = env(doc, "matcher");
    matcherEnv.API_TOKEN = matcherEnv.API_TOKEN_INTERNAL!;
    delete matcherEnv.API_TOKEN_INTERNAL;
    // Only the matcher and what it depends on (the alert service then has no pricing to read calendars from).
    for (const name of ["pricing", "telegram-bot", "discord-bot", "discord-register"])
      delete doc.services[name];
    delete env(doc, "alerts").PRICING_URL;
    const broken = harnessFor(doc);
    await expect(broken.start()).rejects.toThrow(
      /matcher exited with 1 before it was healthy:[\s\S]*API_TOKEN_INTERNAL is required/,
    );
    await broken.stop();
  }, 120_000);
});

function env(doc: ComposeFile, service: string): Record<string, string> {
  return doc.services[service]!.environment as Record<string, string>;
}

/** One sample of a Prometheus text exposition (no labels). */
async function metric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text);
  return match ? Number(match[1]) : 0;
}

describe("docker-compose.yml, Telegram only, with the matcher scaled out (docker compose up --scale matcher=2)", () => {
  it("the two matchers split the partitions, and every alert on every partition fires exactly once", async () => {
    // COMPOSE_PROFILES=telegram, and the Discord lines of .env.example left as they were: nothing Discord starts,
    // and its placeholders stop nothing.
    const example = parseEnvFile(repoFile(".env.example"));
    const vars = composeVars({
      COMPOSE_PROFILES: "telegram",
      DISCORD_TOKEN: example.DISCORD_TOKEN!,
      API_TOKEN_DISCORD: example.API_TOKEN_DISCORD!,
    });
    harness = harnessFor(parseCompose(repoFile("docker-compose.yml")), { matcher: 2 }, vars);
    expect(harness.processServices().sort()).toEqual(["alerts", "matcher", "pricing", "telegram-bot"]);
    await harness.start();
    const matcherPorts = [harness.ports.get("matcher")!, harness.ports.get("matcher-2")!];
    // Co-partitioned assignment: both members own partitions, and together all of them.
    const deadline = Date.now() + 60_000;
    let owned: number[] = [];
    while (Date.now() < deadline) {
      owned = await Promise.all(
        matcherPorts.map((port) => metric(port, "tickerbell_matcher_owned_partitions")),
      );
      if (owned.every((n) => n > 0) && owned[0]! + owned[1]! === CO_PARTITIONED_PARTITIONS) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(owned.every((n) => n > 0)).toBe(true);
    expect(owned[0]! + owned[1]!).toBe(CO_PARTITIONED_PARTITIONS);

    const user = { id: 7101, first_name: "Sam" };
    for (const [i, symbol] of SPREAD_SYMBOLS.entries()) {
      telegram.userSends(user, `/alert ${symbol} above 25`);
      const replies = await telegram.waitForMessages(
        (m) => m.chatId === user.id && m.method === "sendMessage",
        i + 1,
        30_000,
      );
      expect(replies[i]!.text).toMatch(/^✅ Alert set/);
    }
    await finnhub.waitFor(
      () => SPREAD_SYMBOLS.every((s) => finnhub.subscriptions().includes(s)),
      "pricing to subscribe every symbol",
      60_000,
    );
    await tradeUntil(
      SPREAD_SYMBOLS.map((symbol) => [symbol, 26] as [string, number]),
      () => firedSymbolsTo(user.id).length >= SPREAD_SYMBOLS.length,
      "DMs for every partition",
    );
    expect(firedSymbolsTo(user.id).sort()).toEqual([...SPREAD_SYMBOLS].sort());
    // Both matchers did part of the work.
    const sent = await Promise.all(
      matcherPorts.map((port) => metric(port, "tickerbell_matcher_notifications_total")),
    );
    expect(sent.every((n) => n > 0)).toBe(true);
    expect(sent[0]! + sent[1]!).toBe(SPREAD_SYMBOLS.length);
  }, 300_000);
});

describe("docker-compose.yml, Discord only", () => {
  it("starts the Discord side alone with the Telegram lines of .env.example left in, and answers a command", async () => {
    await harness?.stop();
    const example = parseEnvFile(repoFile(".env.example"));
    const vars = composeVars({
      COMPOSE_PROFILES: "discord",
      TELEGRAM_TOKEN: example.TELEGRAM_TOKEN!,
      API_TOKEN_TELEGRAM: example.API_TOKEN_TELEGRAM!,
    });
    harness = harnessFor(parseCompose(repoFile("docker-compose.yml")), {}, vars);
    expect(harness.processServices().sort()).toEqual([
      "alerts",
      "discord-bot",
      "discord-register",
      "matcher",
      "pricing",
    ]);
    await harness.start();
    const reply = await discord
      .slashCommand({ id: "710000000000000009", username: "solo" }, "alert price", {
        ticker: DISCORD_SYMBOL,
        condition: "above",
        value: "90",
      })
      .reply();
    expect(reply.content).toMatch(new RegExp(`Alert set: ${DISCORD_SYMBOL} above \\$?90\\.00`));
    const codes = await harness.stop();
    harness = undefined;
    expect([...codes.values()].every((code) => code === 0)).toBe(true);
  });
});
