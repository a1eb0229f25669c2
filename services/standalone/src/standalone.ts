import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import {
  inProcessDemand,
  inProcessSnapshots,
  PricingEarningsCalendar,
  type RunningAlertService,
  startAlertService,
  startAlertWorkers,
} from "@tickerbell/alerts";
import {
  AlertsClient,
  type ChatBot,
  CommandHandler,
  chartMakerFrom,
  DestinationLoss,
  discordDeliverySettings,
  dryRunFrom,
  type Fetch,
  HttpDeliveryLog,
  HttpHeldStore,
  type Notifier,
  PricingClient,
  QuietHours,
  RateLimiter,
  type RunningBotProcess,
  runBotProcess,
  telegramDeliverySettings,
} from "@tickerbell/bot-core";
import { type Bus, consumerTuningOf, InMemoryBus, KafkaBus } from "@tickerbell/bus";
import { createMetricsRegistry, type Logger, registerSecret } from "@tickerbell/config";
import { ConsoleChat, ConsoleNotifier } from "@tickerbell/console";
import { type Platform, TOPIC_CATALOG } from "@tickerbell/contracts";
import { DiscordBot, DiscordNotifier, registerCommands } from "@tickerbell/discord";
import { MatcherService } from "@tickerbell/matcher";
import { DeferredBarStore, openPricingDb, SqlBarStore, startPricing } from "@tickerbell/pricing";
import { TelegramBot, TelegramNotifier } from "@tickerbell/telegram";
import { claimDataDir } from "./data-dir-claim.ts";
import { consoleHistoryFile, type StandaloneEnv } from "./env.ts";
import {
  chatFailure,
  databaseFailure,
  finnhubKeyCheck,
  listenFailure,
  StartInterrupted,
} from "./start-failure.ts";

/** The steps of a start, as the progress lines name them. */
export type StartStep = "database" | "migrations" | "bus" | "price feed" | "chat" | "history";

export interface StandaloneIo {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Line editing in the console chat; default: on when input and output are both terminals. */
  terminal?: boolean;
  /** Told as each step of the start begins (and how the migrations went), for the progress lines. */
  progress?: (step: StartStep, text: string) => void;
  /** Aborted (its reason the signal's name) when a stop is asked for mid-start: see StartInterrupted. */
  stopAsked?: AbortSignal;
}

export interface RunningStandalone {
  /** What is live, for the start-up banner. */
  summary: StandaloneSummary;
  /** Resolves when the console chat is closed (Ctrl-D or /quit); never resolves without a console. */
  consoleClosed: Promise<void>;
  /** Starts reading the console chat (after the banner is out); nothing without a console. */
  openConsole(): void;
  /** Stops in order (see stopInOrder) and resolves once everything is down. */
  stop(): Promise<void>;
}

export interface StandaloneSummary {
  database: string;
  bus: string;
  prices: string;
  chats: string[];
  /** The console chat edits lines (a terminal): arrow keys, history, Tab completion. */
  consoleLineEditing: boolean;
  alertsUrl: string;
  pricingUrl: string;
  /** The token for trying the alert API as a console user: the value when made up for this run, else its variable. */
  apiToken: { value: string } | { variable: "ALERTS_API_TOKEN" };
}

/** A fresh random token per run: in one process nobody outside needs to know it. */
function localToken(): string {
  const token = randomBytes(24).toString("hex");
  registerSecret(token);
  return token;
}

/** Listens on 127.0.0.1:`port`; a port in use fails with a sentence naming `variable`, the setting to change. */
function listen(fetch: Fetch, port: number, variable: string): Promise<{ server: Server; url: string }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname: "127.0.0.1" }, (info) =>
      resolve({ server: server as Server, url: `http://127.0.0.1:${info.port}` }),
    ) as Server;
    server.once("error", (error) => reject(listenFailure(error, port, variable)));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The base URL the in-process clients address: requests never leave the process (see `fetch`). */
const IN_PROCESS = "http://in-process.local";

/**
 * All of Tickerbell in one process: the alert service on PGlite (or PostgreSQL), the in-memory bus (or Kafka),
 * the pricing service on the simulated feed (or Finnhub), the matcher, and the chat adapters whose tokens are
 * set — or the console chat when none is. The same domain code as the microservices; only adapters differ:
 * the matcher and pricing read the alert service through in-process adapters, and the bots call its API and
 * the pricing API through their handlers, in process. The HTTP listeners are for people (API docs, quotes).
 */
