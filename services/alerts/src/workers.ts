// The alert service's background work next to its API: the outbox relay (alerts.changes), the runtime consumer
// (alerts.runtime -> stored runtime state and firings), the re-emitter (firings no bot reported on, sent again),
// the earnings scheduler (earnings alerts' messages, when a calendar is given), the webhook deliverer
// (notifications.<platform> -> each user's webhooks) and the sweep (expiries, ends of snoozes, history past
// ALERTS_HISTORY_DAYS). main.ts starts it when KAFKA_BROKERS is set; the standalone starts it on its bus.
import type { Bus } from "@tickerbell/bus";
import type { Logger, Registry } from "@tickerbell/config";
import type { TOPIC_CATALOG } from "@tickerbell/contracts";
import { type EarningsCalendarSource, EarningsScheduler } from "./domain/earnings-scheduler.ts";
import { OutboxRelay } from "./outbox-relay.ts";
import { Reemitter } from "./reemitter.ts";
import { RuntimeConsumer } from "./runtime-consumer.ts";
import type { RunningAlertService } from "./service.ts";
import { WebhookDeliverer, type WebhookRetry } from "./webhooks/deliverer.ts";

export interface AlertWorkersOptions {
  service: Pick<
    RunningAlertService,
    "alerts" | "runtime" | "outbox" | "outboxWakeups" | "earnings" | "clock" | "webhookDelivery"
  >;
  bus: Bus<typeof TOPIC_CATALOG>;
  logger: Logger;
  metrics?: Registry;
  /**
   * How often the sweep runs: alerts past their expiry are marked expired, snoozes that ended resume, and
   * history past its retention is deleted (null: no sweep, e.g. a test drives it).
   */
  expirySweepMs: number | null;
  /** Safety poll of the outbox relay, which otherwise wakes on commits (default 2 s). */
  relayIdleWaitMs?: number;
  /** Consumer group of the runtime consumer (default "alerts-runtime"; tests sharing a broker set their own). */
  runtimeGroupId?: string;
  /** How long a firing may go without a delivery outcome before it is sent again (default 60 s). */
  reemitGraceMs?: number;
  /** How often the re-emitter looks (default 15 s). */
  reemitIntervalMs?: number;
  /**
   * Where earnings alerts read upcoming releases (the pricing service); without it earnings alerts can be set
   * but send nothing, and the start says so.
   */
  earningsCalendar?: EarningsCalendarSource;
  /** How often the earnings scheduler looks (default 60 s). */
  earningsIntervalMs?: number;
  /** Consumer group of the webhook deliverer (default `<runtimeGroupId>.webhooks`, or "alerts-webhooks"). */
  webhookGroupId?: string;
  /** Webhook retries (default 5 attempts from 1 s, up to 60 s apart) and failures in a row before disabling (5). */
  webhookRetry?: WebhookRetry;
  webhookDisableAfter?: number;
  /** At stop, how long to wait for the runtime consumer to store what is published (default 10 s). */
  drainTimeoutMs?: number;
}

export interface AlertWorkers {
  relay: OutboxRelay;
  runtime: RuntimeConsumer;
  reemitter: Reemitter;
  earnings: EarningsScheduler | undefined;
  webhooks: WebhookDeliverer;
  /** Stops in dependency order: sweep, re-emitter and runtime consumer first (they write), then the relay. */
  stop(): Promise<void>;
}

