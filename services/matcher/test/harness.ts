// The matcher's integration harness: the real alert service (PostgreSQL, served over HTTP on a free port)
// with its outbox relay and runtime consumer, a real Kafka broker (testkit globalSetup), matcher instances on
// their own KafkaBus clients, and a recorder of everything that lands on the notification topics.
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import {
  type AlertWorkers,
  type RunningAlertService,
  startAlertService,
  startAlertWorkers,
} from "@tickerbell/alerts";
import { KafkaBus, type Subscription } from "@tickerbell/bus";
import { createLogger, createMetricsRegistry, type Logger } from "@tickerbell/config";
import {
  type Alert,
  AlertSchema,
  type Notification,
  notificationTopicOf,
  type PriceTick,
  TOPIC_CATALOG,
  TOPIC_PRICE_TICKS,
} from "@tickerbell/contracts";
import { createTestDatabase, kafkaBrokersFromEnv, type TestDatabase } from "@tickerbell/testkit";
import { AlertSnapshotClient } from "../src/service/alert-snapshot-client.ts";
import { MatcherService } from "../src/service/matcher-service.ts";

export const TOKENS = {
  discord: "discord-bot-token-m001",
  telegram: "telegram-bot-token-m002",
  console: "console-bot-token-m003",
  internal: "internal-svc-token-m004",
} as const;

type Bus = KafkaBus<typeof TOPIC_CATALOG>;

export interface SeenNotification {
  topic: string;
  partition: number;
  key: string | null;
  value: Notification;
}

export interface RunningMatcher {
  matcher: MatcherService;
  bus: Bus;
  stop(): Promise<void>;
}

/** A short random tag: symbols and groups of one run never meet another run's on the shared broker. */
export function tag(): string {
  return randomBytes(3)
    .toString("hex")
    .toUpperCase()
    .replace(/^[0-9]/, "X");
}

