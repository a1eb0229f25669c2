import type { Logger, Registry } from "@tickerbell/config";
import { createApp } from "./app.ts";
import { MikroAlertRepository } from "./db/alert-repository.ts";
import { channelListener } from "./db/channel-listener.ts";
import { MikroCommunitySettingsRepository } from "./db/community-repository.ts";
import { MikroDeliveryRepository } from "./db/delivery-repository.ts";
import { MikroEarningsRepository } from "./db/earnings-repository.ts";
import { IDENTITIES_CHANNEL, IdentityCache } from "./db/identity-cache.ts";
import { type Database, type OrmStartupEvent, openOrm } from "./db/orm.ts";
import { MikroOutboxStore } from "./db/outbox.ts";
import { OutboxWakeups } from "./db/outbox-wakeup.ts";
import { MikroRuntimeRepository } from "./db/runtime-repository.ts";
import { MikroHeldRepository, MikroSettingsRepository } from "./db/settings-repository.ts";
import { MikroUserRepository } from "./db/user-repository.ts";
import { MikroWebhookRepository } from "./db/webhook-repository.ts";
import {
  AlertService,
  DEFAULT_ALERT_HISTORY_DAYS,
  DEFAULT_MAX_OPEN_ALERTS_PER_COMMUNITY,
} from "./domain/alert-service.ts";
import { CommandRateLimiter, DEFAULT_USER_COMMANDS_PER_MINUTE } from "./domain/command-rate-limit.ts";
import { CommunityService } from "./domain/community-service.ts";
import { DeliveryService } from "./domain/delivery-service.ts";
import { FailedAttemptLimiter } from "./domain/link-codes.ts";
import { type Clock, systemClock } from "./domain/ports.ts";
import { RuntimeService } from "./domain/runtime-service.ts";
import { SettingsService } from "./domain/settings-service.ts";
import { UserService } from "./domain/user-service.ts";
import { type ApiTokens, TokenDirectory } from "./http/auth.ts";
import { AddressGuard, type AllowList, type HostResolver } from "./webhooks/address-guard.ts";
import { WebhookOwners } from "./webhooks/owners.ts";
import { WebhookSender } from "./webhooks/sender.ts";
import { WebhookService } from "./webhooks/webhook-service.ts";

export {
  DEFAULT_ALERT_HISTORY_DAYS,
  DEFAULT_MAX_OPEN_ALERTS_PER_COMMUNITY,
  DEFAULT_USER_COMMANDS_PER_MINUTE,
};

export interface AlertServiceConfig {
  database: Database;
  tokens: ApiTokens;
  maxOpenAlertsPerUser: number;
  /** Open alerts one Discord server or Telegram group may have (ALERTS_MAX_ACTIVE_PER_COMMUNITY); default 100. */
  maxOpenAlertsPerCommunity?: number;
  /** Requests acting for a user (a bot command makes 2–3) each user may send per minute; default 60. */
  userCommandsPerMinute?: number;
  /** Days finished alerts are kept from their last change before the sweep deletes them; default 90. */
  historyDays?: number;
  /** Alerts read per page of the whole demand snapshot (tests set a small one to see it paged). */
  demandPageAlerts?: number;
  /** Creates written in one statement at most (1: each alone). */
  createBatchMax?: number;
  logger: Logger;
  metrics: Registry;
  clock?: Clock;
  /** Outbound webhooks: the operator's allow list (WEBHOOK_ALLOW_HOSTS), DNS (tests bring a fake), timeout. */
  webhooks?: { allow?: AllowList; resolver?: HostResolver; timeoutMs?: number; maxPerUser?: number };
  /** Told as the database connects and migrates (a start-up's progress lines). */
  onStartup?: (event: OrmStartupEvent) => void;
}

/**
 * Wires the whole service: database (migrated), repositories, domain services and the Hono app. main.ts
 * serves it; tests drive `app.request()` against it.
 */
