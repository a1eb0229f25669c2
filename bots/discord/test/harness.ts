import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { serve } from "@hono/node-server";
import { type RunningAlertService, startAlertService } from "@tickerbell/alerts";
import {
  AlertsClient,
  BarChartMaker,
  BarDryRun,
  type ChartMaker,
  CommandHandler,
  PricingClient,
  processChartRenderer,
} from "@tickerbell/bot-core";
import { createLogger, createMetricsRegistry, type Logger } from "@tickerbell/config";
import {
  Backfiller,
  createHttpApp,
  openPricingDb,
  SimulatedFeed,
  SimulatedHistory,
  SimulatedMarketData,
  SimulatedSource,
  SqlBarStore,
  StudiesBook,
} from "@tickerbell/pricing";
import { createTestDatabase, FakeDiscord, type FakeDiscordOptions } from "@tickerbell/testkit";
import { REST } from "discord.js";
import { DiscordBot } from "../src/discord-bot.ts";
import { registerCommands } from "../src/registration.ts";

export const TOKENS = {
  discord: "discord-bot-token-for-tests",
  telegram: "telegram-bot-token-for-tests",
  console: "console-bot-token-for-tests",
  internal: "internal-token-for-tests",
} as const;

type HttpServer = ReturnType<typeof serve>;

function listen(
  fetch: (request: Request) => Response | Promise<Response>,
): Promise<{ url: string; server: HttpServer }> {
  return new Promise((resolve) => {
    const server = serve({ fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) =>
      resolve({ url: `http://127.0.0.1:${info.port}`, server }),
    );
  });
}

