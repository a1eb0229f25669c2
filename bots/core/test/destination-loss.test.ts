import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { startAlertService } from "@tickerbell/alerts";
import { createLogger, createMetricsRegistry } from "@tickerbell/config";
import type { Alert, Notification } from "@tickerbell/contracts";
import { createTestDatabase, type TestDatabase } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AlertsClient } from "../src/clients/alerts-client.ts";
import { DestinationLoss } from "../src/delivery/destination-loss.ts";
import { HttpDeliveryLog } from "../src/delivery/http-log.ts";
import { DeliveryPipeline } from "../src/delivery/pipeline.ts";
import { DeliveryError, type NotificationBatch, type Notifier } from "../src/delivery/ports.ts";
import { RateLimiter } from "../src/delivery/rate-limiter.ts";
import { CommandHandler } from "../src/handler/command-handler.ts";
import type { ChatContext, PriceLookup } from "../src/handler/ports.ts";

// Issue 15 item 5: a community chat the bot can no longer post in. The delivery pipeline, with the real alert
// service on PostgreSQL behind its delivery log and API: the notification is recorded undeliverable (not retried),
// the chat's alerts are paused, each creator is told by DM once; a creator whose DMs are closed hears of it on
// their next command instead.

const TOKEN = "telegram-bot-token-destination-loss";
const GROUP = "-1002222222222";
const logger = createLogger({ service: "bot-core-destination-loss", level: "silent" });
const clockMs = Date.parse("2026-06-01T14:00:00Z");
const prices: PriceLookup = {
  quote: async (symbol) => ({ symbol, price: 190, previousClose: 188, ts: clockMs }),
  search: async () => [],
};

/** The platform as a group that has removed the bot: every post there is refused, DMs reach who accepts them. */
class GroupGoneNotifier implements Notifier {
  readonly platform = "telegram" as const;
  readonly maxBatch = 1;
  readonly posts: string[] = [];
  readonly told: Array<{ to: string; text: string }> = [];
  readonly closedDms = new Set<string>();
  async send(batch: NotificationBatch) {
    const chatId = batch[0].origin.chatId;
    this.posts.push(chatId);
    if (chatId === GROUP)
      throw new DeliveryError("bot was kicked from the group chat", {
        retryable: false,
        code: "bot_removed",
      });
    return undefined;
  }
  async tellUser(platformUserId: string, text: string) {
    if (this.closedDms.has(platformUserId))
      throw new DeliveryError("the user has not started the bot", { retryable: false, code: "cannot_dm" });
    this.told.push({ to: platformUserId, text });
  }
}

let db: TestDatabase;
let service: Awaited<ReturnType<typeof startAlertService>>;
let server: ReturnType<typeof serve>;
let baseUrl: string;
let alerts: AlertsClient;
let handler: CommandHandler;

const dm = (user: string): ChatContext => ({ platform: "telegram", platformUserId: user, chatId: user });
const inGroup = (user: string): ChatContext => ({
  platform: "telegram",
  platformUserId: user,
  chatId: user,
  community: { kind: "group", chatId: GROUP, name: "“Traders”" },
});

function firing(alert: Alert, generation = 1): Notification {
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
    repeating: true,
    firedAt: new Date(clockMs).toISOString(),
  };
}

beforeAll(async () => {
  db = await createTestDatabase("tb_botcore_destination_loss");
  service = await startAlertService({
    database: { kind: "postgres", url: db.url },
    tokens: { telegram: TOKEN },
    maxOpenAlertsPerUser: 100,
    userCommandsPerMinute: 100_000,
    logger,
    metrics: createMetricsRegistry("alerts"),
    clock: { now: () => new Date(clockMs) },
  });
  server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: service.app.fetch, port: 0, hostname: "127.0.0.1" }, () =>
      resolve(started),
    );
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  alerts = new AlertsClient({ baseUrl, token: TOKEN, platform: "telegram" });
  handler = new CommandHandler({ alerts, prices, logger });
}, 60_000);
afterAll(async () => {
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  await service?.close();
  await db?.drop();
});

describe("a community chat the bot can no longer post in", () => {
  it("pauses its alerts, tells each creator once by DM, or on their next command when their DMs are closed", async () => {
    const open = "501";
    const closed = "502";
    const [aapl, msft, nvda] = await Promise.all([
      handler.handleText(inGroup(open), "/alert AAPL above 200 repeat"),
      handler.handleText(inGroup(open), "/alert MSFT above 200 repeat"),
      handler.handleText(inGroup(closed), "/alert NVDA above 200 repeat"),
    ]).then((replies) => replies.map((r) => r.alerts![0]!));
    const own = (await handler.handleText(dm(open), "/alert AMD above 200")).alerts![0]!;

    const notifier = new GroupGoneNotifier();
    notifier.closedDms.add(closed);
    const loss = new DestinationLoss({ alerts, tellUser: (to, text) => notifier.tellUser(to, text), logger });
    const pipeline = new DeliveryPipeline({
      notifier,
      log: new HttpDeliveryLog({ baseUrl, token: TOKEN }),
      limiter: new RateLimiter({ globalPerSecond: 1000, perChatPerSecond: 1000 }),
      logger,
      onUndeliverable: (n, reason) => loss.onUndeliverable(n, reason),
      recording: { flushEveryMs: 1 },
    });
    const outcomes = await Promise.all(
      [firing(aapl!), firing(msft!), firing(nvda!)].map((n) => pipeline.deliver(n)),
    );
    expect(outcomes).toEqual(Array(3).fill({ status: "undeliverable", reason: "bot_removed" }));
    // Tried once each, never retried.
    expect(notifier.posts).toEqual([GROUP, GROUP, GROUP]);
    await expect.poll(() => notifier.told.length).toBe(1);

    for (const [alert, creator] of [
      [aapl!, open],
      [msft!, open],
      [nvda!, closed],
    ] as const)
      expect((await alerts.getAlert(creator, alert.id)).status).toBe("paused");
    expect((await alerts.getAlert(open, own.id)).status).toBe("active");
    expect(notifier.told).toEqual([
      {
        to: open,
        text: "⏸ Your 2 alerts (AAPL, MSFT) posted in the group are paused: I was removed from the group. They are kept, and do not fire while paused; resume them once I can post there again.",
      },
    ]);
    // Told by DM: nothing more on their next command. The creator whose DMs are closed hears it there.
    await expect.poll(async () => (await alerts.undeliverable(open)).items.length).toBe(0);
    expect((await handler.handleText(dm(open), "/alerts")).text).toMatch(/^\*Your alerts\*/);
    // Not in front of the group: the notice waits for a command in private.
    expect((await handler.handleText(inGroup(closed), "/alerts")).text).toMatch(/^\*Alerts in “Traders”\*/);
    expect((await handler.handleText({ ...dm(closed), seenByOthers: true }, "/price AAPL")).text).toMatch(
      /^AAPL/,
    );
    const next = await handler.handleText(dm(closed), "/alerts");
    expect(next.text).toMatch(
      /^⚠️ I couldn't post your NVDA alert in its group on Telegram \(I was removed from it\); it is paused\./,
    );

    // Another firing of the same group later: nothing more is paused, nobody is told again.
    expect(await pipeline.deliver(firing(aapl!, 2))).toEqual({
      status: "undeliverable",
      reason: "bot_removed",
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(notifier.told).toHaveLength(1);
    await pipeline.close();
  });
});
