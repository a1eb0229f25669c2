// Channel alerts (issue 15): who may set and manage them, whether the bot may post there, the posts themselves
// (pinging exactly the alert's role), and a channel the bot lost pausing its alerts.
import { DeliveryPipeline, DestinationLoss, HttpDeliveryLog, RateLimiter } from "@tickerbell/bot-core";
import type { Alert, Notification } from "@tickerbell/contracts";
import { PermissionFlagsBits } from "discord.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DiscordNotifier } from "../src/discord-notifier.ts";
import { capturedLogger, newUser, type Stack, startStack, TOKENS } from "./harness.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
  // Several posts per channel here; Discord's per-channel bucket is not what these tests are about.
  stack.fake.setRouteLimit("POST /channels/:channel_id/messages", null);
});
afterAll(async () => {
  await stack?.close();
});

type Person = { id: string; username: string };

/** A server of its own per test: its settings (the alert role) and channels are not shared. */
function newServer() {
  const { fake } = stack;
  const owner = newUser("owner");
  const guildId = fake.createGuild({ ownerId: owner, name: "Traders" });
  const managers = fake.createRole(guildId, {
    name: "Managers",
    permissions: PermissionFlagsBits.ManageChannels,
  });
  const admins = fake.createRole(guildId, { name: "Admins", permissions: PermissionFlagsBits.ManageGuild });
  const traders = fake.createRole(guildId, { name: "Traders", mentionable: true });
  const quiet = fake.createRole(guildId, { name: "Quiet" });
  const general = fake.createChannel(guildId, { name: "general" });
  const alerts = fake.createChannel(guildId, { name: "alerts" });
  const member = (name: string, roles: string[] = []): Person => {
    const user = newUser(name);
    fake.addMember(guildId, user, roles);
    return user;
  };
  return {
    guildId,
    owner,
    roles: { managers, admins, traders, quiet },
    channels: { general, alerts },
    manager: member("manager", [managers]),
    plain: member("plain"),
    admin: member("admin", [admins]),
    member,
  };
}

const AAPL = { ticker: "AAPL", condition: "above", value: "200" };

/** The channel's open alerts, as its managers see them. */
function channelAlerts(manager: Person, channelId: string): Promise<Alert[]> {
  return stack.alerts.listAlerts(
    { platformUserId: manager.id, community: { chatId: channelId } },
    { status: "open", destination: channelId },
  );
}

function notificationFor(alert: Alert, note: string | null = alert.note, generation = 1): Notification {
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
    note,
    repeating: alert.repeat !== null,
    firedAt: "2026-11-24T15:00:00.000Z",
    side: "upper",
    level: 200,
    lastPrice: 201.25,
    referenceKind: "whenSet",
    extreme: null,
    rearm: null,
  };
}

/**
 * The delivery side as runBotProcess builds it for main.ts: the notifier, and DestinationLoss (the alert
 * service's destination calls and the notifier's tellUser) as the pipeline's onUndeliverable. process.test.ts
 * runs main.ts itself through a lost channel.
 */
function delivery() {
  const { logger } = capturedLogger("delivery-test");
  const notifier = new DiscordNotifier(stack.bot.client);
  const destinationLoss = new DestinationLoss({
    alerts: stack.alerts,
    tellUser: notifier.tellUser.bind(notifier),
    logger,
  });
  const pipeline = new DeliveryPipeline({
    notifier,
    log: new HttpDeliveryLog({ baseUrl: stack.alertsUrl, token: TOKENS.discord }),
    limiter: new RateLimiter({ globalPerSecond: 50, perChatPerSecond: 5 }),
    logger,
    retry: { attempts: 3, baseDelayMs: 50, maxDelayMs: 200 },
    onUndeliverable: destinationLoss.onUndeliverable.bind(destinationLoss),
  });
  return { notifier, pipeline };
}

