import {
  AlertsClient,
  CommandHandler,
  chartMakerFrom,
  HttpDeliveryLog,
  HttpHeldStore,
  PricingClient,
  QuietHours,
  RateLimiter,
  runBotProcess,
  telegramDeliverySettings,
} from "@tickerbell/bot-core";
import { consumerTuningOf, KafkaBus } from "@tickerbell/bus";
import { runService } from "@tickerbell/config";
import { TOPIC_CATALOG } from "@tickerbell/contracts";
import { loadEnv } from "./env.ts";
import { TelegramBot } from "./telegram-bot.ts";
import { TelegramNotifier } from "./telegram-notifier.ts";

await runService("telegram-bot", loadEnv, async ({ env, logger, metrics }) => {
  const delivery = telegramDeliverySettings(env);
  // One limiter for command replies and notifications alike: Telegram counts both against the same limits.
  const limiter = new RateLimiter(delivery.limits);
  const deliveryLog = new HttpDeliveryLog({ baseUrl: env.ALERTS_URL, token: env.ALERTS_API_TOKEN });
  let quietHours: QuietHours | undefined;
  const prices = new PricingClient({ baseUrl: env.PRICING_URL });
  const charts = chartMakerFrom(env, prices);
  const handler = new CommandHandler({
    alerts: new AlertsClient({ baseUrl: env.ALERTS_URL, token: env.ALERTS_API_TOKEN, platform: "telegram" }),
    prices,
    ...(charts ? { charts } : {}),
    logger,
    // A user's new settings reach the delivery side at once, not after the cache's minute.
    onSettingsChanged: (userId, settings) => quietHours?.cache.set(userId, settings),
  });
  const bot = new TelegramBot({
    token: env.TELEGRAM_TOKEN,
    apiRoot: env.TELEGRAM_API_ROOT,
    handler,
    logger,
    limiter,
  });
  const bus = new KafkaBus({
    catalog: TOPIC_CATALOG,
    brokers: env.KAFKA_BROKERS,
    clientId: "telegram-bot",
    metrics,
    logger,
    // Every owned partition of notifications.telegram at once (each with many messages in flight), so one
    // partition's batch finishing does not leave the rate limit idle; KAFKA_CONSUMER_PARTITIONS_CONCURRENTLY wins.
    consumer: {
      partitionsConsumedConcurrently: TOPIC_CATALOG["notifications.telegram"].partitions,
      ...consumerTuningOf(env),
    },
  });
  const notifier = new TelegramNotifier(bot.bot.telegram, {
    allowPaidBroadcast: delivery.allowPaidBroadcast,
  });
  quietHours = new QuietHours({
    platform: "telegram",
    store: new HttpHeldStore({ baseUrl: env.ALERTS_URL, token: env.ALERTS_API_TOKEN }),
    log: deliveryLog,
    sendDigest: (chatId, digest) => notifier.sendDigest(chatId, digest),
    limiter,
    logger,
    digestEveryMs: env.QUIET_HOURS_DIGEST_EVERY_SECONDS * 1000,
  });
  const running = await runBotProcess({
    platform: "telegram",
    logger,
    metrics,
    port: env.PORT,
    bus,
    groupId: env.TELEGRAM_GROUP_ID,
    deliveryLog,
    bot,
    notifier,
    limiter,
    quietHours,
    ...(charts ? { charts } : {}),
  });
  return async (signal) => {
    await running.stop(signal);
    await bus.close();
  };
});
