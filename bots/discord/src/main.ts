import {
  AlertsClient,
  CommandHandler,
  chartMakerFrom,
  discordDeliverySettings,
  dryRunFrom,
  HttpDeliveryLog,
  PricingClient,
  RateLimiter,
  type RunningBotOnKafka,
  runBotOnKafka,
} from "@tickerbell/bot-core";
import { runService } from "@tickerbell/config";
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
  const dryRun = dryRunFrom(env, prices);
  let running: RunningBotOnKafka | undefined;
  const bot = new DiscordBot({
    token: env.DISCORD_TOKEN,
    apiBase: env.DISCORD_API_BASE,
    handler: new CommandHandler({
      alerts,
      prices,
      ...(charts ? { charts } : {}),
      ...(dryRun ? { dryRun } : {}),
      logger,
      // A user's new settings reach the delivery side at once, not after the cache's minute.
      onSettingsChanged: (userId, settings) => running?.quietHours.cache.set(userId, settings),
    }),
    alerts,
    prices,
    logger,
  });
  running = await runBotOnKafka({
    platform: "discord",
    env,
    groupId: env.DISCORD_GROUP_ID,
    logger,
    metrics,
    bot,
    notifier: new DiscordNotifier(bot.client),
    // discord.js's REST manager handles per-route buckets and 429s; this keeps DMs under the global limit.
    // Discord's nonce (enforceNonce) is the second line against a duplicate DM.
    limiter: new RateLimiter(discordDeliverySettings(env).limits),
    deliveryLog: new HttpDeliveryLog({ baseUrl: env.ALERTS_URL, token: env.ALERTS_API_TOKEN }),
    ...(charts ? { charts } : {}),
  });
  return running.stop;
});