export async function startAlertWorkers(options: AlertWorkersOptions): Promise<AlertWorkers> {
  const { service, bus, logger } = options;
  await bus.start();
  const relay = new OutboxRelay({
    store: service.outbox,
    publisher: bus,
    wakeups: service.outboxWakeups,
    logger: logger.child({ component: "outbox-relay" }),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.relayIdleWaitMs === undefined ? {} : { idleWaitMs: options.relayIdleWaitMs }),
  });
  await relay.start();
  const runtime = new RuntimeConsumer({
    bus,
    runtime: service.runtime,
    ...(options.runtimeGroupId === undefined ? {} : { groupId: options.runtimeGroupId }),
    logger: logger.child({ component: "runtime-consumer" }),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  try {
    await runtime.start();
  } catch (error) {
    await relay.stop();
    throw error;
  }
  const reemitter = new Reemitter({
    bus,
    runtime: service.runtime,
    logger: logger.child({ component: "reemitter" }),
    ...(options.reemitGraceMs === undefined ? {} : { graceMs: options.reemitGraceMs }),
    ...(options.reemitIntervalMs === undefined ? {} : { intervalMs: options.reemitIntervalMs }),
  });
  reemitter.start();
  let earnings: EarningsScheduler | undefined;
  if (options.earningsCalendar) {
    earnings = new EarningsScheduler({
      repository: service.earnings,
      calendar: options.earningsCalendar,
      bus,
      clock: service.clock,
      logger: logger.child({ component: "earnings" }),
      ...(options.earningsIntervalMs === undefined ? {} : { intervalMs: options.earningsIntervalMs }),
    });
    earnings.start();
  } else {
    logger.warn("no earnings calendar (PRICING_URL not set): earnings alerts send nothing");
  }
  const webhooks = new WebhookDeliverer({
    bus,
    repository: service.webhookDelivery.repository,
    sender: service.webhookDelivery.sender,
    clock: service.webhookDelivery.clock,
    owners: service.webhookDelivery.owners,
    logger: logger.child({ component: "webhooks" }),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    // Beside a runtime group of its own (a test sharing a broker) goes a webhook group of its own.
    ...(options.webhookGroupId !== undefined
      ? { groupId: options.webhookGroupId }
      : options.runtimeGroupId !== undefined
        ? { groupId: `${options.runtimeGroupId}.webhooks` }
        : {}),
    ...(options.webhookRetry === undefined ? {} : { retry: options.webhookRetry }),
    ...(options.webhookDisableAfter === undefined ? {} : { disableAfter: options.webhookDisableAfter }),
  });
  await webhooks.start();
  let sweeping: Promise<void> | null = null;
  const sweep =
    options.expirySweepMs === null
      ? undefined
      : setInterval(() => {
          // A sweep still at work (a long history backlog) is not joined by a second one.
          if (sweeping) return;
          // Every clock an alert runs on: its expiry, the end of a snooze, the end of its time as history.
          sweeping = service.webhookDelivery
            .purge()
            .then(
              (webhookDeliveriesPurged) => {
                if (webhookDeliveriesPurged > 0)
                  logger.info({ webhookDeliveriesPurged }, "purged webhook deliveries");
              },
              (err: unknown) => logger.error({ err }, "webhook delivery purge failed"),
            )
            .then(() => service.alerts.sweep())
            .then(({ expired, resumed, purged, firingsPurged, outboxPruned }) => {
              if (expired + resumed + purged + firingsPurged + outboxPruned > 0)
                logger.info({ expired, resumed, purged, firingsPurged, outboxPruned }, "swept due alerts");
              // Purging writes no change event; expiries and resumes do.
              if (expired + resumed > 0) relay.notify();
            })
            .catch((err: unknown) => logger.error({ err }, "due-alert sweep failed"))
            .finally(() => {
              sweeping = null;
            });
        }, options.expirySweepMs);
  return {
    relay,
    runtime,
    reemitter,
    earnings,
    webhooks,
    async stop() {
      if (sweep) clearInterval(sweep);
      await sweeping;
      await earnings?.stop();
      await reemitter.stop();
      await webhooks.stop();
      // What the matcher wrote before it stopped is stored before this process goes (bounded: a long backlog is
      // left to the next start, the offsets say where).
      await Promise.race([
        runtime.caughtUp().catch(() => {}),
        new Promise((resolve) => setTimeout(resolve, options.drainTimeoutMs ?? 10_000).unref()),
      ]);
      await runtime.stop();
      // Last: the relay publishes what the consumer and the sweep wrote before they stopped.
      await relay.stop();
      await relay.drainOnce().catch((err: unknown) => logger.warn({ err }, "final outbox drain failed"));
    },
  };
}
