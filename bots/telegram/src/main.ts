import {
  AlertsClient,
  CommandHandler,
  chartMakerFrom,
  DestinationLoss,
  dryRunFrom,
  HttpDeliveryLog,
  PricingClient,
  RateLimiter,
  type RunningBotOnKafka,
  runBotOnKafka,
  telegramDeliverySettings,
} from "@tickerbell/bot-core";
import { runService } from "@tickerbell/config";
import { loadEnv } from "./env.ts";
import { TelegramBot } from "./telegram-bot.ts";
import { TelegramNotifier } from "./telegram-notifier.ts";

await runService("telegram-bot", loadEnv, async ({ env, logger, metrics }) => {
  const delivery = telegramDeliverySettings(env);
  // One limiter for command replies and notifications alike: Telegram counts both against the same limits.
  const limiter = new RateLimiter(delivery.limits);
  let running: RunningBotOnKafka | undefined;
  const prices = new PricingClient({ baseUrl: env.PRICING_URL });
  const charts = chartMakerFrom(env, prices);
  const dryRun = dryRunFrom(env, prices);
  const alerts = new AlertsClient({
    baseUrl: env.ALERTS_URL,
    token: env.ALERTS_API_TOKEN,
    platform: "telegram",
  });
  const handler = new CommandHandler({
    alerts,
    prices,
    ...(charts ? { charts } : {}),
    ...(dryRun ? { dryRun } : {}),
    logger,
    // A user's new settings reach the delivery side at once, not after the cache's minute.
    onSettingsChanged: (userId, settings) => running?.quietHours.cache.set(userId, settings),
  });
  // The bot removed from a group (my_chat_member): its alerts paused, their creators told through the notifier.
  const destinationLoss = new DestinationLoss({
    alerts,
    logger,
    tellUser: (user, text) => notifier.tellUser(user, text),
  });
  const bot = new TelegramBot({
    token: env.TELEGRAM_TOKEN,
    apiRoot: env.TELEGRAM_API_ROOT,
    handler,
    logger,
    limiter,
    destinations: alerts,
    destinationLoss,
  });
  const notifier = new TelegramNotifier(bot.bot.telegram, {
    allowPaidBroadcast: delivery.allowPaidBroadcast,
    destinations: alerts,
    limiter,
    logger,
  });
  running = await runBotOnKafka({
    platform: "telegram",
    env,
    groupId: env.TELEGRAM_GROUP_ID,
    logger,
    metrics,
    bot,
    notifier,
    limiter,
    deliveryLog: new HttpDeliveryLog({ baseUrl: env.ALERTS_URL, token: env.ALERTS_API_TOKEN }),
    destinationLoss,
    ...(charts ? { charts } : {}),
  });
  return running.stop;
});
