import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { type RunningAlertService, startAlertService, startAlertWorkers } from "@tickerbell/alerts";
import {
  AlertsClient,
  CommandHandler,
  consumeNotifications,
  DeliveryPipeline,
  HttpDeliveryLog,
  PricingClient,
  RateLimiter,
} from "@tickerbell/bot-core";
import { type Bus, InMemoryBus, KafkaBus, type Subscription } from "@tickerbell/bus";
import { createMetricsRegistry, type Logger, registerSecret } from "@tickerbell/config";
import { ConsoleChat, ConsoleNotifier } from "@tickerbell/console";
import { type Platform, TOPIC_CATALOG } from "@tickerbell/contracts";
import { DiscordBot, DiscordNotifier, registerCommands } from "@tickerbell/discord";
import { MatcherAlertsClient, MatcherService } from "@tickerbell/matcher";
import { AlertsDemandClient, startPricing } from "@tickerbell/pricing";
import { TelegramBot, TelegramNotifier } from "@tickerbell/telegram";
import type { StandaloneEnv } from "./env.ts";

export interface StandaloneIo {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

export interface RunningStandalone {
  /** What is live, for the start-up banner. */
  summary: StandaloneSummary;
  /** Resolves when the console chat is closed (Ctrl-D or /quit); never resolves without a console. */
  consoleClosed: Promise<void>;
  /** Starts reading the console chat (after the banner is out); nothing without a console. */
  openConsole(): void;
  stop(): Promise<void>;
}

export interface StandaloneSummary {
  database: string;
  bus: string;
  prices: string;
  chats: string[];
  alertsUrl: string;
  pricingUrl: string;
}

/** A fresh random token per run: in one process nobody outside needs to know it. */
function localToken(): string {
  const token = randomBytes(24).toString("hex");
  registerSecret(token);
  return token;
}

function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  port: number,
): Promise<{ server: Server; url: string }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname: "127.0.0.1" }, (info) =>
      resolve({ server: server as Server, url: `http://127.0.0.1:${info.port}` }),
    ) as Server;
    server.once("error", reject);
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * All of Tickerbell in one process: the alert service on PGlite (or PostgreSQL), the in-memory bus (or Kafka),
 * the pricing service on the simulated feed (or Finnhub), the matcher, and the chat adapters whose tokens are
 * set — or the console chat when none is. The same domain code as the microservices; only adapters differ.
 */
