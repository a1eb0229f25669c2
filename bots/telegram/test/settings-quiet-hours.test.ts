import { DeliveryPipeline, HttpDeliveryLog, HttpHeldStore, QuietHours } from "@tickerbell/bot-core";
import { createLogger } from "@tickerbell/config";
import type { Alert, Notification, UserSettings } from "@tickerbell/contracts";
import type { FakeUserInput, RecordedMessage } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TelegramNotifier } from "../src/telegram-notifier.ts";
import { notificationFor, startWorld, TOKENS, type World } from "./harness.ts";

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world?.close();
});

async function priceOf(symbol: string): Promise<number> {
  return (await world.prices.quote(symbol))!.price;
}

/** The user sets an alert by chat; answers it as the alert service has it. */
async function alertBy(
  user: FakeUserInput,
  command: string,
): Promise<{ alert: Alert; reply: RecordedMessage }> {
  const reply = await world.say(user, command);
  expect(reply.text, command).toMatch(/^✅ Alert set/);
  const alerts = await world.alertsOf(user);
  return { alert: alerts.sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0]!, reply };
}

describe("/settings on Telegram", () => {
  it("shows the defaults, saying times are in UTC until a zone is set", async () => {
    const ann = { id: 7101, first_name: "Ann" };
    const reply = await world.say(ann, "/settings");
    expect(reply.text).toMatch(
      /^Your settings\nTime zone: UTC \(the default; set yours with \/settings tz Europe\/Berlin\)\. Now: \d{4}-\d\d-\d\d \d\d:\d\d UTC\nQuiet hours: off \(set with \/settings quiet 22:00-07:00\)\nCharts: on \(\/settings charts off turns them off\)\. This Tickerbell has charts turned off for now\.$/,
    );
  });

  it("sets an IANA zone (any case), suggests close matches for a typo, and refuses what is no zone", async () => {
    const bob = { id: 7102, first_name: "Bob" };
    const set = await world.say(bob, "/settings tz europe/berlin");
    expect(set.text).toMatch(
      /^✅ Time zone set to Europe\/Berlin\.\nYour settings\nTime zone: Europe\/Berlin\. Now: .* GMT\+[12]\n/,
    );
    const typo = await world.say(bob, "/settings tz Europe/Berln");
    expect(typo.text).toBe(
      '"Europe/Berln" is not a time zone I know. Did you mean Europe/Berlin?\nExample: /settings tz Europe/Berlin',
    );
    const city = await world.say(bob, "/settings timezone Tokio");
    expect(city.text).toMatch(/^"Tokio" is not a time zone I know\. Did you mean Asia\/Tokyo/);
    const nothing = await world.say(bob, "/settings tz Qqqqqqqqqq/Zzzz");
    expect(nothing.text).toMatch(/not a time zone I know\. Use an IANA name like Europe\/Berlin/);
    expect(await world.alerts.settings("7102")).toEqual({
      timeZone: "Europe/Berlin",
      quietHours: null,
      charts: true,
    });
  });

  it("sets quiet hours that wrap midnight, refuses a time that is none, and turns them off", async () => {
    const cat = { id: 7103, first_name: "Cat" };
    const set = await world.say(cat, "/settings quiet 22:00-07:00");
    expect(set.text).toMatch(/^✅ Quiet hours set: 22:00–07:00\./);
    expect(set.text).toMatch(
      /Quiet hours: 22:00–07:00 UTC time.*arrive as one digest when they end; an alert set with urgent always notifies/,
    );
    const bad = await world.say(cat, "/settings quiet 25:00-07:00");
    expect(bad.text).toBe(
      'Give quiet hours as two times on a 24-hour clock, like 22:00-07:00 (or off), not "25:00-07:00".\nExample: /settings quiet 22:00-07:00',
    );
    const same = await world.say(cat, "/settings quiet 7-7");
    expect(same.text).toMatch(/^Quiet hours must start and end at different times\./);
    expect((await world.alerts.settings("7103")).quietHours).toEqual({ start: "22:00", end: "07:00" });
    const off = await world.say(cat, "/settings quiet off");
    expect(off.text).toMatch(/^✅ Quiet hours off: every alert notifies at once\./);
    expect((await world.alerts.settings("7103")).quietHours).toBeNull();
    const what = await world.say(cat, "/settings colour blue");
    expect(what.text).toMatch(
      /^I can change your time zone \(tz\), quiet hours \(quiet\) or charts \(charts\), not "colour"/,
    );
  });

  it("turns charts off and on, keeping the choice in the alert service, and refuses what is neither", async () => {
    const hal = { id: 7108, first_name: "Hal" };
    const off = await world.say(hal, "/settings charts off");
    expect(off.text).toMatch(/^✅ Charts off: alert messages come without a chart\.\nYour settings\n/);
    expect(off.text).toMatch(/\nCharts: off \(\/settings charts on turns them on\)$/);
    expect((await world.alerts.settings("7108")).charts).toBe(false);
    expect((await world.say(hal, "/settings")).text).toMatch(/\nCharts: off /);
    const maybe = await world.say(hal, "/settings charts maybe");
    expect(maybe.text).toBe('Charts are on or off, not "maybe".\nExample: /settings charts off');
    const bare = await world.say(hal, "/settings charts");
    expect(bare.text).toBe("Charts on or off?\nExample: /settings charts off");
    expect((await world.alerts.settings("7108")).charts).toBe(false);
    // This world's operator has charts off (CHARTS=off): the choice is kept, and the reply says so.
    const on = await world.say(hal, "/settings charts ON");
    expect(on.text).toMatch(/^✅ Charts on: they show once this Tickerbell turns charts on\.\n/);
    expect((await world.alerts.settings("7108")).charts).toBe(true);
  });

  it("/history and /alerts show times in the user's zone", async () => {
    const dan = { id: 7104, first_name: "Dan" };
    await world.say(dan, "/settings tz America/New_York");
    const target = Math.ceil((await priceOf("AAPL")) * 1.2);
    const { alert } = await alertBy(dan, `/alert AAPL above ${target} repeat 1h`);
    await world.fire(dan, alert, target + 1);
    const history = await world.say(dan, "/history");
    expect(history.text).toMatch(/AAPL above .* \(\d{4}-\d\d-\d\d \d\d:\d\d (EST|EDT)\)$/);
    const list = await world.say(dan, "/alerts");
    expect(list.text).toMatch(/cooling down until \d{4}-\d\d-\d\d \d\d:\d\d (EST|EDT)/);
  });

  it("an urgent alert says so when set and in /alerts", async () => {
    const eve = { id: 7105, first_name: "Eve" };
    const target = Math.ceil((await priceOf("MSFT")) * 1.2);
    const { alert, reply } = await alertBy(eve, `/alert MSFT above ${target} urgent`);
    expect(reply.text).toMatch(/· urgent: notifies even in quiet hours\n/);
    expect(alert.urgent).toBe(true);
    expect((await world.say(eve, "/alerts")).text).toMatch(/· active · urgent · id /);
  });
});

