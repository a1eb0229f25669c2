import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { serve } from "@hono/node-server";
import { parseAllowList, startAlertService } from "@tickerbell/alerts";
import {
  AlertsClient,
  BarChartMaker,
  BarDryRun,
  type BarsLookup,
  type ChartMaker,
  CommandHandler,
  DeliveryPipeline,
  DestinationLoss,
  HttpDeliveryLog,
  PricingClient,
  processChartRenderer,
  RateLimiter,
  telegramDeliverySettings,
} from "@tickerbell/bot-core";
import { createLogger, createMetricsRegistry } from "@tickerbell/config";
import type { Alert, AlertRuntimeState, Notification, UserSettings } from "@tickerbell/contracts";
import {
  Backfiller,
  createHttpApp,
  type MarketData,
  openPricingDb,
  type PriceSource,
  SimulatedFeed,
  SimulatedHistory,
  SimulatedMarketData,
  SimulatedSource,
  SqlBarStore,
  StudiesBook,
} from "@tickerbell/pricing";
import {
  createTestDatabase,
  FakeTelegram,
  type FakeUserInput,
  type RecordedMessage,
} from "@tickerbell/testkit";
import { TelegramBot } from "../src/telegram-bot.ts";
import { TelegramNotifier } from "../src/telegram-notifier.ts";

export const TOKENS = {
  telegram: "telegram-bot-token-for-tests",
  discord: "discord-bot-token-for-tests",
  internal: "internal-token-for-tests",
} as const;

/** How long one reply may take: replies to a chat are paced at 1/s, and a 429 costs at least a second more. */
const REPLY_TIMEOUT_MS = 15_000;

type Server = ReturnType<typeof serve>;

async function listen(fetch: (request: Request) => Response | Promise<Response>): Promise<{
  server: Server;
  url: string;
}> {
  return new Promise((resolve) => {
    const server = serve({ fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) =>
      resolve({ server, url: `http://127.0.0.1:${info.port}` }),
    );
  });
}

async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    if ("closeAllConnections" in server) server.closeAllConnections();
    server.close(() => resolve());
  });
}

/**
 * Everything a Telegram user touches, for real: the telegraf bot against the fake Bot API server, the alert
 * service on a fresh PostgreSQL database, the pricing service's HTTP API on its simulated feed (prices hold
 * still: nothing advances the feed), and the notification pipeline with the alert service's delivery log.
 */