export async function startStandalone(
  env: StandaloneEnv,
  logger: Logger,
  io: StandaloneIo,
): Promise<RunningStandalone> {
  const metrics = createMetricsRegistry("tickerbell");
  const tokens = {
    console: localToken(),
    telegram: localToken(),
    discord: localToken(),
    internal: localToken(),
  };
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) {
      await stop().catch((err: unknown) => logger.error({ err }, "error while stopping"));
    }
    stops.length = 0;
  };

  try {
    const alerts: RunningAlertService = await startAlertService({
      database: env.DATABASE_URL
        ? { kind: "postgres", url: env.DATABASE_URL }
        : { kind: "pglite", dataDir: env.DATA_DIR },
      tokens,
      maxOpenAlertsPerUser: env.ALERTS_MAX_ACTIVE_PER_USER,
      logger: logger.child({ component: "alerts" }),
      metrics,
    });
    stops.push(() => alerts.close());
    const alertsHttp = await listen(alerts.app.fetch, env.ALERTS_PORT);
    stops.push(() => close(alertsHttp.server));

    const bus: Bus<typeof TOPIC_CATALOG> = env.KAFKA_BROKERS
      ? new KafkaBus({
          catalog: TOPIC_CATALOG,
          brokers: env.KAFKA_BROKERS,
          clientId: "tickerbell",
          metrics,
          logger,
        })
      : new InMemoryBus({ catalog: TOPIC_CATALOG, metrics, logger });
    await bus.start();
    stops.push(() => bus.close());

    const workers = await startAlertWorkers({
      service: alerts,
      bus,
      logger: logger.child({ component: "alert-workers" }),
      metrics,
      expirySweepMs: 10_000,
    });
    stops.push(() => workers.stop());

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
      },
      bus,
      demandSource: new AlertsDemandClient({ alertsUrl: alertsHttp.url, internalToken: tokens.internal }),
      log: logger.child({ component: "pricing" }),
      metrics,
    });
    stops.push(() => pricing.stop());
    const pricingHttp = await listen(pricing.http.fetch, env.PRICING_PORT);
    stops.push(() => close(pricingHttp.server));

    const matcherClient = new MatcherAlertsClient({
      baseUrl: alertsHttp.url,
      internalToken: tokens.internal,
    });
    const matcher = new MatcherService({
      bus,
      snapshots: matcherClient,
      extremes: matcherClient,
      triggers: matcherClient,
      logger: logger.child({ component: "matcher" }),
      metrics,
    });
    await matcher.start();
    stops.push(() => matcher.stop());

    const prices = new PricingClient({ baseUrl: pricingHttp.url });
    const chats: string[] = [];
    const subscriptions: Subscription[] = [];
    const pipelineFor = (
      platform: Platform,
      notifier: ConstructorParameters<typeof DeliveryPipeline>[0]["notifier"],
      limits: { globalPerSecond: number; perChatPerSecond: number },
    ) =>
      new DeliveryPipeline({
        notifier,
        log: new HttpDeliveryLog({ baseUrl: alertsHttp.url, token: tokens[platform as keyof typeof tokens] }),
        limiter: new RateLimiter(limits),
        logger: logger.child({ component: `${platform}-delivery` }),
      });
    const handlerFor = (platform: Platform) =>
      new CommandHandler({
        alerts: new AlertsClient({
          baseUrl: alertsHttp.url,
          token: tokens[platform as keyof typeof tokens],
          platform,
        }),
        prices,
        logger: logger.child({ component: `${platform}-commands` }),
      });

    if (env.TELEGRAM_TOKEN) {
      const telegram = new TelegramBot({
        token: env.TELEGRAM_TOKEN,
        apiRoot: env.TELEGRAM_API_ROOT,
        handler: handlerFor("telegram"),
        logger: logger.child({ component: "telegram" }),
      });
      await telegram.start();
      stops.push(() => telegram.stop());
      const pipeline = pipelineFor("telegram", new TelegramNotifier(telegram.bot.telegram), {
        globalPerSecond: 30,
        perChatPerSecond: 1,
      });
      subscriptions.push(await consumeNotifications({ bus, platform: "telegram", pipeline }));
      chats.push("Telegram");
    }

    if (env.DISCORD_TOKEN) {
      const alertsForDiscord = new AlertsClient({
        baseUrl: alertsHttp.url,
        token: tokens.discord,
        platform: "discord",
      });
      const discord = new DiscordBot({
        token: env.DISCORD_TOKEN,
        apiBase: env.DISCORD_API_BASE,
        handler: handlerFor("discord"),
        alerts: alertsForDiscord,
        prices,
        logger: logger.child({ component: "discord" }),
      });
      await discord.start();
      stops.push(() => discord.stop());
      // One process, one operator: register the slash commands globally at every start (a bulk overwrite).
      await registerCommands({ rest: discord.client.rest });
      const pipeline = pipelineFor("discord", new DiscordNotifier(discord.client), {
        globalPerSecond: 50,
        perChatPerSecond: 5,
      });
      subscriptions.push(await consumeNotifications({ bus, platform: "discord", pipeline }));
      chats.push("Discord");
    }

    let consoleClosed: Promise<void> = new Promise(() => {});
    let openConsole = () => {};
    if (chats.length === 0) {
      const chat = new ConsoleChat({
        handler: handlerFor("console"),
        input: io.input,
        output: io.output,
        user: { platform: "console", platformUserId: "local", chatId: "console", displayName: "You" },
      });
      const pipeline = pipelineFor("console", new ConsoleNotifier((text) => chat.print(text)), {
        globalPerSecond: 100,
        perChatPerSecond: 100,
      });
      subscriptions.push(await consumeNotifications({ bus, platform: "console", pipeline }));
      openConsole = () => chat.start();
      stops.push(async () => chat.stop());
      consoleClosed = chat.closed;
      chats.push("console chat");
    }
    stops.push(async () => {
      await Promise.all(subscriptions.map((s) => s.stop()));
    });

    return {
      summary: {
        database: env.DATABASE_URL ? "PostgreSQL (DATABASE_URL)" : `embedded PGlite in ${env.DATA_DIR}`,
        bus: env.KAFKA_BROKERS ? `Kafka at ${env.KAFKA_BROKERS.join(",")}` : "in-memory bus",
        prices: env.FINNHUB_API_KEY
          ? "Finnhub (live trades)"
          : `simulated feed (seed ${env.SIMULATION_SEED}, ${env.SIMULATION_MARKET_HOURS}, ${env.SIMULATION_SPEED}x speed)`,
        chats,
        alertsUrl: alertsHttp.url,
        pricingUrl: pricingHttp.url,
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
