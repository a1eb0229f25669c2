// A chat bot as its own process (the Discord and Telegram entry points): notifications come over Kafka, the
// quiet-hours gate keeps what it holds in the alert service, and runBotProcess delivers; stopped together.
import { consumerTuningOf, KafkaBus } from "@tickerbell/bus";
import type { Logger, Registry } from "@tickerbell/config";
import { TOPIC_CATALOG } from "@tickerbell/contracts";
import type { ChartMaker } from "../charts/chart-maker.ts";
import { AlertsClient } from "../clients/alerts-client.ts";
import type { DestinationLoss } from "../delivery/destination-loss.ts";
import type { DeliveryLog, Notifier } from "../delivery/ports.ts";
import type { RateLimiter } from "../delivery/rate-limiter.ts";
import type { Digest } from "../format/digest.ts";
import { HttpHeldStore } from "../quiet/held-client.ts";
import { QuietHours } from "../quiet/quiet-delivery.ts";
import { type ChatBot, runBotProcess } from "./bot-process.ts";

type ConsumerTuningEnv = Parameters<typeof consumerTuningOf>[0];

/** What the entry point's environment says about the delivery side (both bots' env schemas carry it). */
export interface BotOnKafkaEnv extends ConsumerTuningEnv {
  KAFKA_BROKERS: string[];
  ALERTS_URL: string;
  ALERTS_API_TOKEN: string;
  PORT: number;
  QUIET_HOURS_DIGEST_EVERY_SECONDS: number;
}

export interface BotOnKafkaOptions {
  platform: "discord" | "telegram";
  env: BotOnKafkaEnv;
  groupId: string;
  logger: Logger;
  metrics: Registry;
  bot: ChatBot;
  notifier: Notifier & { sendDigest(chatId: string, digest: Digest): Promise<void> };
  limiter: RateLimiter;
  deliveryLog: DeliveryLog;
  charts?: ChartMaker;
  /** The bot's own DestinationLoss, when it has one (see BotProcessOptions). */
  destinationLoss?: DestinationLoss;
}

export interface RunningBotOnKafka {
  /** The gate whose settings cache the command handler updates when a user changes theirs. */
  quietHours: QuietHours;
  stop(reason?: string): Promise<void>;
}

export async function runBotOnKafka(options: BotOnKafkaOptions): Promise<RunningBotOnKafka> {
  const { platform, env, logger, metrics, notifier, limiter, deliveryLog } = options;
  const topic = `notifications.${platform}` as const;
  const bus = new KafkaBus({
    catalog: TOPIC_CATALOG,
    brokers: env.KAFKA_BROKERS,
    clientId: `${platform}-bot`,
    metrics,
    logger,
    // Every owned partition of the notifications topic at once (each with many messages in flight), so one
    // partition's batch finishing does not leave the rate limit idle; KAFKA_CONSUMER_PARTITIONS_CONCURRENTLY wins.
    consumer: {
      partitionsConsumedConcurrently: TOPIC_CATALOG[topic].partitions,
      ...consumerTuningOf(env),
    },
  });
  const quietHours = new QuietHours({
    platform,
    store: new HttpHeldStore({ baseUrl: env.ALERTS_URL, token: env.ALERTS_API_TOKEN }),
    log: deliveryLog,
    sendDigest: (chatId, digest) => notifier.sendDigest(chatId, digest),
    limiter,
    logger,
    digestEveryMs: env.QUIET_HOURS_DIGEST_EVERY_SECONDS * 1000,
  });
  const running = await runBotProcess({
    platform,
    logger,
    metrics,
    port: env.PORT,
    bus,
    groupId: options.groupId,
    deliveryLog,
    bot: options.bot,
    notifier,
    limiter,
    quietHours,
    destinations: new AlertsClient({ baseUrl: env.ALERTS_URL, token: env.ALERTS_API_TOKEN, platform }),
    ...(options.destinationLoss ? { destinationLoss: options.destinationLoss } : {}),
    ...(options.charts ? { charts: options.charts } : {}),
  });
  return {
    quietHours,
    async stop(reason) {
      await running.stop(reason);
      await bus.close();
    },
  };
}