export async function startWorld(
  options: {
    startBot?: boolean;
    /** The pricing API's market data (default: the simulated feed), e.g. Finnhub's through the fake. */
    marketData?: MarketData;
    /**
     * The price source whose feed paths the quotes tell (default: none runs, every symbol is idle), e.g. a
     * FinnhubSource on the fake Finnhub with a small cap.
     */
    priceSource?: PriceSource;
    /** The pricing API's clock (which day its earnings calendar starts at). */
    pricingNow?: () => number;
    /** The alert service's clock (default: the system's). */
    alertsClock?: { now(): Date };
    webhookAllowHosts?: string[];
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
    /** The dry run reads its bars through this (a test holds them past the budget). */
    dryRunBars?: (bars: BarsLookup) => BarsLookup;
    /**
     * The pricing API answers GET /v1/studies from a price history only the test writes (`barStore`), as the
     * pricing service computes the studies of volume and indicator alerts.
     */
    studies?: boolean;
  } = {},
) {
  const logLines: string[] = [];
  const logger = createLogger({
    service: "telegram-test",
    level: (process.env.TEST_LOG_LEVEL as "debug" | undefined) ?? "warn",
    destination: new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    }),
  });

  const db = await createTestDatabase("tb_telegram");
  const alertService = await startAlertService({
    database: { kind: "postgres", url: db.url },
    tokens: TOKENS,
    maxOpenAlertsPerUser: 100,
    userCommandsPerMinute: 100_000,
    ...(options.webhookAllowHosts ? { webhooks: { allow: parseAllowList(options.webhookAllowHosts) } } : {}),
    logger,
    metrics: createMetricsRegistry("alerts"),
    ...(options.alertsClock ? { clock: options.alertsClock } : {}),
  });
  const alertsHttp = await listen(alertService.app.fetch);

  const feed = new SimulatedFeed({ seed: 42, startMs: Date.now(), marketHours: "always-open" });
  const history =
    options.chartBudgetMs === undefined && options.dryRunBudgetMs === undefined && !options.studies
      ? null
      : await startHistory(feed, logger);
  const priceSource = options.priceSource ?? new SimulatedSource(feed);
  const pricingApp = createHttpApp({
    ...(history ? { bars: history.store } : {}),
    ...(history && options.studies
      ? { studies: new StudiesBook({ store: history.store, log: logger }) }
      : {}),
    ...(history && options.chartBudgetMs !== undefined
      ? { onBarsDemand: (symbol: string) => history.backfiller.request(symbol) }
      : {}),
    marketData: options.marketData ?? new SimulatedMarketData(feed),
    metrics: createMetricsRegistry("pricing"),
    log: logger,
    isReady: () => true,
    feedOf: (symbol) => priceSource.feedOf(symbol),
    ...(options.pricingNow ? { now: options.pricingNow } : {}),
  });
  const pricingHttp = await listen(pricingApp.fetch);

  const telegram = await FakeTelegram.start();
  const alerts = new AlertsClient({ baseUrl: alertsHttp.url, token: TOKENS.telegram, platform: "telegram" });
  const prices = new PricingClient({ baseUrl: pricingHttp.url });
  const charts: ChartMaker | undefined =
    options.chartBudgetMs === undefined
      ? undefined
      : new BarChartMaker({
          bars: prices,
          renderer: processChartRenderer(),
          budgetMs: options.chartBudgetMs,
        });
  /** Told when a user changes their settings (as main.ts tells the quiet-hours settings cache). */
  const settingsListeners: Array<(userId: string, settings: UserSettings) => void> = [];
  const handler = new CommandHandler({
    alerts,
    prices,
    logger,
    ...(charts ? { charts } : {}),
    ...(options.dryRunBudgetMs !== undefined
      ? {
          dryRun: new BarDryRun({
            bars: options.dryRunBars?.(prices) ?? prices,
            budgetMs: options.dryRunBudgetMs,
          }),
        }
      : {}),
    onSettingsChanged: (userId, settings) => {
      for (const listener of settingsListeners) listener(userId, settings);
    },
  });
  // As in main.ts: one limiter for replies and notifications, from the same settings at their defaults.
  const limiter = new RateLimiter(
    telegramDeliverySettings({
      TELEGRAM_ALLOW_PAID_BROADCAST: false,
      TELEGRAM_MESSAGES_PER_SECOND: undefined,
      TELEGRAM_MESSAGES_PER_CHAT_PER_SECOND: 1,
      TELEGRAM_GROUP_MESSAGES_PER_MINUTE: 20,
    }).limits,
  );
  // As in main.ts: a lost group pauses its alerts and tells their creators through the notifier (built below).
  const destinationLoss = new DestinationLoss({
    alerts,
    logger,
    tellUser: (user, text) => notifier.tellUser(user, text),
  });
  const bot = new TelegramBot({
    token: telegram.token,
    apiRoot: telegram.apiRoot,
    handler,
    logger,
    limiter,
    destinations: alerts,
    destinationLoss,
  });
  const notifier = new TelegramNotifier(bot.bot.telegram, { destinations: alerts, limiter, logger });
  const undeliverable: Array<{ triggerId: string; reason: string }> = [];
  const pipeline = new DeliveryPipeline({
    notifier,
    log: new HttpDeliveryLog({ baseUrl: alertsHttp.url, token: TOKENS.telegram }),
    limiter,
    logger,
    onUndeliverable: async (n, reason) => {
      undeliverable.push({ triggerId: n.triggerId, reason });
      await destinationLoss.onUndeliverable(n, reason);
    },
    ...(charts ? { charts } : {}),
  });
  // The operator's paid-broadcast mode (TELEGRAM_ALLOW_PAID_BROADCAST=true): the same bot, paced at 1,000/s.
  const paidPipeline = new DeliveryPipeline({
    notifier: new TelegramNotifier(bot.bot.telegram, { allowPaidBroadcast: true }),
    log: new HttpDeliveryLog({ baseUrl: alertsHttp.url, token: TOKENS.telegram }),
    limiter: new RateLimiter(
      telegramDeliverySettings({
        TELEGRAM_ALLOW_PAID_BROADCAST: true,
        TELEGRAM_MESSAGES_PER_SECOND: undefined,
        TELEGRAM_MESSAGES_PER_CHAT_PER_SECOND: 1,
        TELEGRAM_GROUP_MESSAGES_PER_MINUTE: 20,
      }).limits,
    ),
    logger,
  });
  // Leave the bot unlaunched when a bot process of its own (main.ts) polls this fake: only one may poll a token.
  if (options.startBot !== false) await bot.start();

  /** Offsets of the alerts.runtime events this world applies (the service keeps only newer ones per alert). */
  let nextRuntimeOffset = 1n;

  /** What the user sees in their chat: every message the bot sent there, as it looks now. */
  const sentTo = (user: FakeUserInput) =>
    telegram.messagesTo(user.id).filter((m) => m.method === "sendMessage");
  /** Messages each user sent through `say`, to check that each got exactly one reply. */
  const said = new Map<number, number>();

  return {
    telegram,
    bot,
    alerts,
    prices,
    pipeline,
    paidPipeline,
    limiter,
    /** The chart maker of `pipeline` (unset: charts off). */
    charts,
    /** The pricing API's price history (none unless charts, the dry run or studies are on). */
    barStore: history?.store,
    undeliverable,
    logLines,
    settingsListeners,
    alertsUrl: alertsHttp.url,
    pricingUrl: pricingHttp.url,
    /** The running alert service, for its Kafka workers (outbox relay, trigger consumer). */
    alertService,

    /** The user sends `text`; resolves with the bot's reply (the next message in their chat). */
    async say(user: FakeUserInput, text: string): Promise<RecordedMessage> {
      const before = sentTo(user).length;
      said.set(user.id, (said.get(user.id) ?? 0) + 1);
      telegram.userSends(user, text);
      const replies = await telegram.waitForMessages(
        (m) => m.chatId === user.id && m.method === "sendMessage",
        before + 1,
        REPLY_TIMEOUT_MS,
      );
      return replies[before]!;
    },

    /**
     * `user` sends `text` in a group (as the group when `anonymously`); resolves with the bot's next message
     * there.
     */
    async sayInGroup(
      groupId: number,
      user: FakeUserInput,
      text: string,
      options: { anonymously?: boolean } = {},
    ): Promise<RecordedMessage> {
      const inGroup = (m: RecordedMessage) => m.chatId === groupId && m.method === "sendMessage";
      const before = telegram.messagesTo(groupId).filter(inGroup).length;
      telegram.userSendsInGroup(groupId, user, text, options);
      const replies = await telegram.waitForMessages(inGroup, before + 1, REPLY_TIMEOUT_MS);
      return replies[before]!;
    },

    /**
     * Chats where the number of bot messages differs from the number of messages the user sent through `say`
     * (a lost or doubled reply); empty when every command got exactly one reply.
     */
    unevenChats(): Array<{ chatId: number; said: number; replies: number }> {
      return [...said]
        .map(([chatId, count]) => ({ chatId, said: count, replies: sentTo({ id: chatId }).length }))
        .filter((c) => c.said !== c.replies);
    },

    /** The user presses a button under `message`; resolves with the message as the bot edited it. */
    async press(user: FakeUserInput, message: RecordedMessage, data: string): Promise<RecordedMessage> {
      const isEdit = (m: RecordedMessage) =>
        m.chatId === user.id && m.messageId === message.messageId && m.method === "editMessageText";
      const before = telegram.messagesTo(user.id).filter(isEdit).length;
      telegram.userPresses(user, message, data);
      const edits = await telegram.waitForMessages(isEdit, before + 1, REPLY_TIMEOUT_MS);
      return edits[before]!;
    },

    /** The alert service's view of this user's alerts. */
    alertsOf(user: FakeUserInput): Promise<Alert[]> {
      return alerts.listAlerts(String(user.id));
    },

    /**
     * Records a firing the way the matcher does now: an alerts.runtime event (the firing and the state after it)
     * applied by the alert service, as its runtime consumer would. Returns the alert after it.
     */
    async fire(user: FakeUserInput, alert: Alert, price: number): Promise<{ outcome: string; alert: Alert }> {
      const repeating = alert.repeat !== null;
      const firedAt = new Date();
      const before: AlertRuntimeState = {
        generation: alert.generation,
        phase: alert.phase,
        referencePrice: alert.referencePrice,
        upper: alert.thresholds.upper,
        lower: alert.thresholds.lower,
        extreme: alert.extreme,
        lastFiredAt: alert.lastTriggeredAt === null ? null : Date.parse(alert.lastTriggeredAt),
        lastFirePrice: alert.lastTriggerPrice,
      };
      // A repeating alert cools down into its next generation; a one-shot one is done.
      const after: AlertRuntimeState = repeating
        ? {
            ...before,
            generation: alert.generation + 1,
            phase: "cooling",
            lastFiredAt: firedAt.getTime(),
            lastFirePrice: price,
          }
        : before;
      await alertService.runtime.apply([
        {
          event: {
            v: 1,
            alertId: alert.id,
            symbol: alert.symbol,
            asOfTick: null,
            state: after,
            firing: {
              triggerId: `${alert.id}:${alert.generation}`,
              price,
              firedAt: firedAt.toISOString(),
              notification: notificationFor(alert, { price }),
            },
            done: !repeating,
          },
          partition: 0,
          offset: nextRuntimeOffset++,
        },
      ]);
      const updated = await alerts.getAlert(String(user.id), alert.id);
      return { outcome: updated.status === "triggered" ? "triggered" : "rearmed", alert: updated };
    },

    /** What the alert service's delivery log holds for a triggerId, as this bot sees it. */
    async deliveryState(triggerId: string): Promise<string> {
      const res = await fetch(`${alertsHttp.url}/v1/deliveries/${encodeURIComponent(triggerId)}`, {
        headers: { authorization: `Bearer ${TOKENS.telegram}` },
      });
      const body = (await res.json()) as { state: string };
      return body.state;
    },

    async close(): Promise<void> {
      if (options.startBot !== false) await bot.stop("test over");
      await telegram.close();
      await closeServer(pricingHttp.server);
      await closeServer(alertsHttp.server);
      await alertService.close();
      await db.drop();
      await history?.close();
    },
  };
}