export async function startAlertService(config: AlertServiceConfig) {
  const db = await openOrm(config.database, config.onStartup);
  // Every process that writes tells the relays (whichever replica they run in) when outbox rows committed.
  const outboxWakeups = new OutboxWakeups({
    database: config.database,
    orm: db.orm,
    em: db.em,
    commits: db.outboxCommits,
    logger: config.logger.child({ component: "outbox-wakeups" }),
  });
  outboxWakeups.startNotifying();
  // Who each platform identity is, remembered while this process hears every link (see IdentityCache).
  const identities = new IdentityCache();
  const identityListener = channelListener(config.database, db.orm, {
    channel: IDENTITIES_CHANNEL,
    onNotification: () => identities.forgetAll(),
    onListening: () => identities.trust(),
    onLost: () => identities.distrust(),
    logger: config.logger.child({ component: "identity-cache" }),
    lostMessage: "identity LISTEN connection lost; looking every identity up until it is back",
  });
  await identityListener.start();
  const clock = config.clock ?? systemClock;
  const alerts = new AlertService({
    repository: new MikroAlertRepository(db.em, db.outboxCommits, { createBatchMax: config.createBatchMax }),
    clock,
    maxOpenAlertsPerUser: config.maxOpenAlertsPerUser,
    maxOpenAlertsPerCommunity: config.maxOpenAlertsPerCommunity ?? DEFAULT_MAX_OPEN_ALERTS_PER_COMMUNITY,
    historyDays: config.historyDays ?? DEFAULT_ALERT_HISTORY_DAYS,
    ...(config.demandPageAlerts === undefined ? {} : { demandPageAlerts: config.demandPageAlerts }),
  });
  const users = new UserService({
    repository: new MikroUserRepository(db.em, identities),
    clock,
    maxOpenAlertsPerUser: config.maxOpenAlertsPerUser,
    redeemLimiter: new FailedAttemptLimiter({
      maxFailures: 5,
      windowMs: 10 * 60 * 1000,
      now: () => clock.now().getTime(),
    }),
  });
  const runtime = new RuntimeService({ repository: new MikroRuntimeRepository(db.em), clock });
  const deliveries = new DeliveryService({ repository: new MikroDeliveryRepository(db.em), clock });
  const settings = new SettingsService({
    settings: new MikroSettingsRepository(db.em),
    held: new MikroHeldRepository(db.em),
    clock,
  });
  const webhookRepository = new MikroWebhookRepository(db.em);
  const webhookSender = new WebhookSender({
    guard: new AddressGuard({
      ...(config.webhooks?.allow ? { allow: config.webhooks.allow } : {}),
      ...(config.webhooks?.resolver ? { resolver: config.webhooks.resolver } : {}),
    }),
    ...(config.webhooks?.timeoutMs === undefined ? {} : { timeoutMs: config.webhooks.timeoutMs }),
  });
  const webhookOwners = new WebhookOwners(() => webhookRepository.activeOwners());
  const webhooks = new WebhookService({
    repository: webhookRepository,
    sender: webhookSender,
    clock,
    onActive: (userId) => webhookOwners.add(userId),
    ...(config.webhooks?.maxPerUser === undefined ? {} : { maxPerUser: config.webhooks.maxPerUser }),
  });
  const communities = new CommunityService({
    repository: new MikroCommunitySettingsRepository(db.em),
    clock,
  });
  const app = createApp({
    webhooks,
    communities,
    settings,
    alerts,
    runtime,
    users,
    deliveries,
    commands: new CommandRateLimiter({
      perMinute: config.userCommandsPerMinute ?? DEFAULT_USER_COMMANDS_PER_MINUTE,
      now: () => clock.now().getTime(),
    }),
    tokens: new TokenDirectory(config.tokens),
    databaseReachable: () => db.orm.isConnected(),
    metrics: config.metrics,
    logger: config.logger,
  });
  return {
    app,
    alerts,
    users,
    deliveries,
    settings,
    runtime,
    webhooks,
    /** What the webhook deliverer (workers.ts) needs. */
    webhookDelivery: {
      repository: webhookRepository,
      sender: webhookSender,
      clock,
      owners: webhookOwners,
      /** Webhook delivery records kept as long as the alerts' history (ALERTS_HISTORY_DAYS). */
      purge: () =>
        webhookRepository.purgeDeliveries(
          new Date(clock.now().getTime() - (config.historyDays ?? DEFAULT_ALERT_HISTORY_DAYS) * 86_400_000),
        ),
    },
    outbox: new MikroOutboxStore(db.em),
    outboxWakeups,
    earnings: new MikroEarningsRepository(db.em),
    clock,
    em: db.em,
    async close() {
      outboxWakeups.stopNotifying();
      await identityListener.stop();
      await db.close();
    },
  };
}

export type RunningAlertService = Awaited<ReturnType<typeof startAlertService>>;