function close(server: HttpServer): Promise<void> {
  return new Promise((resolve) => {
    if ("closeAllConnections" in server) server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** A logger whose lines the test can read (and which stays quiet on the console). */
export function capturedLogger(service: string): {
  logger: Logger;
  lines: () => Array<Record<string, unknown>>;
} {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return {
    logger: createLogger({ service, level: "debug", destination }),
    lines: () => lines.flatMap((l) => l.split("\n").filter(Boolean)).map((l) => JSON.parse(l)),
  };
}

export interface Stack {
  fake: FakeDiscord;
  bot: DiscordBot;
  /** The alert service in-process (for its workers in the Kafka suite). */
  service: RunningAlertService;
  alerts: AlertsClient;
  alertsUrl: string;
  /** Every request that reached the alert service's HTTP API, in arrival order ("GET /v1/alerts?..."). */
  alertRequests: string[];
  /** The X-Command-Id of each of those requests (null when it had none), in the same order. */
  alertCommandIds: (string | null)[];
  pricingUrl: string;
  feed: SimulatedFeed;
  prices: PricingClient;
  /** The chart maker of /chart and of notifications (none: charts off). */
  charts: ChartMaker | undefined;
  /** The pricing API's price history (none unless charts, the dry run or studies are on). */
  barStore: SqlBarStore | undefined;
  logs: () => Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * The whole chat side for real: the alert service on a fresh PostgreSQL database and the pricing service's HTTP
 * API (simulated prices) each on a real port, the fake Discord, and the bot logged in with the real discord.js
 * client, its commands registered the way `npm run register` does.
 */
export async function startStack(
  options: {
    fake?: FakeDiscordOptions;
    now?: () => Date;
    pricingUrl?: string;
    /**
     * Charts on, each within this budget (ms): the pricing API then records price history (the simulated feed
     * back-fills it on a symbol's first demand). Unset: charts are off, as with CHARTS=off.
     */
    chartBudgetMs?: number;
    /**
     * The dry run under a new alert on, within this budget (ms): the pricing API then has a price history that
     * only the test writes (`barStore`; no back-fill unless charts are on too).
     */
    dryRunBudgetMs?: number;
    /**
     * The pricing API answers GET /v1/studies from a price history only the test writes (`barStore`), as the
     * pricing service computes the studies of volume and indicator alerts.
     */
    studies?: boolean;
  } = {},
): Promise<Stack> {
  const cleanups: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    while (cleanups.length > 0)
      await cleanups
        .pop()?.()
        .catch(() => undefined);
  };
  try {
    const database = await createTestDatabase("tb_discord");
    cleanups.push(() => database.drop());
    const service = await startAlertService({
      database: { kind: "postgres", url: database.url },
      tokens: TOKENS,
      maxOpenAlertsPerUser: 100,
      userCommandsPerMinute: 100_000,
      logger: createLogger({ service: "alerts-test", level: "silent" }),
      metrics: createMetricsRegistry("alerts"),
    });
    cleanups.push(() => service.close());
    const alertRequests: string[] = [];
    const alertCommandIds: (string | null)[] = [];
    const alertsHttp = await listen((request) => {
      const url = new URL(request.url);
      alertRequests.push(`${request.method} ${url.pathname}${url.search}`);
      alertCommandIds.push(request.headers.get("x-command-id"));
      return service.app.fetch(request);
    });
    cleanups.push(() => close(alertsHttp.server));

    // Prices stay at the universe's starting prices (AAPL 190, TSLA 245, NVDA 122...) until the feed advances.
    const feed = new SimulatedFeed({ seed: 7, startMs: Date.now() });
    let history: { store: SqlBarStore; backfiller: Backfiller } | null = null;
    if (options.chartBudgetMs !== undefined || options.dryRunBudgetMs !== undefined || options.studies) {
      const barsDatabase = await createTestDatabase("tb_discord_bars");
      cleanups.push(() => barsDatabase.drop());
      const store = new SqlBarStore(await openPricingDb({ kind: "postgres", url: barsDatabase.url }));
      cleanups.push(() => store.close());
      const backfiller = new Backfiller({
        source: new SimulatedHistory(feed, { seed: 7, marketHours: "always-open" }),
        store,
        log: createLogger({ service: "pricing-test", level: "silent" }),
      });
      history = { store, backfiller };
    }
    const unwatched = new SimulatedSource(feed);
    const pricingApp = createHttpApp({
      ...(history ? { bars: history.store } : {}),
      ...(history && options.studies
        ? {
            studies: new StudiesBook({
              store: history.store,
              log: createLogger({ service: "pricing-test", level: "silent" }),
            }),
          }
        : {}),
      ...(history && options.chartBudgetMs !== undefined
        ? { onBarsDemand: (symbol: string) => history.backfiller.request(symbol) }
        : {}),
      marketData: new SimulatedMarketData(feed),
      // No price source runs here: every symbol is idle (a one-off quote); the simulated feed never polls.
      feedOf: (symbol: string) => unwatched.feedOf(symbol),
      metrics: createMetricsRegistry("pricing"),
      log: createLogger({ service: "pricing-test", level: "silent" }),
      isReady: () => true,
    });
    const pricingHttp = await listen(pricingApp.fetch);
    cleanups.push(() => close(pricingHttp.server));

    const fake = await FakeDiscord.start({ heartbeatIntervalMs: 1000, ...options.fake });
    cleanups.push(() => fake.close());
    await registerCommands({ rest: new REST({ api: fake.apiBase }).setToken(fake.token) });

    const { logger, lines } = capturedLogger("discord-test");
    const alerts = new AlertsClient({ baseUrl: alertsHttp.url, token: TOKENS.discord, platform: "discord" });
    const prices = new PricingClient({ baseUrl: options.pricingUrl ?? pricingHttp.url });
    const charts: ChartMaker | undefined =
      options.chartBudgetMs === undefined
        ? undefined
        : new BarChartMaker({
            bars: prices,
            renderer: processChartRenderer(),
            budgetMs: options.chartBudgetMs,
          });
    const handler = new CommandHandler({
      alerts,
      prices,
      logger,
      ...(charts ? { charts } : {}),
      ...(options.dryRunBudgetMs !== undefined
        ? { dryRun: new BarDryRun({ bars: prices, budgetMs: options.dryRunBudgetMs }) }
        : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    const bot = new DiscordBot({
      token: fake.token,
      apiBase: fake.apiBase,
      handler,
      alerts,
      prices,
      logger,
      ...(options.now ? { now: options.now } : {}),
    });
    await bot.start();
    cleanups.push(() => bot.stop());
    return {
      fake,
      bot,
      service,
      alerts,
      alertsUrl: alertsHttp.url,
      alertRequests,
      alertCommandIds,
      pricingUrl: pricingHttp.url,
      feed,
      prices,
      charts,
      barStore: history?.store,
      logs: lines,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

// Random per test file, so suites sharing a broker (or the fake's users) never meet each other's users.
let nextUser = 200000000000000000n + BigInt(Math.floor(Math.random() * 1e12)) * 1000n;
/** A fresh Discord user per test, so tests do not see each other's alerts. */
export function newUser(name = "user"): { id: string; username: string } {
  nextUser += 1n;
  return { id: String(nextUser), username: `${name}${nextUser % 1000n}` };
}