export type World = Awaited<ReturnType<typeof startWorld>>;

/** The notification the matcher would publish for this firing of `alert`. */
export function notificationFor(
  alert: Alert,
  options: { price: number; generation?: number; type?: Notification["type"] },
): Notification {
  const generation = options.generation ?? alert.generation;
  const moveAbs = options.price - alert.referencePrice;
  return {
    v: 1,
    type: options.type ?? "triggered",
    triggerId: `${alert.id}:${generation}`,
    alertId: alert.id,
    generation,
    userId: alert.userId,
    origin: alert.origin,
    symbol: alert.symbol,
    condition: alert.condition,
    price: options.price,
    referencePrice: alert.referencePrice,
    moveAbs,
    movePercent: (moveAbs / alert.referencePrice) * 100,
    note: alert.note,
    repeating: alert.repeat !== null,
    firedAt: new Date().toISOString(),
    ...(alert.condition.kind === "price"
      ? {
          side: options.price >= alert.condition.target ? "upper" : "lower",
          level: alert.condition.target,
        }
      : {}),
    lastPrice: options.price,
    referenceKind: "whenSet",
  };
}

/** Callback data of every button under a message, row by row. */
export function buttonsOf(message: RecordedMessage): string[] {
  return (message.replyMarkup?.inline_keyboard ?? []).flat().map((b) => b.callback_data ?? "");
}

/** Button labels under a message. */
export function labelsOf(message: RecordedMessage): string[] {
  return (message.replyMarkup?.inline_keyboard ?? []).flat().map((b) => b.text);
}

/** Price history on a database of its own, back-filled from the simulated feed's past as the pricing service does. */
async function startHistory(feed: SimulatedFeed, logger: ReturnType<typeof createLogger>) {
  const db = await createTestDatabase("tb_telegram_bars");
  const store = new SqlBarStore(await openPricingDb({ kind: "postgres", url: db.url }));
  const backfiller = new Backfiller({
    source: new SimulatedHistory(feed, { seed: 42, marketHours: "always-open" }),
    store,
    log: logger,
  });
  return {
    store,
    backfiller,
    async close() {
      await store.close();
      await db.drop();
    },
  };
}