export async function startStandalone(
  env: StandaloneEnv,
  logger: Logger,
  io: StandaloneIo,
): Promise<RunningStandalone> {
  const metrics = createMetricsRegistry("tickerbell");
  const tokens = {
    // The console bot's token doubles as the person's API token: it acts for console users only.
    console: env.ALERTS_API_TOKEN ?? localToken(),
    telegram: localToken(),
    discord: localToken(),
    internal: localToken(),
  };
  // Stages in start order; stopped in the order stopInOrder gives, whatever started.
  const stages: Partial<Record<Stage, () => Promise<void>>> = {};
  const stopAll = () => stopInOrder(stages, logger);
  // One source for every platform's pace, the same variables as the bot processes read.
  const delivery = { telegram: telegramDeliverySettings(env), discord: discordDeliverySettings(env) };
  const progress = io.progress ?? (() => {});
  // Called between steps: a stop asked for mid-start ends the start there (the catch below stops what started).
  const stopIfAsked = () => {
    if (io.stopAsked?.aborted) throw new StartInterrupted(String(io.stopAsked.reason));
  };

  try {
    // DATA_DIR holds the embedded database (and the console's log and history): one process at a time.
    if (!env.DATABASE_URL) {
      const release = claimDataDir(env.DATA_DIR);
      stages.dataDir = async () => release();
    }
    stopIfAsked();
    progress(
      "database",
      env.DATABASE_URL
        ? `connecting to PostgreSQL at ${postgresLocation(env.DATABASE_URL)}`
        : `opening embedded PGlite in ${env.DATA_DIR}`,
    );
    const alerts: RunningAlertService = await startAlertService({
      database: env.DATABASE_URL
        ? { kind: "postgres", url: env.DATABASE_URL }
        : { kind: "pglite", dataDir: env.DATA_DIR },
      tokens,
      maxOpenAlertsPerUser: env.ALERTS_MAX_ACTIVE_PER_USER,
      maxOpenAlertsPerCommunity: env.ALERTS_MAX_ACTIVE_PER_COMMUNITY,
      userCommandsPerMinute: env.ALERTS_USER_COMMANDS_PER_MINUTE,
      historyDays: env.ALERTS_HISTORY_DAYS,
      webhooks: { allow: env.WEBHOOK_ALLOW_HOSTS },
      logger: logger.child({ component: "alerts" }),
      metrics,
      onStartup: (event) => {
        if (event.step === "waiting-for-migration-lock")
          progress("migrations", "waiting for another process to finish migrating this database");
        if (event.step === "migrated")
          progress(
            "migrations",
            `${event.applied.length > 0 ? `applied ${event.applied.length}` : "none pending"}, the schema is up to date`,
          );
      },
    }).catch((error: unknown) => {
      throw env.DATABASE_URL ? databaseFailure(error, env.DATABASE_URL) : error;
    });
    stages.database = () => alerts.close();
    const alertsHttp = await listen(alerts.app.fetch, env.ALERTS_PORT, "ALERTS_PORT");
    stages.alertsHttp = () => close(alertsHttp.server);

    stopIfAsked();
    progress(
      "bus",
      env.KAFKA_BROKERS ? `connecting to Kafka at ${env.KAFKA_BROKERS.join(",")}` : "in-memory",
    );
    const bus: Bus<typeof TOPIC_CATALOG> = env.KAFKA_BROKERS
      ? new KafkaBus({
          catalog: TOPIC_CATALOG,
          brokers: env.KAFKA_BROKERS,
          clientId: "tickerbell",
          metrics,
          logger,
          consumer: consumerTuningOf(env),
        })
      : new InMemoryBus({ catalog: TOPIC_CATALOG, metrics, logger });
    await bus.start();
    stages.bus = () => bus.close();
    // The in-memory bus starts its offsets over with the process: stored runtime states stay, the stream
    // positions they refer to go (nothing from before can be replayed).
    if (!env.KAFKA_BROKERS) await alerts.runtime.forgetStreamPositions();

    // Earnings alerts read the calendar from pricing's API in process; pricing starts after the workers.
    let pricingApi: Fetch | undefined;
    const earningsCalendar = new PricingEarningsCalendar({
      baseUrl: IN_PROCESS,
      fetch: async (request) => {
        if (!pricingApi) throw new Error("the pricing service has not started yet");
        return pricingApi(request);
      },
    });
    const workers = await startAlertWorkers({
      service: alerts,
      bus,
      logger: logger.child({ component: "alert-workers" }),
      metrics,
      expirySweepMs: 10_000,
      earningsCalendar,
    });
    stages.workers = () => workers.stop();

    stopIfAsked();
    progress(
      "price feed",
      env.FINNHUB_API_KEY
        ? "connecting to Finnhub"
        : `starting the simulated feed (seed ${env.SIMULATION_SEED}, ${env.SIMULATION_MARKET_HOURS}, ${env.SIMULATION_SPEED}x speed)`,
    );
    // Price history sits beside the alerts: in the same PostgreSQL database (its own table and migrations
    // table), or in an embedded PGlite of its own under DATA_DIR. It opens while the rest starts (creating an
    // embedded database takes seconds); until then bars wait in the recorder's buffer.
    const barStore = new DeferredBarStore(
      openPricingDb(
        env.DATABASE_URL
          ? { kind: "postgres", url: env.DATABASE_URL }
          : { kind: "pglite", dataDir: env.DATA_DIR },
      ).then(
        (db) => new SqlBarStore(db),
        (error: unknown) => {
          logger.error({ err: error }, "the price history database did not open: no price history this run");
          throw error;
        },
      ),
    );
    stages.priceHistory = () => barStore.close();
    const pricing = await startPricing({
      config: {
        FINNHUB_API_KEY: env.FINNHUB_API_KEY,
        FINNHUB_WS_URL: env.FINNHUB_WS_URL,
        FINNHUB_REST_URL: env.FINNHUB_REST_URL,
        FINNHUB_SYMBOL_CAP: env.FINNHUB_SYMBOL_CAP,
        FINNHUB_REST_CALLS_PER_MINUTE: env.FINNHUB_REST_CALLS_PER_MINUTE,
        SIMULATION_SEED: env.SIMULATION_SEED,
        SIMULATION_MARKET_HOURS: env.SIMULATION_MARKET_HOURS,
        SIMULATION_SPEED: env.SIMULATION_SPEED,
        DEMAND_REFRESH_SECONDS: 60,
        PRICE_HISTORY_MINUTE_DAYS: env.PRICE_HISTORY_MINUTE_DAYS,
        PRICE_HISTORY_DAILY_DAYS: env.PRICE_HISTORY_DAILY_DAYS,
      },
      bus,
      demandSource: inProcessDemand(alerts),
      log: logger.child({ component: "pricing" }),
      metrics,
      barStore,
    });
    stages.pricing = () => pricing.stop();
    // A wrong key would otherwise show only later, as a feed that never connects: ask once (within the budget).
    if (env.FINNHUB_API_KEY) await pricing.marketData.marketStatus().catch(finnhubKeyCheck);
    const pricingHttp = await listen(pricing.http.fetch, env.PRICING_PORT, "PRICING_PORT");
    stages.pricingHttp = () => close(pricingHttp.server);

    const matcher = new MatcherService({
      bus,
      snapshots: inProcessSnapshots(alerts),
      logger: logger.child({ component: "matcher" }),
      metrics,
    });
    await matcher.start();
    stages.matcher = async () => {
      // What pricing published before it stopped is matched, its firings published, then the matcher leaves.
      await withTimeout(matcher.caughtUp(), 10_000, () =>
        logger.warn("the matcher did not catch up in 10 s"),
      );
      await matcher.stop();
    };

    const alertsFetch: Fetch = (request) => alerts.app.fetch(request);
    const pricingFetch: Fetch = (request) => pricing.http.fetch(request);
    pricingApi = pricingFetch;
    const prices = new PricingClient({ baseUrl: IN_PROCESS, fetch: pricingFetch });
    // One chart maker, one renderer, for every platform of this process.
    const charts = chartMakerFrom(env, prices);
    const dryRun = dryRunFrom(env, prices);
    const alertsFor = (platform: Platform) =>
      new AlertsClient({ baseUrl: IN_PROCESS, token: tokens[platform], platform, fetch: alertsFetch });
    /** Each bot's quiet hours (its settings cache and digest loop), once its bot runs. */
    const quietHoursOf = new Map<Platform, QuietHours>();
    const handlerFor = (platform: Platform) =>
      new CommandHandler({
        alerts: alertsFor(platform),
        prices,
        ...(charts ? { charts } : {}),
        ...(dryRun ? { dryRun } : {}),
        logger: logger.child({ component: `${platform}-commands` }),
        onSettingsChanged: (userId, settings) => quietHoursOf.get(platform)?.cache.set(userId, settings),
      });
    const bots: RunningBotProcess[] = [];
    const runBot = async (
      platform: Platform,
      bot: ChatBot,
      notifier: Notifier,
      limiter: RateLimiter,
      destinationLoss?: DestinationLoss,
    ): Promise<void> => {
      const botLogger = logger.child({ component: `${platform}-bot` });
      const deliveryLog = new HttpDeliveryLog({
        baseUrl: IN_PROCESS,
        token: tokens[platform],
        fetch: alertsFetch,
      });
      const sendDigest = notifier.sendDigest?.bind(notifier);
      const quietHours = sendDigest
        ? new QuietHours({
            platform,
            store: new HttpHeldStore({ baseUrl: IN_PROCESS, token: tokens[platform], fetch: alertsFetch }),
            log: deliveryLog,
            sendDigest,
            limiter,
            logger: botLogger,
            digestEveryMs: env.QUIET_HOURS_DIGEST_EVERY_SECONDS * 1000,
          })
        : undefined;
      if (quietHours) quietHoursOf.set(platform, quietHours);
      bots.push(
        await runBotProcess({
          platform,
          logger: botLogger,
          metrics,
          port: null,
          bus,
          groupId: `${platform}-bot`,
          deliveryLog,
          bot,
          notifier,
          limiter,
          ...(quietHours ? { quietHours } : {}),
          ...(charts ? { charts } : {}),
          destinations: alertsFor(platform),
          ...(destinationLoss ? { destinationLoss } : {}),
        }).catch((error: unknown) => {
          throw chatFailure(error);
        }),
      );
    };
    stages.bots = async () => {
      // Every notification published before the matcher stopped is delivered, then the bots leave.
      await Promise.all(bots.map((b) => b.stop("shutdown", { drain: true })));
    };
    const chats: string[] = [];

    if (env.TELEGRAM_TOKEN) {
      stopIfAsked();
      progress("chat", "connecting to Telegram");
      // One limiter for replies and notifications: Telegram counts both against the same limits.
      const limiter = new RateLimiter(delivery.telegram.limits);
      const telegramLogger = logger.child({ component: "telegram" });
      const telegramAlerts = alertsFor("telegram");
      // The bot removed from a group: its alerts paused, their creators told through the notifier.
      const destinationLoss = new DestinationLoss({
        alerts: telegramAlerts,
        logger: telegramLogger,
        tellUser: (user, text) => notifier.tellUser(user, text),
      });
      const telegram = new TelegramBot({
        token: env.TELEGRAM_TOKEN,
        apiRoot: env.TELEGRAM_API_ROOT,
        handler: handlerFor("telegram"),
        logger: telegramLogger,
        limiter,
        destinations: telegramAlerts,
        destinationLoss,
      });
      const notifier = new TelegramNotifier(telegram.bot.telegram, {
        allowPaidBroadcast: delivery.telegram.allowPaidBroadcast,
        destinations: telegramAlerts,
        limiter,
        logger: telegramLogger,
      });
      await runBot("telegram", telegram, notifier, limiter, destinationLoss);
      chats.push("Telegram");
    }

    if (env.DISCORD_TOKEN) {
      stopIfAsked();
      progress("chat", "connecting to Discord");
      const discord = new DiscordBot({
        token: env.DISCORD_TOKEN,
        apiBase: env.DISCORD_API_BASE,
        handler: handlerFor("discord"),
        alerts: alertsFor("discord"),
        prices,
        logger: logger.child({ component: "discord" }),
      });
      await runBot(
        "discord",
        discord,
        new DiscordNotifier(discord.client),
        new RateLimiter(delivery.discord.limits),
      );
      // One process, one operator: register the slash commands globally at every start (a bulk overwrite).
      await registerCommands({ rest: discord.client.rest });
      chats.push("Discord");
    }

    let consoleClosed: Promise<void> = new Promise(() => {});
    let openConsole = () => {};
    let consoleLineEditing = false;
    if (chats.length === 0) {
      stopIfAsked();
      progress("chat", "opening the console chat");
      const historyFile = consoleHistoryFile(env);
      const chat = new ConsoleChat({
        handler: handlerFor("console"),
        input: io.input,
        output: io.output,
        ...(io.terminal !== undefined ? { terminal: io.terminal } : {}),
        user: { platform: "console", platformUserId: "local", chatId: "console", displayName: "You" },
        // Tab completes the user's own tickers and those the pricing service's search finds.
        tickers: { alerts: alertsFor("console"), prices },
        ...(historyFile ? { historyFile } : {}),
        exportDir: join(env.DATA_DIR, "exports"),
        chartDir: join(env.DATA_DIR, "charts"),
      });
      // The console starts reading only after the banner (openConsole); as a ChatBot it just stops.
      const consoleBot: ChatBot = { start: async () => {}, stop: async () => chat.stop() };
      await runBot(
        "console",
        consoleBot,
        new ConsoleNotifier((text) => chat.print(text)),
        new RateLimiter({ globalPerSecond: 100, perChatPerSecond: 100 }),
      );
      openConsole = () => chat.start();
      consoleClosed = chat.closed;
      consoleLineEditing = chat.lineEditing;
      chats.push("console chat");
    }

    // Creating the embedded price history database is CPU work on this thread: a command typed while it runs
    // would wait for it (3 s for the first reply of a first start), so the chat opens once it is done.
    await barStore.opened();
    progress("history", "price history open");
    stopIfAsked();
    return {
      summary: {
        database: env.DATABASE_URL ? "PostgreSQL (DATABASE_URL)" : `embedded PGlite in ${env.DATA_DIR}`,
        bus: env.KAFKA_BROKERS ? `Kafka at ${env.KAFKA_BROKERS.join(",")}` : "in-memory bus",
        prices: env.FINNHUB_API_KEY
          ? "Finnhub (live trades)"
          : `simulated feed (seed ${env.SIMULATION_SEED}, ${env.SIMULATION_MARKET_HOURS}, ${env.SIMULATION_SPEED}x speed)`,
        chats,
        consoleLineEditing,
        alertsUrl: alertsHttp.url,
        pricingUrl: pricingHttp.url,
        apiToken: env.ALERTS_API_TOKEN ? { variable: "ALERTS_API_TOKEN" } : { value: tokens.console },
      },
      consoleClosed,
      openConsole,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Where DATABASE_URL points, without its user and password. */
function postgresLocation(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host || "localhost"}${parsed.pathname}`;
  } catch {
    return "DATABASE_URL";
  }
}

/** The parts of a running standalone, named for the stop order. */
type Stage =
  | "pricing"
  | "pricingHttp"
  | "priceHistory"
  | "matcher"
  | "bots"
  | "workers"
  | "alertsHttp"
  | "bus"
  | "database"
  | "dataDir";

/**
 * Nothing taken in is lost: first no new trades (pricing, which flushes what it holds, finishes storing a
 * back-fill under way and writes its last bars, then the price history store closes once its API is down), then
 * the matcher matches what was published and checkpoints, then the bots deliver every notification published, then the alert
 * service's workers store the last runtime events and publish the last outbox rows, then the bus, then the
 * database, and last DATA_DIR is let go. A firing during shutdown is therefore delivered before the process
 * exits, or replayed after it.
 */
const STOP_ORDER: readonly Stage[] = [
  "pricing",
  "pricingHttp",
  "priceHistory",
  "matcher",
  "bots",
  "workers",
  "alertsHttp",
  "bus",
  "database",
  "dataDir",
];

async function stopInOrder(
  stages: Partial<Record<Stage, () => Promise<void>>>,
  logger: Logger,
): Promise<void> {
  for (const stage of STOP_ORDER) {
    const stop = stages[stage];
    if (!stop) continue;
    delete stages[stage];
    await stop().catch((err: unknown) => logger.error({ err, stage }, "error while stopping"));
  }
}

async function withTimeout(work: Promise<unknown>, ms: number, onTimeout: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  const outcome = await Promise.race([
    work.then(() => "done" as const).catch(() => "done" as const),
    timedOut,
  ]);
  clearTimeout(timer);
  if (outcome === "timeout") onTimeout();
}
