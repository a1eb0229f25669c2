import {
  AlertsClient,
  CommandHandler,
  consumeNotifications,
  DeliveryPipeline,
  HttpDeliveryLog,
  PricingClient,
  RateLimiter,
  startOpsServer,
} from "@tickerbell/bot-core";
import { KafkaBus } from "@tickerbell/bus";
import { createLogger, createMetricsRegistry, EnvError, logFatalErrors } from "@tickerbell/config";
import { TOPIC_CATALOG } from "@tickerbell/contracts";
import { loadEnv, type TelegramEnv } from "./env.ts";
import { TelegramBot } from "./telegram-bot.ts";
import { TelegramNotifier } from "./telegram-notifier.ts";

let env: TelegramEnv;
try {
  env = loadEnv();
} catch (error) {
  if (error instanceof EnvError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

const logger = createLogger({ service: "telegram-bot", level: env.LOG_LEVEL });
// A failed start must not print the raw error: telegraf's errors can quote the API URL, token included.
logFatalErrors(logger);
const metrics = createMetricsRegistry("telegram-bot");
const alerts = new AlertsClient({
  baseUrl: env.ALERTS_URL,
  token: env.ALERTS_API_TOKEN,
  platform: "telegram",
});
const handler = new CommandHandler({
  alerts,
  prices: new PricingClient({ baseUrl: env.PRICING_URL }),
  logger,
});
// One limiter for command replies and notifications alike: Telegram counts both against the same limits.
const limiter = new RateLimiter({
  globalPerSecond: env.TELEGRAM_MESSAGES_PER_SECOND,
  perChatPerSecond: env.TELEGRAM_MESSAGES_PER_CHAT_PER_SECOND,
  headroom: 0.05,
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
});
const pipeline = new DeliveryPipeline({
  notifier: new TelegramNotifier(bot.bot.telegram),
  log: new HttpDeliveryLog({ baseUrl: env.ALERTS_URL, token: env.ALERTS_API_TOKEN }),
  limiter,
  logger,
});

let ready = false;
const ops = await startOpsServer({ port: env.PORT, metrics, ready: () => ready });
await bus.start();
await bot.start();
const subscription = await consumeNotifications({
  bus,
  platform: "telegram",
  pipeline,
  groupId: env.TELEGRAM_GROUP_ID,
});
ready = true;
logger.info({ port: env.PORT }, "telegram bot ready");

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  ready = false;
  logger.info({ signal }, "shutting down");
  // Stop taking commands first, then let in-flight notifications finish and commit, then disconnect.
  await bot.stop(signal);
  await subscription.stop();
  await bus.close();
  ops.close();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