/** A clock the test moves by hand. */
class Clock {
  at: Date;
  constructor(at: string) {
    this.at = new Date(at);
  }
  now = () => new Date(this.at);
  set(at: string): void {
    this.at = new Date(at);
  }
}

/** One run of the bot's delivery side with quiet hours, as main.ts wires it; a new one is a restarted bot. */
function startDelivery(clock: Clock) {
  const logger = createLogger({ service: "quiet-test", level: "silent" });
  // The bot's one limiter, shared with its replies (as in main.ts).
  const limiter = world.limiter;
  const notifier = new TelegramNotifier(world.bot.bot.telegram);
  const log = new HttpDeliveryLog({ baseUrl: world.alertsUrl, token: TOKENS.telegram });
  const quietHours = new QuietHours({
    platform: "telegram",
    store: new HttpHeldStore({ baseUrl: world.alertsUrl, token: TOKENS.telegram }),
    log,
    sendDigest: (chatId, digest) => notifier.sendDigest(chatId, digest),
    limiter,
    logger,
    now: clock.now,
  });
  const pipeline = new DeliveryPipeline({ notifier, log, limiter, logger, quietHours });
  // As main.ts wires it: /settings on this bot refreshes the delivery side's cache at once.
  const listener = (userId: string, settings: UserSettings) => quietHours.cache.set(userId, settings);
  world.settingsListeners.push(listener);
  return {
    pipeline,
    quietHours,
    async stop() {
      world.settingsListeners.splice(world.settingsListeners.indexOf(listener), 1);
      await pipeline.close();
      await quietHours.stop();
    },
  };
}

