import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { type RunningAlertService, startAlertService } from "@tickerbell/alerts";
import { createLogger, createMetricsRegistry } from "@tickerbell/config";
import type { Alert, Notification, Platform } from "@tickerbell/contracts";
import { createTestDatabase, type TestDatabase } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AlertsClient } from "../src/clients/alerts-client.ts";
import { HttpDeliveryLog } from "../src/delivery/http-log.ts";
import { DeliveryPipeline } from "../src/delivery/pipeline.ts";
import { DeliveryError, type NotificationBatch, type Notifier } from "../src/delivery/ports.ts";
import { RateLimiter } from "../src/delivery/rate-limiter.ts";
import { CommandHandler } from "../src/handler/command-handler.ts";
import type { ChatContext, PriceLookup } from "../src/handler/ports.ts";

// The real alert service on a fresh PostgreSQL database, served on a real port: the bot side talks to it
// through its HTTP clients exactly as in production.

const TOKENS = { telegram: "telegram-bot-token-it-01", discord: "discord-bot-token-it-02" } as const;
const logger = createLogger({ service: "bot-core-it", level: "silent" });

interface Served {
  service: RunningAlertService;
  url: string;
  stop(): Promise<void>;
}

async function serveAlerts(db: TestDatabase, userCommandsPerMinute = 10_000): Promise<Served> {
  const service = await startAlertService({
    database: { kind: "postgres", url: db.url },
    tokens: TOKENS,
    maxOpenAlertsPerUser: 100,
    userCommandsPerMinute,
    logger,
    metrics: createMetricsRegistry("alerts"),
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: service.app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    service,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await service.close();
    },
  };
}

