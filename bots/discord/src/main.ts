import {
  AlertsClient,
  CommandHandler,
  PricingClient,
  RateLimiter,
  runBotProcess,
} from "@tickerbell/bot-core";
import { createLogger, createMetricsRegistry, loadEnvOrExit, logFatalErrors } from "@tickerbell/config";
import { DiscordBot } from "./discord-bot.ts";
import { DiscordNotifier } from "./discord-notifier.ts";
import { loadEnv } from "./env.ts";

const env = loadEnvOrExit(() => loadEnv());
const logger = createLogger({ service: "discord-bot", level: env.LOG_LEVEL });
// Crashes go through the scrubbing logger: a raw stack could quote the token.
logFatalErrors(logger);
const alerts = new AlertsClient({
  baseUrl: env.ALERTS_URL,
  token: env.ALERTS_API_TOKEN,
  platform: "discord",
});
const prices = new PricingClient({ baseUrl: env.PRICING_URL });
const bot = new DiscordBot({
  token: env.DISCORD_TOKEN,
  apiBase: env.DISCORD_API_BASE,
  handler: new CommandHandler({ alerts, prices, logger }),
  alerts,
  prices,
  logger,
});
await runBotProcess({
  platform: "discord",
  service: "discord-bot",
  logger,
  metrics: createMetricsRegistry("discord-bot"),
  port: env.PORT,
  kafkaBrokers: env.KAFKA_BROKERS,
  groupId: env.DISCORD_GROUP_ID,
  alertsUrl: env.ALERTS_URL,
  alertsToken: env.ALERTS_API_TOKEN,
  bot,
  notifier: new DiscordNotifier(bot.client),
  // Per-route buckets and 429s are handled by discord.js's REST manager; this keeps DMs under the global
  // limit. Discord's nonce (enforceNonce) is the second line against a duplicate DM.
  limiter: new RateLimiter({ globalPerSecond: env.DISCORD_MESSAGES_PER_SECOND, perChatPerSecond: 5 }),
});
