// A group's alerts follow the group: paused (and their creators told) when the bot is removed from it, moved to
// the new chat id when the group becomes a supergroup. Real telegraf against the fake Telegram, a real alert
// service on PostgreSQL.
import type { Alert } from "@tickerbell/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notificationFor, startWorld, type World } from "./harness.ts";

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world?.close();
});

/** A group alert set through the API (the bot's group commands come later), by `creator`, posted in `chatId`. */
async function groupAlert(creator: number, chatId: number, symbol: string, target = 150): Promise<Alert> {
  return world.alerts.createAlert(String(creator), {
    symbol,
    market: { last: 100 },
    origin: { platform: "telegram", chatId: String(chatId), kind: "group" },
    condition: { kind: "price", direction: "above", target },
  });
}

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const giveUpAt = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > giveUpAt) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("a group's alerts follow the group", () => {
  it("the bot removed from a group pauses the group's alerts and tells each creator in private", async () => {
    const owner = { id: 5001, first_name: "Gus" };
    const other = { id: 5002, first_name: "Hal" };
    world.telegram.knowUser(owner);
    world.telegram.knowUser(other);
    const group = world.telegram.createGroup({
      title: "Night traders",
      type: "supergroup",
      members: [
        { user: owner, status: "creator" },
        { user: other, status: "administrator" },
      ],
    });
    const aapl = await groupAlert(owner.id, group.id, "AAPL");
    const msft = await groupAlert(owner.id, group.id, "MSFT");
    const hers = await groupAlert(other.id, group.id, "TSLA");
    // A DM alert of the same creator is not the group's.
    const dm = await world.alerts.createAlert(String(owner.id), {
      symbol: "NVDA",
      market: { last: 100 },
      origin: { platform: "telegram", chatId: String(owner.id) },
      condition: { kind: "price", direction: "above", target: 150 },
    });

    world.telegram.removeBotFromGroup(group.id, owner);

    const [toOwner] = await world.telegram.waitForMessages(
      (m) => m.chatId === owner.id && m.text?.startsWith("⏸") === true,
      1,
      20_000,
    );
    expect(toOwner!.text).toBe(
      "⏸ Your 2 alerts (AAPL, MSFT) posted in “Night traders” are paused: I was removed from the group. They are kept, and do not fire while paused; resume them once I can post there again.",
    );
    const [toOther] = await world.telegram.waitForMessages(
      (m) => m.chatId === other.id && m.text?.startsWith("⏸") === true,
      1,
      20_000,
    );
    expect(toOther!.text).toMatch(/^⏸ Your TSLA alert posted in “Night traders” is paused/);
    for (const [user, alert] of [
      [owner.id, aapl],
      [owner.id, msft],
      [other.id, hers],
    ] as const)
      expect((await world.alerts.getAlert(String(user), alert.id)).status).toBe("paused");
    expect((await world.alerts.getAlert(String(owner.id), dm.id)).status).toBe("active");
  });

  it("a group migrated to a supergroup keeps its alerts under the new chat id", async () => {
    const owner = { id: 5003, first_name: "Ivy" };
    world.telegram.knowUser(owner);
    const group = world.telegram.createGroup({
      title: "Small group",
      members: [{ user: owner, status: "creator" }],
    });
    const alert = await groupAlert(owner.id, group.id, "AMD");
    const supergroupId = world.telegram.migrateToSupergroup(group.id);

    const moved = await until(
      () => world.alerts.getAlert(String(owner.id), alert.id),
      (a) => a.origin.chatId === String(supergroupId),
      "the alert to move to the supergroup",
    );
    expect(moved.origin).toEqual({ platform: "telegram", chatId: String(supergroupId), kind: "group" });
    expect(moved.status).toBe("active");
  });
});

/** The refusal a group member who is not an administrator gets, with the link to the bot's private chat. */
function notAdminText(): string {
  return `Only group admins can set group alerts. For your own alerts, message me privately: https://t.me/${world.telegram.botUser().username}`;
}

async function priceOf(symbol: string): Promise<number> {
  return (await world.prices.quote(symbol))!.price;
}