export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 45_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export class MatcherHarness {
  readonly brokers = kafkaBrokersFromEnv();
  readonly logger: Logger = createLogger({
    service: "matcher-test",
    level: process.env.TEST_LOG_LEVEL ?? "error",
  });
  readonly notifications: SeenNotification[] = [];
  db!: TestDatabase;
  service!: RunningAlertService;
  workers!: AlertWorkers;
  baseUrl!: string;
  #server: ReturnType<typeof serve> | undefined;
  #buses: Bus[] = [];
  #producer!: Bus;
  #recorder: Subscription | undefined;
  #matchers: RunningMatcher[] = [];

  async start(): Promise<void> {
    this.db = await createTestDatabase("tb_matcher");
    this.service = await startAlertService({
      database: { kind: "postgres", url: this.db.url },
      tokens: TOKENS,
      maxOpenAlertsPerUser: 1000,
      userCommandsPerMinute: 100_000,
      logger: this.logger.child({ component: "alerts" }),
      metrics: createMetricsRegistry("alerts"),
    });
    this.#server = serve({ fetch: this.service.app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise<void>((resolve) => this.#server!.once("listening", () => resolve()));
    this.baseUrl = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    const workersBus = this.newBus("alerts-workers");
    this.workers = await startAlertWorkers({
      service: this.service,
      bus: workersBus,
      logger: this.logger.child({ component: "alerts-workers" }),
      expirySweepMs: null,
      relayIdleWaitMs: 50,
      runtimeGroupId: `alerts-runtime-${tag()}`,
    });
    this.#producer = this.newBus("ticks-producer");
    await this.#producer.start();
    const recorderBus = this.newBus("notification-recorder");
    this.#recorder = await recorderBus.subscribe({
      groupId: `notification-recorder-${tag()}`,
      topics: [
        notificationTopicOf("discord"),
        notificationTopicOf("telegram"),
        notificationTopicOf("console"),
      ],
      handler: async (m) => {
        this.notifications.push({ topic: m.topic, partition: m.partition, key: m.key, value: m.value });
      },
    });
  }

  async close(): Promise<void> {
    for (const m of this.#matchers) await m.stop().catch(() => {});
    await this.#recorder?.stop();
    await this.workers?.stop();
    for (const bus of this.#buses) await bus.close().catch(() => {});
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
    await this.service?.close();
    await this.db?.drop();
  }

  newBus(clientId: string): Bus {
    const bus = new KafkaBus({ catalog: TOPIC_CATALOG, brokers: this.brokers, clientId });
    this.#buses.push(bus);
    return bus;
  }

  /** A matcher instance in `groupId`, talking to the alert service over HTTP; started, not necessarily ready. */
  async startMatcher(groupId: string, options: { checkpointMs?: number } = {}): Promise<RunningMatcher> {
    const bus = this.newBus(`matcher-${groupId}`);
    const alerts = new AlertSnapshotClient({ baseUrl: this.baseUrl, internalToken: TOKENS.internal });
    const matcher = new MatcherService({
      bus,
      snapshots: alerts,
      logger: this.logger.child({ component: "matcher", groupId }),
      metrics: createMetricsRegistry("matcher"),
      groupId,
      // Each test starts a fresh group and publishes at once: nothing may be skipped before the first fetch.
      fromBeginning: true,
      ...(options.checkpointMs === undefined ? {} : { checkpointMs: options.checkpointMs }),
    });
    await matcher.start();
    let stopped: Promise<void> | undefined;
    const running: RunningMatcher = {
      matcher,
      bus,
      stop: () => {
        stopped ??= (async () => {
          await matcher.stop();
          await bus.close();
        })();
        return stopped;
      },
    };
    this.#matchers.push(running);
    return running;
  }

  async publishTicks(ticks: readonly Omit<PriceTick, "v">[]): Promise<void> {
    await this.#producer.publish(
      TOPIC_PRICE_TICKS,
      ticks.map((t) => ({ value: { v: 1 as const, ...t } })),
    );
  }

  partitionOf(symbol: string): number {
    return this.#producer.partitionOf(TOPIC_PRICE_TICKS, symbol);
  }

  /** Creates an alert through the alert service's HTTP API as a bot user; returns the stored alert. */
  async createAlert(
    user: string,
    body: Record<string, unknown> & { symbol: string; market: { last: number } },
    platform: "telegram" | "discord" = "telegram",
  ): Promise<Alert> {
    const res = await fetch(`${this.baseUrl}/v1/alerts`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${TOKENS[platform]}`,
        "x-platform-user-id": user,
        "content-type": "application/json",
      },
      body: JSON.stringify({ origin: { platform, chatId: `chat-${user}` }, ...body }),
    });
    const text = await res.text();
    if (res.status !== 201) throw new Error(`creating an alert answered ${res.status}: ${text}`);
    return AlertSchema.parse(JSON.parse(text));
  }

  /** The alert as its owner sees it through the API. */
  async getAlert(alert: Alert, user: string): Promise<Alert> {
    const platform = alert.origin.platform as "telegram" | "discord";
    const res = await fetch(`${this.baseUrl}/v1/alerts/${alert.id}`, {
      headers: { authorization: `Bearer ${TOKENS[platform]}`, "x-platform-user-id": user },
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`reading alert ${alert.id} answered ${res.status}: ${text}`);
    return AlertSchema.parse(JSON.parse(text));
  }

  /** Notifications of these alerts seen on the notification topics so far. */
  notificationsOf(alertIds: readonly string[]): SeenNotification[] {
    const ids = new Set(alertIds);
    return this.notifications.filter((n) => ids.has(n.value.alertId));
  }
}

/** Messages per triggerId, to assert "exactly once" for each. */
export function countByTriggerId(seen: readonly SeenNotification[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const n of seen) counts.set(n.value.triggerId, (counts.get(n.value.triggerId) ?? 0) + 1);
  return counts;
}

/** `count` symbols (tagged with `prefix`) for each partition of prices.ticks, in partition order. */
export function symbolsPerPartition(h: MatcherHarness, prefix: string, partitions: number): string[] {
  const out: string[] = [];
  for (let p = 0; p < partitions; p++) {
    for (let i = 0; ; i++) {
      const symbol = `${prefix}${i}`;
      if (h.partitionOf(symbol) === p && !out.includes(symbol)) {
        out.push(symbol);
        break;
      }
    }
  }
  return out;
}
