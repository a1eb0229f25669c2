import {
  AlertsClient,
  CommandHandler,
  HttpDeliveryLog,
  PricingClient,
  RateLimiter,
  runBotProcess,
  telegramDeliverySettings,
} from "@tickerbell/bot-core";
import { KafkaBus } from "@tickerbell/bus";
import { createLogger, createMetricsRegistry, loadEnvOrExit, logFatalErrors } from "@tickerbell/config";
import { TOPIC_CATALOG } from "@tickerbell/contracts";
import { loadEnv } from "./env.ts";
import { TelegramBot } from "./telegram-bot.ts";
import { TelegramNotifier } from "./telegram-notifier.ts";

const env = loadEnvOrExit(() => loadEnv());
const logger = createLogger({ service: "telegram-bot", level: env.LOG_LEVEL });
// A failed start must not print the raw error: telegraf's errors can quote the API URL, token included.
logFatalErrors(logger);
const metrics = createMetricsRegistry("telegram-bot");
const delivery = telegramDeliverySettings(env);
const handler = new CommandHandler({
  alerts: new AlertsClient({ baseUrl: env.ALERTS_URL, token: env.ALERTS_API_TOKEN, platform: "telegram" }),
  prices: new PricingClient({ baseUrl: env.PRICING_URL }),
  logger,
});
// One limiter for command replies and notifications alike: Telegram counts both against the same limits.
const limiter = new RateLimiter(delivery.limits);
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
  consumer: { partitionsConsumedConcurrently: TOPIC_CATALOG["notifications.telegram"].partitions },
});
const running = await runBotProcess({
  platform: "telegram",
  logger,
  metrics,
  port: env.PORT,
  bus,
  groupId: env.TELEGRAM_GROUP_ID,
  deliveryLog: new HttpDeliveryLog({ baseUrl: env.ALERTS_URL, token: env.ALERTS_API_TOKEN }),
  bot,
  notifier: new TelegramNotifier(bot.bot.telegram, { allowPaidBroadcast: delivery.allowPaidBroadcast }),
  limiter,
});

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void running
      .stop(signal)
      .then(() => bus.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, "error while stopping");
          process.exit(1);
        },
      );
  });
}