describe("quiet hours on Telegram", () => {
  it("hold firings (not urgent ones) across a bot restart and send ONE digest when quiet hours end", async () => {
    const fay = { id: 7106, first_name: "Fay" };
    await world.say(fay, "/settings tz Europe/Berlin");
    await world.say(fay, "/settings quiet 22:00-07:00");
    const aapl = Math.ceil((await priceOf("AAPL")) * 1.3);
    const msft = Math.ceil((await priceOf("MSFT")) * 1.3);
    const first = (await alertBy(fay, `/alert AAPL above ${aapl} repeat 1h`)).alert;
    const second = (await alertBy(fay, `/alert MSFT above ${msft}`)).alert;
    const third = (await alertBy(fay, `/alert AAPL above ${aapl + 10}`)).alert;
    const urgent = (
      await alertBy(fay, `/alert NVDA above ${Math.ceil((await priceOf("NVDA")) * 1.3)} urgent`)
    ).alert;
    const chatBefore = world.telegram.messagesTo(fay.id).length;

    // 23:10 in Berlin (22:10 UTC in December): quiet.
    const clock = new Clock("2026-12-03T22:10:00Z");
    let bot = startDelivery(clock);
    const fired = async (alert: Alert, price: number, firedAt: string): Promise<Notification> => {
      await world.fire(fay, alert, price);
      return { ...notificationFor(alert, { price }), firedAt, ...(alert.urgent ? { urgent: true } : {}) };
    };
    const n1 = await fired(first, aapl + 0.5, "2026-12-03T22:05:00Z");
    const n2 = await fired(second, msft + 1, "2026-12-03T22:40:00Z");
    const n3 = await fired(third, aapl + 10.25, "2026-12-04T01:15:00Z");
    const nu = await fired(urgent, 999, "2026-12-03T22:41:00Z");
    expect(await bot.pipeline.deliver(n1)).toEqual({ status: "held" });
    expect(await bot.pipeline.deliver(n2)).toEqual({ status: "held" });
    expect(await bot.pipeline.deliver(nu)).toEqual({ status: "sent", attempts: 1 });
    const urgentDm = world.telegram.messagesTo(fay.id).slice(chatBefore);
    expect(urgentDm.map((m) => m.text?.split("\n")[0])).toEqual([expect.stringMatching(/^🔔 NVDA /)]);
    // The trade's time in the reader's zone: the pipeline hands the user's display to the notifier.
    expect(urgentDm[0]!.text).toContain("2026-12-03 23:41 GMT+1");
    // Still quiet: the digest loop sends nothing.
    expect(await bot.quietHours.runOnce()).toBe(0);

    // The bot restarts in the middle of the night; what it held is in the alert service, not in its memory.
    await bot.stop();
    clock.set("2026-12-04T02:30:00Z");
    bot = startDelivery(clock);
    expect(await bot.pipeline.deliver(n3)).toEqual({ status: "held" });
    // Kafka hands a held one over again: held again is a no-op, nothing is sent.
    expect(await bot.pipeline.deliver({ ...n1, again: true })).toEqual({ status: "held" });
    clock.set("2026-12-04T05:59:00Z"); // 06:59 in Berlin
    expect(await bot.quietHours.runOnce()).toBe(0);
    expect(world.telegram.messagesTo(fay.id).slice(chatBefore)).toHaveLength(1);

    clock.set("2026-12-04T06:00:00Z"); // 07:00 in Berlin: quiet hours are over
    expect(await bot.quietHours.runOnce()).toBe(1);
    const after = world.telegram.messagesTo(fay.id).slice(chatBefore + 1);
    expect(after).toHaveLength(1);
    const aaplText = `$${aapl.toLocaleString("en-US")}.00`;
    expect(after[0]!.text).toBe(
      [
        "🌙 3 alerts fired during your quiet hours",
        "",
        "AAPL",
        `above ${aaplText} — $${(aapl + 0.5).toLocaleString("en-US", { minimumFractionDigits: 2 })} · 2026-12-03 23:05 GMT+1`,
        `above $${(aapl + 10).toLocaleString("en-US")}.00 — $${(aapl + 10.25).toLocaleString("en-US", { minimumFractionDigits: 2 })} · 2026-12-04 02:15 GMT+1`,
        "",
        "MSFT",
        `above $${msft.toLocaleString("en-US")}.00 — $${(msft + 1).toLocaleString("en-US", { minimumFractionDigits: 2 })} · 2026-12-03 23:40 GMT+1`,
      ].join("\n"),
    );
    expect(after[0]!.message.entities).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: "bold", offset: 0 })]),
    );
    for (const n of [n1, n2, n3]) expect(await world.deliveryState(n.triggerId)).toBe("sent");

    // Once: another pass, another restart, or a redelivery sends nothing more.
    expect(await bot.quietHours.runOnce()).toBe(0);
    await bot.stop();
    bot = startDelivery(clock);
    expect(await bot.quietHours.runOnce()).toBe(0);
    expect(await bot.pipeline.deliver({ ...n2, again: true })).toEqual({ status: "duplicate" });
    expect(world.telegram.messagesTo(fay.id).slice(chatBefore)).toHaveLength(2);
    await bot.stop();
  });

  it("turning quiet hours off sends what was held at the next pass, and firings go out at once again", async () => {
    const gil = { id: 7107, first_name: "Gil" };
    await world.say(gil, "/settings quiet 00:00-23:59");
    const target = Math.ceil((await priceOf("AMZN")) * 1.3);
    const alert = (await alertBy(gil, `/alert AMZN above ${target} repeat 1h`)).alert;
    const clock = new Clock("2026-12-04T12:00:00Z");
    const bot = startDelivery(clock);
    await world.fire(gil, alert, target + 2);
    const held = { ...notificationFor(alert, { price: target + 2 }), firedAt: "2026-12-04T11:59:00Z" };
    expect(await bot.pipeline.deliver(held)).toEqual({ status: "held" });
    const before = world.telegram.messagesTo(gil.id).length;
    await world.say(gil, "/settings quiet off");
    expect(await bot.quietHours.runOnce()).toBe(1);
    const digest = world.telegram.messagesTo(gil.id).slice(before + 1);
    expect(digest.map((m) => m.text?.split("\n")[0])).toEqual(["🌙 1 alert fired during your quiet hours"]);
    expect(digest[0]!.text).toContain("· 2026-12-04 11:59 UTC");
    // The bot's settings cache took the change at once: the next firing is sent, not held.
    const next = await world.fire(gil, (await world.alertsOf(gil))[0]!, target + 3);
    const sent = { ...notificationFor(alert, { price: target + 3, generation: next.alert.generation - 1 }) };
    expect(await bot.pipeline.deliver(sent)).toEqual({ status: "sent", attempts: 1 });
    await bot.stop();
  });
});