describe("setting an alert in a channel", () => {
  it("lets a member with Manage Channels there set it: posted in the channel, mentioning the role", async () => {
    const server = newServer();
    const reply = await stack.fake
      .slashCommand(
        server.manager,
        "alert price",
        { ...AAPL, channel: server.channels.alerts, mention: server.roles.traders },
        { guildId: server.guildId, channelId: server.channels.general },
      )
      .reply();
    expect(reply.flags & 64).toBe(64);
    expect(reply.content).toMatch(/Alert set: AAPL above \$200\.00/);
    expect(reply.content).toContain(`posted in #alerts, mentioning <@&${server.roles.traders}>`);
    const [alert] = await channelAlerts(server.manager, server.channels.alerts);
    expect(alert?.origin).toEqual({
      platform: "discord",
      chatId: server.channels.alerts,
      kind: "channel",
      communityId: server.guildId,
      mentionRoleId: server.roles.traders,
    });
  });

  it("refuses a member without Manage Channels, naming it", async () => {
    const server = newServer();
    const reply = await stack.fake
      .slashCommand(
        server.plain,
        "alert price",
        { ...AAPL, channel: server.channels.alerts },
        { guildId: server.guildId, channelId: server.channels.general },
      )
      .reply();
    expect(reply.flags & 64).toBe(64);
    expect(reply.content).toBe("To set alerts in #alerts you need **Manage Channels** there.");
    expect(await channelAlerts(server.manager, server.channels.alerts)).toEqual([]);
  });

  it("counts Manage Channels in the target channel, not where the command was typed", async () => {
    const server = newServer();
    // Manage Channels in #alerts only, through an overwrite.
    stack.fake.setOverwrite(server.channels.alerts, {
      id: server.plain.id,
      type: "member",
      allow: PermissionFlagsBits.ManageChannels,
    });
    const allowed = await stack.fake
      .slashCommand(
        server.plain,
        "alert price",
        { ...AAPL, channel: server.channels.alerts },
        { guildId: server.guildId, channelId: server.channels.general },
      )
      .reply();
    expect(allowed.content).toMatch(/Alert set/);
    const refused = await stack.fake
      .slashCommand(
        server.plain,
        "alert price",
        { ...AAPL, channel: server.channels.general },
        { guildId: server.guildId, channelId: server.channels.alerts },
      )
      .reply();
    expect(refused.content).toMatch(/^To set alerts in #general you need \*\*Manage Channels\*\* there/);
  });

  it("lets the server's alert role in once a Manage Server member sets it with /settings alert-role", async () => {
    const server = newServer();
    const here = { guildId: server.guildId, channelId: server.channels.general };
    const analysts = stack.fake.createRole(server.guildId, { name: "Analysts" });
    const analyst = server.member("analyst", [analysts]);

    const refused = await stack.fake
      .slashCommand(server.manager, "settings alert-role", { role: analysts }, here)
      .reply();
    expect(refused.content).toBe("Only someone with **Manage Server** can choose the alert role.");
    expect((await stack.alerts.communitySettings(server.guildId)).alertRoleId).toBeNull();

    const set = await stack.fake
      .slashCommand(server.admin, "settings alert-role", { role: analysts }, here)
      .reply();
    expect(set.flags & 64).toBe(64);
    expect(set.content).toContain(`Alert role set: members with <@&${analysts}>`);
    expect((await stack.alerts.communitySettings(server.guildId)).alertRoleId).toBe(analysts);

    const created = await stack.fake
      .slashCommand(analyst, "alert price", { ...AAPL, channel: server.channels.alerts }, here)
      .reply();
    expect(created.content).toMatch(/Alert set/);
    expect(await channelAlerts(server.manager, server.channels.alerts)).toHaveLength(1);

    // Anyone else is told both ways in.
    const other = await stack.fake
      .slashCommand(server.plain, "alert price", { ...AAPL, channel: server.channels.alerts }, here)
      .reply();
    expect(other.content).toBe(
      `To set alerts in #alerts you need **Manage Channels** there, or the <@&${analysts}> role.`,
    );

    // A role made after the bot last read the server's roles counts too.
    const desk = stack.fake.createRole(server.guildId, { name: "Desk" });
    const trader = server.member("trader", [desk]);
    await stack.fake.slashCommand(server.admin, "settings alert-role", { role: desk }, here).reply();
    const byDesk = await stack.fake
      .slashCommand(trader, "alert price", { ...AAPL, value: "205", channel: server.channels.alerts }, here)
      .reply();
    expect(byDesk.content).toMatch(/Alert set/);

    const cleared = await stack.fake.slashCommand(server.owner, "settings alert-role", {}, here).reply();
    expect(cleared.content).toMatch(/^Alert role cleared/);
    const after = await stack.fake
      .slashCommand(analyst, "alert price", { ...AAPL, channel: server.channels.alerts }, here)
      .reply();
    expect(after.content).toBe("To set alerts in #alerts you need **Manage Channels** there.");
  });

  it("refuses when the bot may not post there, naming what it lacks", async () => {
    const server = newServer();
    stack.fake.setOverwrite(server.channels.alerts, {
      id: stack.fake.applicationId,
      type: "member",
      deny: PermissionFlagsBits.SendMessages | PermissionFlagsBits.EmbedLinks,
    });
    const elsewhere = await stack.fake
      .slashCommand(
        server.manager,
        "alert price",
        { ...AAPL, channel: server.channels.alerts },
        { guildId: server.guildId, channelId: server.channels.general },
      )
      .reply();
    expect(elsewhere.content).toMatch(
      /^I can't post alerts in #alerts: I need \*\*Send Messages\*\* and \*\*Embed Links\*\* there\./,
    );
    // Typed in the channel itself: the interaction's own app_permissions say the same.
    const inPlace = await stack.fake
      .slashCommand(
        server.manager,
        "alert price",
        { ...AAPL, channel: server.channels.alerts },
        { guildId: server.guildId, channelId: server.channels.alerts },
      )
      .reply();
    expect(inPlace.content).toBe(elsewhere.content);
    expect(await channelAlerts(server.manager, server.channels.alerts)).toEqual([]);
  });

  it("refuses to mention a role that is not mentionable unless the bot has Mention Everyone there", async () => {
    const server = newServer();
    const options = { ...AAPL, channel: server.channels.alerts, mention: server.roles.quiet };
    const here = { guildId: server.guildId, channelId: server.channels.general };
    const refused = await stack.fake.slashCommand(server.manager, "alert price", options, here).reply();
    expect(refused.content).toMatch(
      new RegExp(`^I can't ping <@&${server.roles.quiet}> in #alerts: the role isn't mentionable`),
    );
    stack.fake.setOverwrite(server.channels.alerts, {
      id: stack.fake.applicationId,
      type: "member",
      allow: PermissionFlagsBits.MentionEveryone,
    });
    expect(
      (await stack.fake.slashCommand(server.manager, "alert price", options, here).reply()).content,
    ).toMatch(/Alert set/);
  });

  it("refuses mention without channel, and channel in DMs", async () => {
    const server = newServer();
    const noChannel = await stack.fake
      .slashCommand(
        server.manager,
        "alert price",
        { ...AAPL, mention: server.roles.traders },
        { guildId: server.guildId, channelId: server.channels.general },
      )
      .reply();
    expect(noChannel.flags & 64).toBe(64);
    expect(noChannel.content).toMatch(/^mention needs channel/);
    // Discord's client offers no server channel in DMs; sent anyway, it is refused.
    const inDms = await stack.fake
      .slashCommand(
        server.manager,
        "alert price",
        { ...AAPL, channel: server.channels.alerts },
        { validate: false },
      )
      .reply();
    expect(inDms.content).toMatch(/work in a server/);
    expect(await stack.alerts.listAlerts(server.manager.id)).toEqual([]);
  });
});

describe("a channel's alerts", () => {
  it("/alert list channel: lists the channel's alerts, whoever created them, and its buttons act there", async () => {
    const server = newServer();
    const here = { guildId: server.guildId, channelId: server.channels.general };
    const second = server.member("second", [server.roles.managers]);
    await stack.fake
      .slashCommand(server.manager, "alert price", { ...AAPL, channel: server.channels.alerts }, here)
      .reply();
    await stack.fake
      .slashCommand(
        second,
        "alert price",
        { ticker: "MSFT", condition: "below", value: "300", channel: server.channels.alerts },
        here,
      )
      .reply();
    // One of the manager's own, in DMs: not the channel's.
    await stack.fake.slashCommand(server.manager, "alert price", { ...AAPL, value: "250" }).reply();

    const list = await stack.fake
      .slashCommand(server.manager, "alert list", { channel: server.channels.alerts }, here)
      .reply();
    expect(list.flags & 64).toBe(64);
    expect(list.content).toMatch(/^\*\*Alerts in #alerts\*\* \(2\)/);
    expect(list.content).toMatch(/1\. AAPL above \$200\.00/);
    expect(list.content).toMatch(/2\. MSFT below \$300\.00/);
    expect(list.content).not.toContain("$250.00");

    const msft = (await channelAlerts(server.manager, server.channels.alerts)).find(
      (a) => a.symbol === "MSFT",
    )!;
    const paused = await stack.fake
      .pressButton(server.manager, list, `in:${server.channels.alerts}:pause:${msft.id}`)
      .reply();
    expect(paused.content).toMatch(/Paused/);
    expect(
      (await channelAlerts(server.manager, server.channels.alerts)).find((a) => a.id === msft.id)?.status,
    ).toBe("paused");

    const refused = await stack.fake
      .slashCommand(server.plain, "alert list", { channel: server.channels.alerts }, here)
      .reply();
    expect(refused.content).toBe("To manage the alerts of #alerts you need **Manage Channels** there.");
  });

  it("pauses, resumes and removes a channel's alert by its number in the channel's list", async () => {
    const server = newServer();
    const here = { guildId: server.guildId, channelId: server.channels.general };
    const channel = { channel: server.channels.alerts };
    const second = server.member("second", [server.roles.managers]);
    await stack.fake.slashCommand(second, "alert price", { ...AAPL, ...channel }, here).reply();
    const pause = await stack.fake
      .slashCommand(server.manager, "alert pause", { alert: "1", ...channel }, here)
      .reply();
    expect(pause.content).toMatch(/Paused/);
    expect((await channelAlerts(server.manager, server.channels.alerts))[0]?.status).toBe("paused");
    const resume = await stack.fake
      .slashCommand(server.manager, "alert resume", { alert: "1", ...channel }, here)
      .reply();
    expect(resume.content).toMatch(/Resumed/);
    const plain = await stack.fake
      .slashCommand(server.plain, "alert remove", { alert: "1", ...channel }, here)
      .reply();
    expect(plain.content).toMatch(/need \*\*Manage Channels\*\*/);
    const removed = await stack.fake
      .slashCommand(server.manager, "alert remove", { alert: "1", ...channel }, here)
      .reply();
    expect(removed.content).toMatch(/Deleted/);
    expect(await channelAlerts(server.manager, server.channels.alerts)).toEqual([]);
  });
});

describe("a channel's alerts, in bulk and edited", () => {
  it("removes all of a channel's alerts after Yes, for a manager, and only the channel's", async () => {
    const server = newServer();
    const here = { guildId: server.guildId, channelId: server.channels.general };
    const channel = { channel: server.channels.alerts };
    const second = server.member("second", [server.roles.managers]);
    await stack.fake.slashCommand(second, "alert price", { ...AAPL, ...channel }, here).reply();
    await stack.fake
      .slashCommand(server.manager, "alert price", { ...AAPL, value: "210", ...channel }, here)
      .reply();
    await stack.fake.slashCommand(server.manager, "alert price", { ...AAPL, value: "250" }).reply();

    const ask = await stack.fake
      .slashCommand(server.manager, "alert remove", { alert: "all", ...channel }, here)
      .reply();
    // The channel's two, not the manager's own (the wording, "of your alerts", is bots/core's).
    expect(ask.content).toMatch(/^\*\*Delete all 2 .*\n• AAPL above \$200\.00\n• AAPL above \$210\.00$/);
    const ids = ask.components.flatMap((row) =>
      (row as { components: Array<{ custom_id: string }> }).components.map((b) => b.custom_id),
    );
    expect(ids.every((id) => id.startsWith(`in:${server.channels.alerts}:`))).toBe(true);
    // Someone who may not manage the channel's alerts cannot press it for them.
    const refused = await stack.fake.pressButton(server.plain, ask, ids[0]!).reply();
    expect(refused.content).toMatch(/need \*\*Manage Channels\*\*/);
    expect(await channelAlerts(server.manager, server.channels.alerts)).toHaveLength(2);

    const deleted = await stack.fake.pressButton(server.manager, ask, ids[0]!).reply();
    expect(deleted.content).toMatch(/^🗑 Deleted 2/);
    expect(await channelAlerts(server.manager, server.channels.alerts)).toEqual([]);
    // The manager's own DM alert is untouched.
    expect(
      (await stack.alerts.listAlerts(server.manager.id, { status: "open" })).map((a) => a.origin.kind),
    ).toEqual([undefined]);
  });

  it("edits a channel's alert in place", async () => {
    const server = newServer();
    const here = { guildId: server.guildId, channelId: server.channels.general };
    const channel = { channel: server.channels.alerts };
    const second = server.member("second", [server.roles.managers]);
    await stack.fake.slashCommand(second, "alert price", { ...AAPL, ...channel }, here).reply();
    const edited = await stack.fake
      .slashCommand(server.manager, "alert edit", { alert: "1", level: "210", ...channel }, here)
      .reply();
    expect(edited.content).toMatch(/210/);
    const [alert] = await channelAlerts(server.manager, server.channels.alerts);
    expect(alert?.condition).toMatchObject({ kind: "price", target: 210 });
  });
});

describe("autocomplete with channel", () => {
  it("offers the channel's alerts to whoever may manage them, and none to anyone else", async () => {
    const server = newServer();
    const here = { guildId: server.guildId, channelId: server.channels.general };
    const second = server.member("second", [server.roles.managers]);
    await stack.fake
      .slashCommand(second, "alert price", { ...AAPL, channel: server.channels.alerts }, here)
      .reply();
    const [alert] = await channelAlerts(second, server.channels.alerts);
    const typed = { alert: "", channel: server.channels.alerts };
    const choices = await stack.fake
      .autocomplete(server.manager, "alert pause", typed, "alert", here)
      .choices();
    expect(choices).toEqual([{ name: expect.stringMatching(/^1\. AAPL above \$200\.00/), value: alert!.id }]);
    expect(
      await stack.fake.autocomplete(server.plain, "alert pause", typed, "alert", here).choices(),
    ).toEqual([]);
  });
});

describe("channel posts", () => {
  async function channelAlert(server: ReturnType<typeof newServer>, options: Record<string, string> = {}) {
    await stack.fake
      .slashCommand(
        server.manager,
        "alert price",
        { ...AAPL, repeat: "1h", channel: server.channels.alerts, ...options },
        { guildId: server.guildId, channelId: server.channels.general },
      )
      .reply();
    const [alert] = await channelAlerts(server.manager, server.channels.alerts);
    if (!alert) throw new Error("the channel alert was not created");
    return alert;
  }

  it("posts in the channel with the embed and buttons, pinging exactly the alert's role", async () => {
    const server = newServer();
    const alert = await channelAlert(server, { mention: server.roles.traders });
    // A note can name anyone; the post still pings only the role.
    const note = `@everyone @here <@${server.plain.id}> <@&${server.roles.quiet}>`;
    expect(await delivery().pipeline.deliver(notificationFor(alert, note))).toEqual({
      status: "sent",
      attempts: 1,
    });
    const [post] = stack.fake.messagesIn(server.channels.alerts);
    expect(post?.content).toBe(`<@&${server.roles.traders}>`);
    expect(post?.allowedMentions).toEqual({ parse: [], roles: [server.roles.traders] });
    expect(post?.pings).toEqual({ everyone: false, roles: [server.roles.traders], users: [] });
    expect(post?.embeds[0]).toMatchObject({ title: "🔔 AAPL rose above $200.00" });
    const buttons = (post!.components[0] as { components: Array<{ custom_id: string }> }).components;
    expect(buttons.map((b) => b.custom_id)).toEqual([`snooze:${alert.id}`, `delete:${alert.id}`]);
    expect(stack.fake.dmsTo(server.manager)).toEqual([]);
  });

  it("pings nobody when the alert mentions no role", async () => {
    const server = newServer();
    const alert = await channelAlert(server);
    await delivery().pipeline.deliver(notificationFor(alert, `@everyone <@${server.plain.id}>`));
    const [post] = stack.fake.messagesIn(server.channels.alerts);
    expect(post?.content).toBe("");
    expect(post?.allowedMentions).toEqual({ parse: [] });
    expect(post?.pings).toEqual({ everyone: false, roles: [], users: [] });
  });

  it("its buttons refuse a member who may not manage the channel's alerts, and act for one who may", async () => {
    const server = newServer();
    const alert = await channelAlert(server);
    await delivery().pipeline.deliver(notificationFor(alert));
    const [post] = stack.fake.messagesIn(server.channels.alerts);
    const refused = await stack.fake.pressButton(server.plain, post!, `snooze:${alert.id}`).reply();
    expect(refused.flags & 64).toBe(64);
    expect(refused.content).toBe(
      `To manage the alerts of <#${server.channels.alerts}> you need **Manage Channels** there.`,
    );
    expect((await channelAlerts(server.manager, server.channels.alerts))[0]?.status).toBe("active");

    // Another manager than the creator: the channel's alerts are theirs to manage too.
    const other = server.member("other", [server.roles.managers]);
    const snoozed = await stack.fake.pressButton(other, post!, `snooze:${alert.id}`).reply();
    expect(snoozed.flags & 64).toBe(64);
    expect(snoozed.content).toMatch(/^Snoozed for 1 hour/);
    expect((await channelAlerts(server.manager, server.channels.alerts))[0]?.status).toBe("paused");
  });

  it("edits the chart into the channel's post", async () => {
    const server = newServer();
    const alert = await channelAlert(server);
    const { notifier } = delivery();
    const notification = notificationFor(alert);
    const sent = await notifier.send([notification]);
    expect(sent.chatId).toBe(server.channels.alerts);
    await notifier.attachChart(sent, notification, { chart: { png: null, missing: "no price history" } });
    const edited = stack.fake.message(sent.messageId);
    expect((edited!.embeds[0] as { footer: { text: string } }).footer.text).toBe(
      "Tickerbell · AAPL · chart unavailable: no price history",
    );
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
    await notifier.attachChart(sent, notification, { chart: { png, missing: null } });
    const charted = stack.fake.message(sent.messageId);
    expect(charted?.attachments.map((a) => a.filename)).toEqual(["AAPL.png"]);
    expect(charted?.embeds[0]).toMatchObject({ image: { url: expect.stringContaining("AAPL.png") } });
    expect(stack.fake.messagesIn(server.channels.alerts)).toHaveLength(1);
  });

  it("leaves out a chart the bot may not attach there, rather than losing the post", async () => {
    const server = newServer();
    const alert = await channelAlert(server);
    stack.fake.setOverwrite(server.channels.alerts, {
      id: stack.fake.applicationId,
      type: "member",
      deny: PermissionFlagsBits.AttachFiles,
    });
    const { notifier } = delivery();
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
    await notifier.send([notificationFor(alert)], { chart: { png, missing: null } });
    const [post] = stack.fake.messagesIn(server.channels.alerts);
    expect(post?.attachments).toEqual([]);
    expect((post!.embeds[0] as { footer: { text: string } }).footer.text).toMatch(
      /chart unavailable: I may not attach files/,
    );
  });

  it("pauses the alerts of a deleted channel and tells their creator by DM", async () => {
    const server = newServer();
    const alert = await channelAlert(server);
    stack.fake.deleteChannel(server.channels.alerts);
    const outcome = await delivery().pipeline.deliver(notificationFor(alert));
    expect(outcome).toEqual({ status: "undeliverable", reason: "channel_gone" });
    const [dm] = await stack.fake.waitForDms(server.manager, 1);
    expect(dm?.content).toMatch(/^⏸ Your AAPL alert posted in .* is paused: the channel no longer exists/);
    expect((await stack.alerts.getAlert(server.manager.id, alert.id)).status).toBe("paused");
  });

  it("pauses the alerts of a channel the bot may no longer post in (access_lost)", async () => {
    const server = newServer();
    const alert = await channelAlert(server);
    stack.fake.setOverwrite(server.channels.alerts, {
      id: stack.fake.applicationId,
      type: "member",
      deny: PermissionFlagsBits.SendMessages,
    });
    const outcome = await delivery().pipeline.deliver(notificationFor(alert));
    expect(outcome).toEqual({ status: "undeliverable", reason: "access_lost" });
    await expect
      .poll(async () => (await stack.alerts.getAlert(server.manager.id, alert.id)).status)
      .toBe("paused");
    const [dm] = await stack.fake.waitForDms(server.manager, 1);
    expect(dm?.content).toMatch(/no longer have the permissions to post there/);
  });
});

describe("tellUser", () => {
  it("DMs a plain text, pinging nobody", async () => {
    const user = newUser();
    await new DiscordNotifier(stack.bot.client).tellUser(user.id, "hello @everyone");
    const [dm] = stack.fake.dmsTo(user);
    expect(dm?.content).toBe("hello @everyone");
    expect(dm?.allowedMentions).toEqual({ parse: [] });
  });

  it("is refused like a notification when DMs are closed", async () => {
    const user = newUser();
    stack.fake.closeDms(user);
    await expect(new DiscordNotifier(stack.bot.client).tellUser(user.id, "hi")).rejects.toMatchObject({
      retryable: false,
      code: "dms_closed",
    });
  });
});
