// Earnings alerts speak by the calendar, not by a price: each pass reads the active earnings alerts, asks the
// pricing service for their symbols' upcoming releases, and sends every message whose moment has come (the
// evening before, when results are due). Each message is a firing with a deterministic triggerId
// (`<alertId>:<yyyymmdd><1|2>`), recorded before it is published: a message recorded once is never published
// by a later pass (a restart sends nothing twice), and one recorded but not delivered is sent again by the
// re-emitter (nothing is lost between the record and the publish).
import { type Logger, PeriodicPass } from "@tickerbell/config";
import {
  type EarningsEvent,
  type Notification,
  notificationTopicOf,
  type Origin,
  triggerIdOf,
} from "@tickerbell/contracts";
import { type EarningsMoment, earningsMoments } from "@tickerbell/rules";
import type { Clock } from "./ports.ts";

/** An active earnings alert, with what its messages need. */
export interface EarningsAlertTarget {
  id: string;
  userId: string;
  symbol: string;
  origin: Origin;
  note: string | null;
  urgent: boolean;
  /** The owner's time zone setting (null: none set, market time). */
  timeZone: string | null;
}

export interface EarningsRepository {
  activeEarningsAlerts(): Promise<EarningsAlertTarget[]>;
  /** Records firings by triggerId, idempotently; answers the triggerIds this call recorded. */
  recordFirings(notifications: readonly Notification[], now: Date): Promise<Set<string>>;
}

/** A symbol's releases from today (US/Eastern) on: the pricing service's `GET /v1/earnings/{symbol}`. */
export interface EarningsCalendarSource {
  upcoming(symbol: string): Promise<EarningsEvent[]>;
}

export interface NotificationPublisher {
  publish(
    topic: ReturnType<typeof notificationTopicOf>,
    messages: Array<{ value: Notification }>,
  ): Promise<unknown>;
}

export interface EarningsSchedulerOptions {
  repository: EarningsRepository;
  calendar: EarningsCalendarSource;
  bus: NotificationPublisher;
  clock: Clock;
  logger: Logger;
  /** How often to look (default 60 s: a message goes out within a minute of its moment). */
  intervalMs?: number;
}

export interface EarningsPass {
  /** Messages recorded and published by this pass. */
  sent: number;
  /** Symbols whose calendar could not be read this pass (the next pass asks again). */
  unavailable: string[];
}

export class EarningsScheduler {
  readonly #options: EarningsSchedulerOptions;
  readonly #passes: PeriodicPass<EarningsPass>;

  constructor(options: EarningsSchedulerOptions) {
    this.#options = options;
    this.#passes = new PeriodicPass(() => this.#pass(), {
      intervalMs: options.intervalMs ?? 60_000,
      fallback: { sent: 0, unavailable: [] },
      logger: options.logger,
      failure: "earnings pass failed; the next pass retries",
    });
  }

  start(): void {
    this.#passes.start();
  }

  stop(): Promise<void> {
    return this.#passes.stop();
  }

  /** One pass, after any pass still at work; a failure is logged and left to the next pass. */
  runOnce(): Promise<EarningsPass> {
    return this.#passes.runOnce();
  }

  async #pass(): Promise<EarningsPass> {
    const { repository, calendar, clock, logger } = this.#options;
    const alerts = await repository.activeEarningsAlerts();
    if (alerts.length === 0) return { sent: 0, unavailable: [] };
    const now = clock.now();
    const calendars = new Map<string, EarningsEvent[]>();
    const unavailable: string[] = [];
    for (const symbol of new Set(alerts.map((a) => a.symbol))) {
      try {
        calendars.set(symbol, await calendar.upcoming(symbol));
      } catch (err) {
        unavailable.push(symbol);
        logger.warn({ err, symbol }, "earnings calendar unavailable; asking again next pass");
      }
    }
    const due: Notification[] = [];
    for (const alert of alerts) {
      for (const event of calendars.get(alert.symbol) ?? []) {
        for (const moment of earningsMoments(event.date, event.hour, alert.timeZone)) {
          if (moment.at <= now.getTime() && now.getTime() < moment.until)
            due.push(earningsNotification(alert, event, moment));
        }
      }
    }
    if (due.length === 0) return { sent: 0, unavailable };
    const recorded = await repository.recordFirings(due, now);
    const fresh = due.filter((n) => recorded.has(n.triggerId));
    const byTopic = new Map<ReturnType<typeof notificationTopicOf>, Notification[]>();
    for (const n of fresh) {
      const topic = notificationTopicOf(n.origin.platform);
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), n]);
    }
    for (const [topic, notifications] of byTopic)
      await this.#options.bus.publish(
        topic,
        notifications.map((value) => ({ value })),
      );
    if (fresh.length > 0) logger.info({ count: fresh.length }, "sent earnings messages");
    return { sent: fresh.length, unavailable };
  }
}

/** The message of one moment of one release for one alert: the same every time it is computed. */
export function earningsNotification(
  alert: EarningsAlertTarget,
  event: EarningsEvent,
  moment: EarningsMoment,
): Notification {
  return {
    v: 1,
    type: "triggered",
    triggerId: triggerIdOf(alert.id, moment.generation),
    alertId: alert.id,
    generation: moment.generation,
    userId: alert.userId,
    origin: alert.origin,
    symbol: alert.symbol,
    condition: { kind: "earnings" },
    price: 0,
    referencePrice: 0,
    moveAbs: 0,
    movePercent: 0,
    note: alert.note,
    repeating: true,
    firedAt: new Date(moment.at).toISOString(),
    ...(alert.urgent ? { urgent: true } : {}),
    earnings: { moment: moment.moment, event },
  };
}
