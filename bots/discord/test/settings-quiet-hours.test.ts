import {
  DeliveryPipeline,
  HttpDeliveryLog,
  HttpHeldStore,
  QuietHours,
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

describe("/settings on Discord", () => {
  it("/settings show says UTC is the default and that Discord shows times in the device's time", async () => {
    const reply = await stack.fake.slashCommand(newUser(), "settings show").reply();
    expect(reply.flags & 64).toBe(64);
    expect(reply.content).toMatch(
      /Time zone: UTC \(the default; set yours with \/settings timezone zone:Europe\/Berlin\)\. Now: .* UTC\nDiscord shows every time in your own device's time\.\nQuiet hours: off \(set with \/settings quiet hours:22:00-07:00\)\nCharts: on \(\/settings charts state:off turns them off\)/,
    );
  });

  it("/settings timezone and /settings quiet change them; a typo gets close matches in slash syntax", async () => {
    const user = newUser();
    const zone = await stack.fake
      .slashCommand(user, "settings timezone", { zone: "america/new_york" })
      .reply();
    expect(zone.content).toMatch(/^✅ Time zone set to America\/New_York\./);
    const typo = await stack.fake.slashCommand(user, "settings timezone", { zone: "Europe/Pari" }).reply();
    expect(typo.content).toBe(
      '"Europe/Pari" is not a time zone I know. Did you mean Europe/Paris?\nExample: `/settings timezone zone:Europe/Paris`',
    );
    const quiet = await stack.fake.slashCommand(user, "settings quiet", { hours: "23:30-6:15" }).reply();
    expect(quiet.content).toMatch(/^✅ Quiet hours set: 23:30–06:15\./);
    const bad = await stack.fake.slashCommand(user, "settings quiet", { hours: "late" }).reply();
    expect(bad.content).toMatch(
      /^Give quiet hours as two times on a 24-hour clock.*\nExample: `\/settings quiet hours:22:00-07:00`$/,
    );
    expect(await stack.alerts.settings(user.id)).toEqual({
      timeZone: "America/New_York",
      quietHours: { start: "23:30", end: "06:15" },
      charts: true,
    });
    const off = await stack.fake.slashCommand(user, "settings quiet", { hours: "off" }).reply();
    expect(off.content).toMatch(/^✅ Quiet hours off/);
  });

  it("/settings charts turns charts off and on, and offers nothing but on and off", async () => {
    const user = newUser();
    const off = await stack.fake.slashCommand(user, "settings charts", { state: "off" }).reply();
    expect(off.flags & 64).toBe(64);
    expect(off.content).toMatch(/^✅ Charts off: alert messages come without a chart\./);
    expect(off.content).toMatch(/\nCharts: off \(\/settings charts state:on turns them on\)/);
    expect((await stack.alerts.settings(user.id)).charts).toBe(false);
    expect((await stack.fake.slashCommand(user, "settings show").reply()).content).toMatch(/\nCharts: off /);
    // The command offers only on and off: Discord's client sends nothing else (the grammar refuses it anyway).
    expect(() => stack.fake.slashCommand(user, "settings charts", { state: "maybe" })).toThrow(
      /option "state" must be one of "on", "off"/,
    );
    expect((await stack.alerts.settings(user.id)).charts).toBe(false);
    const on = await stack.fake.slashCommand(user, "settings charts", { state: "on" }).reply();
    expect(on.content).toMatch(/^✅ Charts on/);
    expect((await stack.alerts.settings(user.id)).charts).toBe(true);
  });

  it("urgent:True sets an urgent alert; /alert list says so; history times are <t:…> timestamps", async () => {
    const user = newUser();
    const set = await stack.fake
      .slashCommand(user, "alert price", { ticker: "AAPL", condition: "above", value: "300", urgent: true })
      .reply();
    expect(set.content).toMatch(/· urgent: notifies even in quiet hours/);
    const [alert] = await stack.alerts.listAlerts(user.id);
    expect(alert?.urgent).toBe(true);
    expect((await stack.fake.slashCommand(user, "alert list").reply()).content).toMatch(
      /· active · urgent · id /,
    );
  });
});

class Clock {
  at: Date;
  constructor(at: string) {
    this.at = new Date(at);
  }
  now = () => new Date(this.at);
}

/** The Discord bot's delivery side with quiet hours, as main.ts wires it; a new one is a restarted bot. */
function startDelivery(clock: Clock) {
  const { logger } = capturedLogger("quiet-test");
  const limiter = new RateLimiter({ globalPerSecond: 50, perChatPerSecond: 5 });
  const notifier = new DiscordNotifier(stack.bot.client);
  const log = new HttpDeliveryLog({ baseUrl: stack.alertsUrl, token: TOKENS.discord });
  const quietHours = new QuietHours({
    platform: "discord",
    store: new HttpHeldStore({ baseUrl: stack.alertsUrl, token: TOKENS.discord }),
    log,
    sendDigest: (chatId, digest) => notifier.sendDigest(chatId, digest),
    limiter,
    logger,
    now: clock.now,
  });
  const pipeline = new DeliveryPipeline({ notifier, log, limiter, logger, quietHours });
  return {
    pipeline,
    quietHours,
    async stop() {
      await pipeline.close();
      await quietHours.stop();
    },
  };
}

function notificationFor(alert: Alert, price: number, firedAt: string): Notification {
  return {
    v: 1,
    type: "triggered",
    triggerId: `${alert.id}:0`,
    alertId: alert.id,
    generation: 0,
    userId: alert.userId,
    origin: alert.origin,
    symbol: alert.symbol,
    condition: alert.condition,
    price,
    referencePrice: alert.referencePrice,
    moveAbs: price - alert.referencePrice,
    movePercent: 1,
    note: alert.note,
    repeating: false,
    firedAt,
  };
}

describe("quiet hours on Discord", () => {
  it("hold firings across a bot restart and send one digest embed with <t:…> times when quiet hours end", async () => {
    const user = newUser();
    await stack.fake.slashCommand(user, "settings timezone", { zone: "Asia/Tokyo" }).reply();
    await stack.fake.slashCommand(user, "settings quiet", { hours: "22:00-07:00" }).reply();
    for (const value of ["300", "310"]) {
      await stack.fake
        .slashCommand(user, "alert price", { ticker: "AAPL", condition: "above", value })
        .reply();
    }
    const [low, high] = (await stack.alerts.listAlerts(user.id)).sort(
      (a, b) => (a.thresholds.upper ?? 0) - (b.thresholds.upper ?? 0),
    );
    const n1 = notificationFor(low!, 300.5, "2026-12-03T14:00:00.000Z"); // 23:00 in Tokyo
    const n2 = notificationFor(high!, 310.25, "2026-12-03T16:30:00.000Z"); // 01:30 in Tokyo

    const clock = new Clock("2026-12-03T14:00:30Z");
    let bot = startDelivery(clock);
    expect(await bot.pipeline.deliver(n1)).toEqual({ status: "held" });
    await bot.stop();
    bot = startDelivery(clock);
    clock.at = new Date("2026-12-03T16:31:00Z");
    expect(await bot.pipeline.deliver(n2)).toEqual({ status: "held" });
    expect(await bot.quietHours.runOnce()).toBe(0);
    expect(stack.fake.dmsTo(user)).toHaveLength(0);

    clock.at = new Date("2026-12-03T22:00:00Z"); // 07:00 in Tokyo
    expect(await bot.quietHours.runOnce()).toBe(1);
    const dms = await stack.fake.waitForDms(user, 1);
    expect(dms).toHaveLength(1);
    const t = (iso: string) => `<t:${Date.parse(iso) / 1000}:f>`;
    expect(dms[0]!.embeds).toEqual([
      {
        title: "🌙 2 alerts fired during your quiet hours",
        fields: [
          {
            name: "AAPL",
            value: [
              `above $300.00 — $300.50 · ${t(n1.firedAt)}`,
              `above $310.00 — $310.25 · ${t(n2.firedAt)}`,
            ].join("\n"),
          },
        ],
        color: 0x7f8c8d,
      },
    ]);
    expect(dms[0]!.nonce).toBe(nonceOf(`digest:${n1.triggerId},${n2.triggerId}`));
    expect(await bot.quietHours.runOnce()).toBe(0);
    expect(await bot.pipeline.deliver({ ...n1, again: true })).toEqual({ status: "duplicate" });
    expect(stack.fake.dmsTo(user)).toHaveLength(1);
    await bot.stop();
  });
});
