import type { Bus } from "@tickerbell/bus";
import type { Logger, Registry } from "@tickerbell/config";
import type { Platform, TOPIC_CATALOG } from "@tickerbell/contracts";
import type { ChartMaker } from "../charts/chart-maker.ts";
import { DestinationLoss, type DestinationLossDeps } from "../delivery/destination-loss.ts";
import { DeliveryMetrics } from "../delivery/metrics.ts";
import { DeliveryPipeline } from "../delivery/pipeline.ts";
import type { DeliveryLog, Notifier } from "../delivery/ports.ts";
import type { RateLimiter } from "../delivery/rate-limiter.ts";
import type { QuietHours } from "../quiet/quiet-delivery.ts";
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
  logger: Logger;
  metrics: Registry;
  /** Port of /healthz, /readyz and /metrics; null for none (the standalone has its own endpoints). */
  port: number | null;
  /** The bus to read notifications from; started here if it is not yet, never closed here (the caller owns it). */
  bus: Bus<typeof TOPIC_CATALOG>;
  groupId: string;
  /** Where outcomes are recorded and, after a partition hand-over, looked up (the alert service's log). */
  deliveryLog: DeliveryLog;
  bot: ChatBot;
  notifier: Notifier;
  limiter: RateLimiter;
  /** Notifications of one partition in delivery at once (default: the consumer's). */
  maxInFlight?: number;
  /** Quiet hours: the pipeline holds what fires during them, and the digest loop runs while the bot does. */
  quietHours?: QuietHours;
  /** Draws the chart of each notification (none: charts are off). */
  charts?: ChartMaker;
  /**
   * The alert service's destination calls: with a notifier that can `tellUser`, a community chat the bot can no
   * longer post in has its alerts paused and their creators told (DestinationLoss).
   */
  destinations?: DestinationLossDeps["alerts"];
  /** The bot's own DestinationLoss (it also hears of removals from its platform): one memory of who was told. */
  destinationLoss?: DestinationLoss;
}

export interface RunningBotProcess {
  /**
   * Stops in order: with `drain`, first every notification published so far is delivered (at most
   * `drainTimeoutMs`, default 30 s); then no new notification is taken, those in flight are sent and recorded,
   * the bot leaves its platform and the ops server closes. The bus stays open for its owner to close.
   */
  stop(reason?: string, options?: { drain?: boolean; drainTimeoutMs?: number }): Promise<void>;
}

/**
 * What every bot process does around its platform adapter: ops endpoints, notifications delivered through the
 * pipeline, and an ordered stop. Signals and the bus belong to the caller (main.ts, or the standalone).
 */
export async function runBotProcess(options: BotProcessOptions): Promise<RunningBotProcess> {
  const { logger, metrics, bot, bus, notifier } = options;
  const tellUser = notifier.tellUser?.bind(notifier);
  const destinationLoss =
    options.destinationLoss ??
    (options.destinations && tellUser
      ? new DestinationLoss({ alerts: options.destinations, tellUser, logger })
      : undefined);
  const pipeline = new DeliveryPipeline({
    notifier: options.notifier,
    log: options.deliveryLog,
    limiter: options.limiter,
    logger,
    metrics: new DeliveryMetrics(metrics, options.platform),
    ...(options.quietHours ? { quietHours: options.quietHours } : {}),
    ...(options.charts ? { charts: options.charts } : {}),
    ...(destinationLoss ? { onUndeliverable: destinationLoss.onUndeliverable.bind(destinationLoss) } : {}),
  });

  let ready = false;
  const ops =
    options.port === null
      ? null
      : await startOpsServer({
          port: options.port,
          metrics,
          ready: () => ready && (bot.isReady?.() ?? true),
        });
  try {
    await bus.start();
    await bot.start();
  } catch (error) {
    ops?.close();
    throw error;
  }
  const subscription = await consumeNotifications({
    bus,
    platform: options.platform,
    pipeline,
    groupId: options.groupId,
    ...(options.maxInFlight === undefined ? {} : { maxInFlight: options.maxInFlight }),
  });
  options.quietHours?.start();
  ready = true;
  logger.info({ port: options.port }, `${options.platform} bot ready`);

  let stopping: Promise<void> | undefined;
  return {
    stop(reason = "stop", stopOptions = {}) {
      stopping ??= (async () => {
        ready = false;
        logger.info({ reason }, "shutting down");
        if (stopOptions.drain) {
          // What the matcher published before it stopped reaches its users before the bot leaves.
          const timeoutMs = stopOptions.drainTimeoutMs ?? 30_000;
          let timer: NodeJS.Timeout | undefined;
          const timedOut = new Promise<"timeout">((resolve) => {
            timer = setTimeout(() => resolve("timeout"), timeoutMs);
          });
          const outcome = await Promise.race([
            subscription.caughtUp().then(() => "drained" as const),
            timedOut,
          ]);
          clearTimeout(timer);
          if (outcome === "timeout")
            logger.warn({ timeoutMs }, "notifications not all delivered before stopping");
        }
        // In-flight notifications finish (the platform client is still up to send them) and are recorded while
        // the subscription stops taking new ones and commits; then the bot leaves its platform.
        await Promise.all([subscription.stop(), pipeline.close(), options.quietHours?.stop()]);
        await bot.stop(reason);
        if (ops) await new Promise<void>((resolve) => ops.close(() => resolve()));
      })();
      return stopping;
    },
  };
}
