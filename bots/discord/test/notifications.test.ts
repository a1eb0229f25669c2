import {
  type DeliveryLog,
  type DeliveryOutcome,
  DeliveryPipeline,
  HttpDeliveryLog,
  InMemoryDeliveryLog,
  RateLimiter,
} from "@tickerbell/bot-core";
import type { Alert, Notification } from "@tickerbell/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DiscordNotifier, nonceOf } from "../src/discord-notifier.ts";
import { capturedLogger, newUser, type Stack, startStack, TOKENS } from "./harness.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

/** The delivery log the bot uses in production: the alert service's, shared by restarts and instances. */
const serviceLog = () => new HttpDeliveryLog({ baseUrl: stack.alertsUrl, token: TOKENS.discord });

function pipeline(
  log: DeliveryLog = new InMemoryDeliveryLog(),
  onUndeliverable?: (n: Notification, reason: string) => void,
) {
  return new DeliveryPipeline({
    notifier: new DiscordNotifier(stack.bot.client),
    log,
    limiter: new RateLimiter({ globalPerSecond: 50, perChatPerSecond: 5 }),
    logger: capturedLogger("delivery-test").logger,
    retry: { attempts: 6, baseDelayMs: 100, maxDelayMs: 2000 },
    ...(onUndeliverable ? { onUndeliverable } : {}),
  });
}

/** A user with one real alert, created through the slash command. */
async function userWithAlert(
  repeat = false,
): Promise<{ user: { id: string; username: string }; alert: Alert }> {
  const user = newUser();
  await stack.fake
    .slashCommand(user, "alert price", {
      ticker: "AAPL",
      condition: "above",
      value: "200",
      note: "take profit",
      ...(repeat ? { repeat: "1h" } : {}),
    })
    .reply();
  const [alert] = await stack.alerts.listAlerts(user.id);
  if (!alert) throw new Error("the alert was not created");
  return { user, alert };
}

function notificationFor(alert: Alert, generation = 1): Notification {
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
    price: 201.25,
    referencePrice: 190,
    moveAbs: 11.25,
    movePercent: 5.92,
    note: alert.note,
    repeating: alert.repeat !== null,
    firedAt: "2026-11-24T15:00:00.000Z",
    side: alert.condition.kind === "price" && alert.condition.direction === "below" ? "lower" : "upper",
    level: alert.condition.kind === "price" ? alert.condition.target : 201.25,
    lastPrice: 201.25,
    referenceKind: "whenSet",
    extreme: null,
    rearm: null,
  };
}