describe("alert commands in a group", () => {
  const admin = { id: 5101, first_name: "Jo" };
  const member = { id: 5102, first_name: "Kit" };
  const second = { id: 5103, first_name: "Lu" };
  let groupId: number;
  beforeAll(() => {
    groupId = world.telegram.createGroup({
      title: "Options club",
      type: "supergroup",
      members: [
        { user: admin, status: "creator" },
        { user: member, status: "member" },
        { user: second, status: "administrator" },
      ],
    }).id;
  });

  it("an administrator's /alert sets an alert posted in the group, answered in the group", async () => {
    const target = Math.ceil((await priceOf("AAPL")) * 1.2);
    const reply = await world.sayInGroup(groupId, admin, `/alert AAPL above ${target}`);
    expect(reply.text).toMatch(/^✅ Alert set: AAPL above/);
    const [alert] = await world.alertsOf(admin);
    expect(alert!.origin).toEqual({ platform: "telegram", chatId: String(groupId), kind: "group" });
  });

  it("a member who is not an administrator is refused with the link to the private chat; /price works for anyone", async () => {
    const refused = await world.sayInGroup(groupId, member, "/alert MSFT above 900");
    expect(refused.text).toBe(notAdminText());
    expect(await world.alertsOf(member)).toEqual([]);
    const price = await world.sayInGroup(groupId, member, "/price MSFT");
    expect(price.text).toMatch(/MSFT/);
    expect(price.text).not.toBe(notAdminText());
  });

  it("an administrator posting anonymously, as the group, may set group alerts", async () => {
    const target = Math.ceil((await priceOf("NVDA")) * 1.2);
    const reply = await world.sayInGroup(groupId, second, `/alert NVDA above ${target}`, {
      anonymously: true,
    });
    expect(reply.text).toMatch(/^✅ Alert set: NVDA above/);
    // The alert is the group's own (Telegram does not say which administrator it was).
    const [alert] = await world.alertsOf({ id: groupId });
    expect(alert!.origin).toEqual({ platform: "telegram", chatId: String(groupId), kind: "group" });
  });

  it("/alerts in the group lists the group's alerts, not the administrator's own", async () => {
    const target = Math.ceil((await priceOf("ORCL")) * 1.2);
    expect((await world.say(admin, `/alert ORCL above ${target}`)).text).toMatch(/^✅ Alert set/);
    const list = await world.sayInGroup(groupId, second, "/alerts");
    expect(list.text).toMatch(/^Alerts in “Options club” \(2\)/);
    expect(list.text).toMatch(/AAPL above/);
    expect(list.text).toMatch(/NVDA above/);
    expect(list.text).not.toMatch(/ORCL/);
  });

  it("asks Telegram once for a burst of one administrator's commands", async () => {
    const newcomer = { id: 5104, first_name: "Mo" };
    world.telegram.setMemberStatus(groupId, { user: newcomer, status: "administrator" });
    const before = world.telegram.callCount("getChatMember");
    for (const text of ["/alerts", "/alerts AAPL", "/alerts NVDA"]) {
      expect((await world.sayInGroup(groupId, newcomer, text)).text).toMatch(/in “Options club”/);
    }
    expect(world.telegram.callCount("getChatMember") - before).toBe(1);
  });

  it("a personal command in the group is pointed to the private chat, for anyone", async () => {
    const link = `https://t.me/${world.telegram.botUser().username}`;
    for (const user of [admin, member]) {
      const reply = await world.sayInGroup(groupId, user, "/settings");
      expect(reply.text).toBe(`/settings is about your own account: message me privately: ${link}`);
    }
  });

  it("a button in the group: another administrator acts on the group's alert, a member is refused", async () => {
    const target = Math.ceil((await priceOf("AMZN")) * 1.2);
    const set = await world.sayInGroup(groupId, admin, `/alert AMZN above ${target}`);
    const alert = (await world.alertsOf(admin)).find((a) => a.symbol === "AMZN")!;

    world.telegram.userPresses(member, set, `delete:${alert.id}`);
    const refusal = await until(
      async () => world.telegram.answeredCallbacks().filter((c) => c.userId === member.id),
      (answers) => answers.length === 1,
      "the member's press to be answered",
    );
    expect(refusal[0]).toMatchObject({ text: notAdminText(), showAlert: true });
    expect((await world.alerts.getAlert(String(admin.id), alert.id)).status).toBe("active");

    world.telegram.userPresses(second, set, `pause:${alert.id}`);
    const paused = await until(
      () => world.alerts.getAlert(String(admin.id), alert.id),
      (a) => a.status === "paused",
      "the other administrator's Pause to pause the admin's group alert",
    );
    expect(paused.status).toBe("paused");
  });

  it("a group alert firing is posted in the group", async () => {
    const alert = await groupAlert(admin.id, groupId, "INTC");
    await world.fire(admin, alert, 151);
    expect(await world.pipeline.deliver(notificationFor(alert, { price: 151 }))).toMatchObject({
      status: "sent",
    });
    const posted = world.telegram.messagesTo(groupId).filter((m) => m.text?.startsWith("🔔 INTC"));
    expect(posted).toHaveLength(1);
    expect(world.telegram.messagesTo(admin.id).filter((m) => m.text?.startsWith("🔔 INTC"))).toEqual([]);
  });

  it("a group's firings past 20 a minute go out merged, none refused", async () => {
    const busy = world.telegram.createGroup({ title: "Busy", members: [{ user: admin, status: "creator" }] });
    const alerts: Alert[] = [];
    for (let i = 0; i < 25; i++) alerts.push(await groupAlert(admin.id, busy.id, "AMD", 150 + i));
    const outcomes = await Promise.all(
      alerts.map((a) => world.pipeline.deliver(notificationFor(a, { price: 200 }))),
    );
    expect(outcomes.every((o) => o.status === "sent")).toBe(true);
    const posted = world.telegram.messagesTo(busy.id).filter((m) => m.method === "sendMessage");
    expect(posted.length).toBeLessThanOrEqual(20);
    const blocks = posted.flatMap((m) => m.text?.match(/🔔 AMD/g) ?? []);
    expect(blocks).toHaveLength(25);
    expect(world.telegram.refusals().filter((r) => r.chatId === busy.id)).toEqual([]);
  });
});

