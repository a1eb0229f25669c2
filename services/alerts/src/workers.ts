// The alert service's background work in the microservices mode: the outbox relay (alerts.changes), the
// trigger consumer (notifications.* -> recorded firings) and the expiry sweep. main.ts starts it when
// KAFKA_BROKERS is set; tests start it in-process next to startAlertService.
import type { Bus } from "@tickerbell/bus";
import type { Logger, Registry } from "@tickerbell/config";
import type { TOPIC_CATALOG } from "@tickerbell/contracts";
import { OutboxRelay } from "./outbox-relay.ts";
import type { RunningAlertService } from "./service.ts";
import { TriggerConsumer } from "./trigger-consumer.ts";

export interface AlertWorkersOptions {
  service: Pick<RunningAlertService, "alerts" | "outbox">;
  bus: Bus<typeof TOPIC_CATALOG>;
  logger: Logger;
  metrics?: Registry;
  /** How often alerts past their expiry are marked expired (null: no sweep, e.g. a test drives it). */
  expirySweepMs: number | null;
  /** Idle poll of the outbox relay (default 250 ms). */
  relayIdleWaitMs?: number;
  /** Consumer group of the trigger consumer (default "alerts-triggers"; tests sharing a broker set their own). */
  triggerGroupId?: string;
}

export interface AlertWorkers {
  relay: OutboxRelay;
  triggers: TriggerConsumer;
  /** Stops in dependency order: sweep and trigger consumer first (both write outbox rows), then the relay. */
  stop(): Promise<void>;
}

export async function startAlertWorkers(options: AlertWorkersOptions): Promise<AlertWorkers> {
  const { service, bus, logger } = options;
  await bus.start();
  const relay = new OutboxRelay({
    store: service.outbox,
    publisher: bus,
    logger: logger.child({ component: "outbox-relay" }),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.relayIdleWaitMs === undefined ? {} : { idleWaitMs: options.relayIdleWaitMs }),
  });
  relay.start();
  const triggers = new TriggerConsumer({
    bus,
    recorder: service.alerts,
    ...(options.triggerGroupId === undefined ? {} : { groupId: options.triggerGroupId }),
    logger: logger.child({ component: "trigger-consumer" }),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  try {
    await triggers.start();
  } catch (error) {
    await relay.stop();
    throw error;
  }
  let sweeping: Promise<unknown> = Promise.resolve();
  const sweep =
    options.expirySweepMs === null
      ? undefined
      : setInterval(() => {
          // One sweep for both clocks an alert can run on: its expiry and the end of a snooze.
          sweeping = Promise.all([service.alerts.expireDue(), service.alerts.resumeDue()])
            .then(([expired, resumed]) => {
              if (expired + resumed > 0) {
                logger.info({ expired, resumed }, "swept due alerts");
                relay.notify();
              }
            })
            .catch((err: unknown) => logger.error({ err }, "due-alert sweep failed"));
        }, options.expirySweepMs);
  return {
    relay,
    triggers,
    async stop() {
      if (sweep) clearInterval(sweep);
      await sweeping;
      await triggers.stop();
      // Last: the relay publishes what the consumer and the sweep wrote before they stopped.
      await relay.stop();
      await relay.drainOnce().catch((err: unknown) => logger.warn({ err }, "final outbox drain failed"));
    },
  };
}
