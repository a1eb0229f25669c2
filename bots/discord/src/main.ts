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
import { DiscordBot } from "./discord-bot.ts";
import { DiscordNotifier } from "./discord-notifier.ts";
import { type DiscordEnv, loadEnv } from "./env.ts";

let env: DiscordEnv;
try {
  env = loadEnv();
} catch (error) {
  if (error instanceof EnvError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

const logger = createLogger({ service: "discord-bot", level: env.LOG_LEVEL });
// Crashes go through the scrubbing logger: a raw stack could quote the token.
logFatalErrors(logger);
const metrics = createMetricsRegistry("discord-bot");
const alerts = new AlertsClient({
  baseUrl: env.ALERTS_URL,
  token: env.ALERTS_API_TOKEN,
  platform: "discord",
});
const prices = new PricingClient({ baseUrl: env.PRICING_URL });
const handler = new CommandHandler({ alerts, prices, logger });
const bot = new DiscordBot({
  token: env.DISCORD_TOKEN,
  apiBase: env.DISCORD_API_BASE,
  handler,
  alerts,
  prices,
  logger,
});
const bus = new KafkaBus({
  catalog: TOPIC_CATALOG,
  brokers: env.KAFKA_BROKERS,
  clientId: "discord-bot",
  metrics,
  logger,
});
const pipeline = new DeliveryPipeline({
  notifier: new DiscordNotifier(bot.client),
  // Kept by the alert service: survives restarts, and an undeliverable record is told to the user on their
  // next command. Discord's nonce (enforceNonce) is the second line against a duplicate DM.
  log: new HttpDeliveryLog({ baseUrl: env.ALERTS_URL, token: env.ALERTS_API_TOKEN }),
  // Per-route buckets and 429s are handled by discord.js's REST manager; this keeps DMs under the global limit.
  limiter: new RateLimiter({ globalPerSecond: env.DISCORD_MESSAGES_PER_SECOND, perChatPerSecond: 5 }),
  logger,
});

let ready = false;
const ops = await startOpsServer({ port: env.PORT, metrics, ready: () => ready && bot.isReady() });
await bus.start();
await bot.start();
const subscription = await consumeNotifications({
  bus,
  platform: "discord",
  pipeline,
  groupId: env.DISCORD_GROUP_ID,
});
ready = true;
logger.info({ port: env.PORT }, "discord bot ready");

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  ready = false;
  logger.info({ signal }, "shutting down");
  // Stop consuming first so in-flight DMs finish and commit, then leave the gateway and the bus.
  await subscription.stop();
  await bot.stop();
  await bus.close();
  ops.close();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
