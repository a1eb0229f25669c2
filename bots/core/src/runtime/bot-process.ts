import { KafkaBus } from "@tickerbell/bus";
import type { Logger, Registry } from "@tickerbell/config";
import { type Platform, TOPIC_CATALOG } from "@tickerbell/contracts";
import { HttpDeliveryLog } from "../delivery/http-log.ts";
import { DeliveryPipeline } from "../delivery/pipeline.ts";
import type { Notifier } from "../delivery/ports.ts";
import type { RateLimiter } from "../delivery/rate-limiter.ts";
import { consumeNotifications } from "./notification-consumer.ts";
import { startOpsServer } from "./ops-server.ts";

/** The chat side of a bot: takes commands from its platform until stopped. */
export interface ChatBot {
  start(): Promise<void>;
  stop(reason: string): Promise<void>;
  /** Still connected to the platform (default: yes once started). */
  isReady?(): boolean;
}

export interface BotProcessOptions {
  platform: Platform;
  /** Kafka client id and log name, e.g. "telegram-bot". */
  service: string;
  logger: Logger;
  metrics: Registry;
  port: number;
  kafkaBrokers: string[];
  groupId: string;
  alertsUrl: string;
  alertsToken: string;
  bot: ChatBot;
  notifier: Notifier;
  limiter: RateLimiter;
}

/**
 * What every bot process does around its platform adapter: ops endpoints, the bus, notifications delivered
 * through the pipeline with the alert service's delivery log, and a graceful shutdown on SIGINT/SIGTERM.
 */
export async function runBotProcess(options: BotProcessOptions): Promise<void> {
  const { logger, metrics, bot } = options;
  const bus = new KafkaBus({
    catalog: TOPIC_CATALOG,
    brokers: options.kafkaBrokers,
    clientId: options.service,
    metrics,
    logger,
  });
  const pipeline = new DeliveryPipeline({
    notifier: options.notifier,
    // Kept by the alert service: survives restarts and is shared by every instance of the bot.
    log: new HttpDeliveryLog({ baseUrl: options.alertsUrl, token: options.alertsToken }),
    limiter: options.limiter,
    logger,
  });

  let ready = false;
  const ops = await startOpsServer({
    port: options.port,
    metrics,
    ready: () => ready && (bot.isReady?.() ?? true),
  });
  await bus.start();
  await bot.start();
  const subscription = await consumeNotifications({
    bus,
    platform: options.platform,
    pipeline,
    groupId: options.groupId,
  });
  ready = true;
  logger.info({ port: options.port }, `${options.platform} bot ready`);

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    ready = false;
    logger.info({ signal }, "shutting down");
    // In-flight notifications finish and commit first (the platform client is still up to send them), then
    // the bot leaves its platform, then the bus disconnects.
    await subscription.stop();
    await bot.stop(signal);
    await bus.close();
    ops.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}