describe("a group lost or moved while a notification is due (the bot missed the update)", () => {
  let quiet: World;
  beforeAll(async () => {
    // No polling: the bot never hears of the kick or the migration, only the notifier's sends find out.
    quiet = await startWorld({ startBot: false });
  });
  afterAll(async () => {
    await quiet?.close();
  });

  it("the bot kicked: the alert is paused and its creator told in private", async () => {
    const owner = { id: 5201, first_name: "Max" };
    quiet.telegram.knowUser(owner);
    const group = quiet.telegram.createGroup({
      title: "Gone group",
      type: "supergroup",
      members: [{ user: owner, status: "creator" }],
    });
    const alert = await quiet.alerts.createAlert(String(owner.id), {
      symbol: "AAPL",
      market: { last: 100 },
      origin: { platform: "telegram", chatId: String(group.id), kind: "group" },
      condition: { kind: "price", direction: "above", target: 150 },
    });
    quiet.telegram.removeBotFromGroup(group.id, owner, { kick: true });

    const outcome = await quiet.pipeline.deliver(notificationFor(alert, { price: 151 }));
    expect(outcome).toMatchObject({ status: "undeliverable", reason: "bot_removed" });
    const [told] = await quiet.telegram.waitForMessages((m) => m.chatId === owner.id, 1, 20_000);
    expect(told!.text).toBe(
      "⏸ Your AAPL alert posted in the group is paused: I was removed from the group. It is kept, and does not fire while paused; resume it once I can post there again.",
    );
    expect((await quiet.alerts.getAlert(String(owner.id), alert.id)).status).toBe("paused");
  });

  it("the bot may no longer send in the group: the alert is paused and its creator told why", async () => {
    const owner = { id: 5203, first_name: "Oz" };
    quiet.telegram.knowUser(owner);
    const group = quiet.telegram.createGroup({
      title: "Muted",
      members: [{ user: owner, status: "creator" }],
      botStatus: "restricted",
    });
    const alert = await quiet.alerts.createAlert(String(owner.id), {
      symbol: "NVDA",
      market: { last: 100 },
      origin: { platform: "telegram", chatId: String(group.id), kind: "group" },
      condition: { kind: "price", direction: "above", target: 150 },
    });

    const outcome = await quiet.pipeline.deliver(notificationFor(alert, { price: 151 }));
    expect(outcome).toMatchObject({ status: "undeliverable", reason: "access_lost" });
    const [told] = await quiet.telegram.waitForMessages((m) => m.chatId === owner.id, 1, 20_000);
    expect(told!.text).toMatch(
      /^⏸ Your NVDA alert posted in the group is paused: I can no longer post in the group\./,
    );
    expect((await quiet.alerts.getAlert(String(owner.id), alert.id)).status).toBe("paused");
  });

  it("the group became a supergroup: the notification is delivered there and the alert moved", async () => {
    const owner = { id: 5202, first_name: "Ned" };
    const group = quiet.telegram.createGroup({
      title: "Growing",
      members: [{ user: owner, status: "creator" }],
    });
    const alert = await quiet.alerts.createAlert(String(owner.id), {
      symbol: "MSFT",
      market: { last: 100 },
      origin: { platform: "telegram", chatId: String(group.id), kind: "group" },
      condition: { kind: "price", direction: "above", target: 150 },
    });
    const supergroupId = quiet.telegram.migrateToSupergroup(group.id);

    expect(await quiet.pipeline.deliver(notificationFor(alert, { price: 151 }))).toMatchObject({
      status: "sent",
    });
    expect(quiet.telegram.messagesTo(supergroupId).filter((m) => m.text?.startsWith("🔔 MSFT"))).toHaveLength(
      1,
    );
    const moved = await quiet.alerts.getAlert(String(owner.id), alert.id);
    expect(moved.origin).toEqual({ platform: "telegram", chatId: String(supergroupId), kind: "group" });
  });
});
