import {
  AlertsClient,
  CommandHandler,
  chartMakerFrom,
  discordDeliverySettings,
  HttpDeliveryLog,
  HttpHeldStore,
  PricingClient,
  QuietHours,
  RateLimiter,
  runBotProcess,
} from "@tickerbell/bot-core";
import { consumerTuningOf, KafkaBus } from "@tickerbell/bus";
import { runService } from "@tickerbell/config";
import { TOPIC_CATALOG } from "@tickerbell/contracts";
import { DiscordBot } from "./discord-bot.ts";
import { DiscordNotifier } from "./discord-notifier.ts";
import { loadEnv } from "./env.ts";

await runService("discord-bot", loadEnv, async ({ env, logger, metrics }) => {
  const alerts = new AlertsClient({
    baseUrl: env.ALERTS_URL,
    token: env.ALERTS_API_TOKEN,
    platform: "discord",
  });
  const prices = new PricingClient({ baseUrl: env.PRICING_URL });
  const charts = chartMakerFrom(env, prices);
  let quietHours: QuietHours | undefined;
  const bot = new DiscordBot({
    token: env.DISCORD_TOKEN,
    apiBase: env.DISCORD_API_BASE,
    handler: new CommandHandler({
      alerts,
      prices,
      ...(charts ? { charts } : {}),
      logger,
      // A user's new settings reach the delivery side at once, not after the cache's minute.
      onSettingsChanged: (userId, settings) => quietHours?.cache.set(userId, settings),
    }),
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
    // Every owned partition of notifications.discord at once (each with many messages in flight), so one
    // partition's batch finishing does not leave the rate limit idle; KAFKA_CONSUMER_PARTITIONS_CONCURRENTLY wins.
    consumer: {
      partitionsConsumedConcurrently: TOPIC_CATALOG["notifications.discord"].partitions,
      ...consumerTuningOf(env),
    },
  });
  const deliveryLog = new HttpDeliveryLog({ baseUrl: env.ALERTS_URL, token: env.ALERTS_API_TOKEN });
  const notifier = new DiscordNotifier(bot.client);
  // discord.js's REST manager handles per-route buckets and 429s; this keeps DMs under the global limit.
  // Discord's nonce (enforceNonce) is the second line against a duplicate DM.
  const limiter = new RateLimiter(discordDeliverySettings(env).limits);
  quietHours = new QuietHours({
    platform: "discord",
    store: new HttpHeldStore({ baseUrl: env.ALERTS_URL, token: env.ALERTS_API_TOKEN }),
    log: deliveryLog,
    sendDigest: (chatId, digest) => notifier.sendDigest(chatId, digest),
    limiter,
    logger,
    digestEveryMs: env.QUIET_HOURS_DIGEST_EVERY_SECONDS * 1000,
  });
  const running = await runBotProcess({
    platform: "discord",
    logger,
    metrics,
    port: env.PORT,
    bus,
    groupId: env.DISCORD_GROUP_ID,
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