describe("DM notifications", () => {
  it("sends exactly one DM with the embed and buttons, even when the notification is delivered twice", async () => {
    const { user, alert } = await userWithAlert();
    const notification = notificationFor(alert);
    expect(await pipeline(serviceLog()).deliver(notification)).toEqual({ status: "sent", attempts: 1 });
    // Redelivered, even to another instance or after a restart: the alert service's delivery log skips it.
    expect(await pipeline(serviceLog()).deliver(notification)).toEqual({ status: "duplicate" });
    // Redelivered after a restart that lost the log: Discord drops it by its nonce.
    expect(await pipeline(new InMemoryDeliveryLog()).deliver(notification)).toEqual({
      status: "sent",
      attempts: 1,
    });

    const dms = stack.fake.dmsTo(user);
    expect(dms).toHaveLength(1);
    const [dm] = dms;
    expect(dm?.nonce).toBe(nonceOf(notification.triggerId));
    expect(nonceOf(notification.triggerId)).toHaveLength(25);
    expect(dm?.embeds).toEqual([
      {
        title: "🔔 AAPL rose above $200.00",
        fields: [
          { name: "Price", value: "$201.25 · <t:1795532400:f>", inline: true },
          { name: "Move", value: "+$11.25 (+5.92%) since it was set ($190.00)", inline: true },
          { name: "Note", value: "take profit", inline: false },
        ],
        color: 0x2e9e5b,
        timestamp: "2026-11-24T15:00:00.000Z",
        footer: { text: "Tickerbell · AAPL" },
      },
    ]);
    const buttons = (dm?.components[0]?.components ?? []) as Array<{ custom_id: string; label: string }>;
    expect(buttons.map((b) => [b.label, b.custom_id])).toEqual([
      ["🔁 Re-arm", `rearm:${alert.id}`],
      ["🗑 Delete", `delete:${alert.id}`],
    ]);
  });

  it("the DM's buttons act: Snooze 1h pauses a repeating alert, Delete cancels it", async () => {
    const { user, alert } = await userWithAlert(true);
    await pipeline().deliver(notificationFor(alert));
    const [dm] = await stack.fake.waitForDms(user, 1);
    const snoozed = await stack.fake.pressButton(user, dm!, `snooze:${alert.id}`).reply();
    expect(snoozed.flags & 64).toBe(64);
    expect(snoozed.content).toMatch(
      /^Snoozed for 1 hour: AAPL above \$200\.00 .* snoozed until <t:\d+:f> \(in 1 hour\)/,
    );
    expect((await stack.alerts.getAlert(user.id, alert.id)).status).toBe("paused");
    const deleted = await stack.fake.pressButton(user, dm!, `delete:${alert.id}`).reply();
    expect(deleted.content).toMatch(/^Deleted/);
    expect((await stack.alerts.getAlert(user.id, alert.id)).status).toBe("cancelled");
  });

  it("rides out a 429 storm with nothing lost and nothing sent twice", async () => {
    const users = await Promise.all(Array.from({ length: 8 }, () => userWithAlert()));
    const before = stack.fake.tooManyRequestsSent;
    stack.fake.rateLimitStorm(1500, { global: true });
    const delivery = pipeline();
    const outcomes: DeliveryOutcome[] = await Promise.all(
      users.map(({ alert }) => delivery.deliver(notificationFor(alert, 3))),
    );
    expect(outcomes.every((o) => o.status === "sent")).toBe(true);
    expect(stack.fake.tooManyRequestsSent).toBeGreaterThan(before);
    for (const { user, alert } of users) {
      const dms = stack.fake.dmsTo(user);
      expect(dms).toHaveLength(1);
      expect(dms[0]?.nonce).toBe(nonceOf(`${alert.id}:3`));
    }
  });

  it("keeps a burst of DMs under Discord's global limit: no 429 at all", async () => {
    const { alert } = await userWithAlert();
    const before = stack.fake.stats().tooManyRequestsByCause;
    const delivery = pipeline();
    const users = Array.from({ length: 60 }, () => newUser("burst"));
    const outcomes = await Promise.all(
      users.map((user, i) =>
        delivery.deliver({
          ...notificationFor(alert, 100 + i),
          origin: { platform: "discord", chatId: user.id },
        }),
      ),
    );
    expect(outcomes.filter((o) => o.status === "sent")).toHaveLength(60);
    expect(users.every((user) => stack.fake.dmsTo(user).length === 1)).toBe(true);
    expect(stack.fake.stats().tooManyRequestsByCause).toEqual(before);
  });

  it("sends each firing as a DM of its own, whose nonce is its triggerId's: a restarted bot sending them again, grouped otherwise, adds none", async () => {
    const { user, alert } = await userWithAlert(true);
    const second = await userWithAlert();
    // Another alert of the same user, on another symbol.
    await stack.fake
      .slashCommand(user, "alert price", { ticker: "MSFT", condition: "below", value: "100" })
      .reply();
    const msft = (await stack.alerts.listAlerts(user.id)).find((a) => a.symbol === "MSFT")!;
    const firings = [
      ...Array.from({ length: 3 }, (_, i) => notificationFor(alert, 10 + i)),
      notificationFor(msft, 1),
    ];
    const delivery = pipeline(serviceLog());
    const outcomes = await Promise.all(firings.map((n) => delivery.deliver(n)));
    expect(outcomes.every((o) => o.status === "sent")).toBe(true);

    const dms = stack.fake.dmsTo(user);
    expect(dms.map((dm) => dm.embeds.length)).toEqual([1, 1, 1, 1]);
    expect(dms.map((dm) => dm.nonce)).toEqual(firings.map((n) => nonceOf(n.triggerId)));
    expect(dms.map((dm) => (dm.embeds[0] as { title: string }).title)).toEqual([
      ...Array(3).fill("🔔 AAPL rose above $200.00"),
      "🔔 MSFT fell below $100.00",
    ]);
    // Each DM has the buttons of its own alert.
    const buttons = (dm: (typeof dms)[number]) =>
      dm.components.flatMap((row) =>
        ((row as { components: Array<{ custom_id: string }> }).components ?? []).map((b) => b.custom_id),
      );
    expect(buttons(dms[3]!)).toEqual([`rearm:${msft.id}`, `delete:${msft.id}`]);

    // A bot killed before it recorded them: its successor knows nothing and the log has no outcome, so all
    // come again, arriving together this time. Discord drops each repeated nonce.
    const restarted = pipeline();
    const again = await Promise.all([...firings].reverse().map((n) => restarted.deliver(n)));
    expect(again.every((o) => o.status === "sent")).toBe(true);
    expect(stack.fake.dmsTo(user)).toHaveLength(4);
    // The other user heard nothing of it.
    expect(stack.fake.dmsTo(second.user)).toEqual([]);
  });

  it("records a user with closed DMs as undeliverable, without retrying", async () => {
    const { user, alert } = await userWithAlert();
    stack.fake.closeDms(user);
    const log = serviceLog();
    const undeliverable: Array<[string, string]> = [];
    const notification = notificationFor(alert);
    const outcome = await pipeline(
      log,
      (n, reason) => void undeliverable.push([n.triggerId, reason]),
    ).deliver(notification);
    expect(outcome).toEqual({ status: "undeliverable", reason: "dms_closed" });
    expect((await log.lookup([notification.triggerId])).get(notification.triggerId)).toBe("undeliverable");
    expect(undeliverable).toEqual([[notification.triggerId, "dms_closed"]]);
    expect(stack.fake.dmsTo(user)).toEqual([]);
    const attempts = stack.fake
      .requestLog()
      .filter((r) => r.route === "POST /channels/:channel_id/messages" && r.status === 403);
    expect(attempts).toHaveLength(1);

    // The user's next command tells them, once, where they can be reached.
    const next = await stack.fake.slashCommand(user, "alert list").reply();
    expect(next.content).toMatch(
      /I couldn't DM you about your AAPL alert on Discord \(your DMs are closed\)/,
    );
    expect(next.content).toMatch(/open your DMs on Discord/);
    expect(next.content).toMatch(/Your alerts/);
    const after = await stack.fake.slashCommand(user, "alert list").reply();
    expect(after.content).not.toMatch(/couldn't DM you/);
  });

  it("retries a 5xx that outlasts discord.js's own retries, then delivers", async () => {
    const { user, alert } = await userWithAlert();
    stack.fake.failNext(4, 502, { route: "POST /channels/:channel_id/messages" });
    expect(await pipeline().deliver(notificationFor(alert))).toMatchObject({ status: "sent", attempts: 2 });
    expect(stack.fake.dmsTo(user)).toHaveLength(1);
  });
});
