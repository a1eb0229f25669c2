import {
  AlertsClient,
  CommandHandler,
  PricingClient,
  RateLimiter,
  runBotProcess,
} from "@tickerbell/bot-core";
import { createLogger, createMetricsRegistry, loadEnvOrExit, logFatalErrors } from "@tickerbell/config";
import { loadEnv } from "./env.ts";
import { TelegramBot } from "./telegram-bot.ts";
import { TelegramNotifier } from "./telegram-notifier.ts";

const env = loadEnvOrExit(() => loadEnv());
const logger = createLogger({ service: "telegram-bot", level: env.LOG_LEVEL });
// A failed start must not print the raw error: telegraf's errors can quote the API URL, token included.
logFatalErrors(logger);
const handler = new CommandHandler({
  alerts: new AlertsClient({ baseUrl: env.ALERTS_URL, token: env.ALERTS_API_TOKEN, platform: "telegram" }),
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
await runBotProcess({
  platform: "telegram",
  service: "telegram-bot",
  logger,
  metrics: createMetricsRegistry("telegram-bot"),
  port: env.PORT,
  kafkaBrokers: env.KAFKA_BROKERS,
  groupId: env.TELEGRAM_GROUP_ID,
  alertsUrl: env.ALERTS_URL,
  alertsToken: env.ALERTS_API_TOKEN,
  bot,
  notifier: new TelegramNotifier(bot.bot.telegram),
  limiter,
});