/** The Notifier port for this test: records what it sent, or refuses for good like a blocked chat. */
class RecordingNotifier implements Notifier {
  readonly platform: Platform;
  readonly maxBatch = 10;
  readonly sent: string[] = [];
  readonly #refusal: DeliveryError | null;
  constructor(platform: Platform, refusal: DeliveryError | null = null) {
    this.platform = platform;
    this.#refusal = refusal;
  }
  async send(batch: NotificationBatch): Promise<undefined> {
    if (this.#refusal) throw this.#refusal;
    this.sent.push(...batch.map((n) => n.triggerId));
  }
}

/** The PriceLookup port for commands that need no prices. */
const noPrices: PriceLookup = { quote: async () => null, search: async () => [] };

function pipeline(url: string, notifier: Notifier, token: string = TOKENS.telegram) {
  return new DeliveryPipeline({
    notifier,
    log: new HttpDeliveryLog({ baseUrl: url, token }),
    limiter: new RateLimiter({ globalPerSecond: 1000, perChatPerSecond: 1000 }),
    logger,
    retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
    sleep: async () => {},
  });
}

function notificationOf(alert: Alert, generation = 0): Notification {
  return {
    v: 1,
    type: "triggered",
    triggerId: `${alert.id}:${generation}`,
    alertId: alert.id,
    generation,
    userId: alert.userId,
    origin: alert.origin,
    symbol: alert.symbol,
    condition: alert.condition,
    price: 201,
    referencePrice: 190,
    moveAbs: 11,
    movePercent: 5.79,
    note: null,
    repeating: false,
    firedAt: new Date().toISOString(),
  };
}

let db: TestDatabase;
let alerts: Served;
let telegram: AlertsClient;
beforeAll(async () => {
  db = await createTestDatabase("tb_botcore");
  alerts = await serveAlerts(db);
  telegram = new AlertsClient({ baseUrl: alerts.url, token: TOKENS.telegram, platform: "telegram" });
});
afterAll(async () => {
  await alerts?.stop();
  await db?.drop();
});

async function createAlert(platformUserId: string, symbol: string): Promise<Alert> {
  await telegram.resolveUser({ platformUserId });
  return telegram.createAlert(platformUserId, {
    symbol,
    condition: { kind: "price", direction: "above", target: 200 },
    market: { last: 190 },
    origin: { platform: "telegram", chatId: `chat-${platformUserId}` },
  });
}

const chat = (platformUserId: string): ChatContext => ({
  platform: "telegram",
  platformUserId,
  chatId: `chat-${platformUserId}`,
});

describe("HttpDeliveryLog", () => {
  it("looks up and records many triggerIds per request, and reports the records it refused", async () => {
    const alert = await createAlert("batch-user", "AMZN");
    const log = new HttpDeliveryLog({ baseUrl: alerts.url, token: TOKENS.telegram });
    const ghost = "0f8fad5b-d9cb-469f-a165-70867728950e";
    const refused = await log.record([
      { triggerId: `${alert.id}:0`, alertId: alert.id, status: "sent" },
      { triggerId: `${alert.id}:1`, alertId: alert.id, status: "undeliverable", reason: "blocked_by_user" },
      { triggerId: `${ghost}:0`, alertId: ghost, status: "sent" },
      { triggerId: "not-a-trigger", alertId: alert.id, status: "sent" },
    ]);
    expect(refused.map((r) => [r.triggerId, r.code])).toEqual([
      ["not-a-trigger", "invalid_record"],
      [`${ghost}:0`, "alert_not_found"],
    ]);
    const ids = [`${alert.id}:0`, `${alert.id}:1`, `${alert.id}:2`, "not-a-trigger"];
    expect(await log.lookup(ids)).toEqual(
      new Map([
        ["not-a-trigger", "new"],
        [`${alert.id}:0`, "sent"],
        [`${alert.id}:1`, "undeliverable"],
        [`${alert.id}:2`, "new"],
      ]),
    );
    // More than the service takes per request: split, every one answered.
    const many = Array.from({ length: 1200 }, (_, i) => `${alert.id}:${i}`);
    const states = await log.lookup(many);
    expect(states.size).toBe(1200);
    expect(states.get(`${alert.id}:1`)).toBe("undeliverable");
  });
});

describe("HttpDeliveryLog with the delivery pipeline", () => {
  it("does not hold up the partition for a notification whose alert the service does not know", async () => {
    const known = await createAlert("ghost-user", "GHST");
    const ghost = notificationOf({ ...known, id: "0f8fad5b-d9cb-469f-a165-70867728950e" });
    const blocked = new DeliveryError("chat not found", { retryable: false, code: "chat_not_found" });
    // Neither the undeliverable record nor the sent record can be written (404): both finish, none throws.
    expect(await pipeline(alerts.url, new RecordingNotifier("telegram", blocked)).deliver(ghost)).toEqual({
      status: "undeliverable",
      reason: "chat_not_found",
    });
    const other = { ...ghost, triggerId: `${ghost.alertId}:1`, generation: 1 };
    expect(await pipeline(alerts.url, new RecordingNotifier("telegram")).deliver(other)).toEqual({
      status: "sent",
      attempts: 1,
    });
  });

  it("does not send a redelivered triggerId twice, across a bot restart", async () => {
    const alert = await createAlert("restart-user", "AAPL");
    const notification = notificationOf(alert);

    const before = new RecordingNotifier("telegram");
    expect(await pipeline(alerts.url, before).deliver(notification)).toEqual({ status: "sent", attempts: 1 });
    expect(before.sent).toEqual([notification.triggerId]);

    // A new pipeline with a new log instance: nothing survives in memory, only in the alert service.
    const after = new RecordingNotifier("telegram");
    expect(await pipeline(alerts.url, after).deliver(notification)).toEqual({ status: "duplicate" });
    expect(after.sent).toEqual([]);

    // The next generation is a different notification and goes out.
    const next = notificationOf(alert, 1);
    expect((await pipeline(alerts.url, after).deliver(next)).status).toBe("sent");
    expect(after.sent).toEqual([next.triggerId]);
  });

  it("keeps platforms apart: another platform's bot does not see this record", async () => {
    const alert = await createAlert("isolated-user", "MSFT");
    const notification = notificationOf(alert);
    await pipeline(alerts.url, new RecordingNotifier("telegram")).deliver(notification);
    const discordLog = new HttpDeliveryLog({ baseUrl: alerts.url, token: TOKENS.discord });
    expect(await discordLog.lookup([notification.triggerId])).toEqual(
      new Map([[notification.triggerId, "new"]]),
    );
    expect(
      await new HttpDeliveryLog({ baseUrl: alerts.url, token: TOKENS.telegram }).lookup([
        notification.triggerId,
      ]),
    ).toEqual(new Map([[notification.triggerId, "sent"]]));
  });

  it("tells the user about an undeliverable notification on their next command, once", async () => {
    const alert = await createAlert("blocked-user", "NVDA");
    const notification = notificationOf(alert);
    const blocked = new RecordingNotifier(
      "telegram",
      new DeliveryError("the user blocked the bot", { retryable: false, code: "blocked_by_user" }),
    );
    expect(await pipeline(alerts.url, blocked).deliver(notification)).toEqual({
      status: "undeliverable",
      reason: "blocked_by_user",
    });
    // Redelivered after a restart: recorded as undeliverable, so not tried again.
    const retried = new RecordingNotifier("telegram");
    expect(await pipeline(alerts.url, retried).deliver(notification)).toEqual({ status: "duplicate" });
    expect(retried.sent).toEqual([]);

    const handler = new CommandHandler({ alerts: telegram, prices: noPrices, logger });
    const first = await handler.handleText(chat("blocked-user"), "/alerts");
    expect(first.text).toMatch(
      /^⚠️ I couldn't DM you about your NVDA alert on Telegram \(you blocked me\)\. To get them, unblock me on Telegram/,
    );
    // The command itself still answers, after the notice.
    expect(first.text).toContain("NVDA above $200.00");

    const second = await handler.handleText(chat("blocked-user"), "/alerts");
    expect(second.text).not.toContain("couldn't DM you");
    expect(second.text).toContain("NVDA above $200.00");

    // Another user hears nothing about it.
    await createAlert("bystander", "AMD");
    expect((await handler.handleText(chat("bystander"), "/alerts")).text).not.toContain("couldn't DM you");
  });

  it("answers a rate-limited user with a friendly wait", async () => {
    // A second instance of the service on the same database, with an allowance of two commands a minute.
    const strict = await serveAlerts(db, 2);
    try {
      const client = new AlertsClient({ baseUrl: strict.url, token: TOKENS.telegram, platform: "telegram" });
      const handler = new CommandHandler({ alerts: client, prices: noPrices, logger });
      // Each /alerts is one command, though it makes two requests (the notice check and the list).
      for (let i = 0; i < 2; i++) {
        const served = await handler.handleText(chat("hasty-user"), "/alerts");
        expect(served.text).toContain("You have no alerts yet");
      }
      const third = await handler.handleText(chat("hasty-user"), "/alerts");
      expect(third.text).toMatch(/^You're sending commands too fast; try again in \d+ seconds?\.$/);
    } finally {
      await strict.stop();
    }
  });
});
