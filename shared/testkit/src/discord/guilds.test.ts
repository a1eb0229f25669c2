import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  ChannelType,
  Client,
  DiscordAPIError,
  EmbedBuilder,
  Events,
  GatewayIntentBits,
  type Interaction,
  PermissionFlagsBits,
  SlashCommandBuilder,
  type TextChannel,
} from "discord.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FakeDiscord } from "./fake-discord.ts";

const OWNER = { id: "100000000000000101", username: "owner" };
const ALICE = { id: "100000000000000102", username: "alice" };
const BOB = { id: "100000000000000103", username: "bob" };
const STRANGER = { id: "100000000000000104", username: "stranger" };

const alertCommand = new SlashCommandBuilder()
  .setName("alert")
  .setDescription("Channel alerts")
  .addChannelOption((o) =>
    o
      .setName("channel")
      .setDescription("Where to post")
      .setRequired(true)
      .addChannelTypes(ChannelType.GuildText, ChannelType.GuildAnnouncement),
  )
  .addRoleOption((o) => o.setName("mention").setDescription("Role to ping"))
  .addMentionableOption((o) => o.setName("notify").setDescription("Someone to tell"));

async function login(client: Client, fake: FakeDiscord): Promise<void> {
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(fake.token);
  await ready;
}

async function apiError(promise: Promise<unknown>): Promise<DiscordAPIError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof DiscordAPIError))
    throw new Error(`Expected a DiscordAPIError, got ${String(error)}`);
  return error;
}

/** A plain REST call as the bot, for the refusals themselves (status and JSON code). */
async function rest(
  fake: FakeDiscord,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${fake.apiBase}/v10${path}`, {
    method,
    headers: { Authorization: `Bot ${fake.token}`, "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe("guild interactions seen by discord.js (no intents, as the Tickerbell bot runs)", () => {
  let fake: FakeDiscord;
  let client: Client;
  let handler: (interaction: Interaction) => Promise<void> = async () => {};
  const handlerErrors: unknown[] = [];
  let guildId: string;
  let alerts: string;
  let voice: string;
  let managers: string;
  let traders: string;

  beforeAll(async () => {
    fake = await FakeDiscord.start({ heartbeatIntervalMs: 1000 });
    client = new Client({ intents: [], rest: { api: fake.apiBase } });
    client.on(Events.InteractionCreate, (interaction) => {
      handler(interaction).catch((error: unknown) => handlerErrors.push(error));
    });
    await login(client, fake);
    await client.application?.commands.set([alertCommand.toJSON()]);
    guildId = fake.createGuild({ ownerId: OWNER, name: "Traders" });
    managers = fake.createRole(guildId, {
      name: "Managers",
      permissions: PermissionFlagsBits.ManageChannels,
    });
    traders = fake.createRole(guildId, { name: "Traders", mentionable: true });
    alerts = fake.createChannel(guildId, { name: "alerts" });
    voice = fake.createChannel(guildId, { name: "Lounge", type: ChannelType.GuildVoice });
    fake.addMember(guildId, ALICE);
    fake.addMember(guildId, BOB, [managers]);
  });

  afterAll(async () => {
    await client?.destroy();
    await fake?.close();
  });

  afterEach(() => {
    handler = async () => {};
    expect(handlerErrors.splice(0)).toEqual([]);
  });

  it("carries the member, its permissions in the channel, the bot's, and resolved channel and role options", async () => {
    let seen: Record<string, unknown> = {};
    handler = async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      const channel = interaction.options.getChannel("channel", true);
      const role = interaction.options.getRole("mention");
      seen = {
        guildId: interaction.guildId,
        channelId: interaction.channelId,
        memberRoles:
          interaction.member && "roles" in interaction.member ? interaction.member.roles : undefined,
        manageChannels: interaction.memberPermissions?.has(PermissionFlagsBits.ManageChannels),
        botCanSend: interaction.appPermissions.has(PermissionFlagsBits.SendMessages),
        botCanMentionEveryone: interaction.appPermissions.has(PermissionFlagsBits.MentionEveryone),
        channel: { id: channel.id, type: channel.type, name: channel.name },
        channelPermissions: "permissions" in channel ? String(channel.permissions) : undefined,
        role: role ? { id: role.id, name: role.name, mentionable: role.mentionable } : null,
      };
      await interaction.reply({ content: "ok", flags: 64 });
    };
    await fake
      .slashCommand(BOB, "alert", { channel: alerts, mention: traders }, { guildId, channelId: alerts })
      .reply();
    expect(seen).toEqual({
      guildId,
      channelId: alerts,
      memberRoles: [managers],
      manageChannels: true,
      botCanSend: true,
      botCanMentionEveryone: false,
      channel: { id: alerts, type: ChannelType.GuildText, name: "alerts" },
      channelPermissions: fake.permissionsIn(alerts, BOB).toString(),
      role: { id: traders, name: "Traders", mentionable: true },
    });

    await fake.slashCommand(ALICE, "alert", { channel: alerts }, { guildId, channelId: alerts }).reply();
    expect(seen.manageChannels).toBe(false);
    expect(seen.role).toBeNull();
  });

  it("computes the member's permissions in the invoking channel, overwrites included, and follows changes", async () => {
    let manage: boolean | undefined;
    handler = async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      manage = interaction.memberPermissions?.has(PermissionFlagsBits.ManageChannels);
      await interaction.reply({ content: "ok", flags: 64 });
    };
    fake.setOverwrite(alerts, { id: ALICE.id, type: "member", allow: PermissionFlagsBits.ManageChannels });
    await fake.slashCommand(ALICE, "alert", { channel: alerts }, { guildId, channelId: alerts }).reply();
    expect(manage).toBe(true);
    fake.removeOverwrite(alerts, ALICE.id);
    fake.setMemberRoles(guildId, ALICE, [managers]);
    fake.setOverwrite(alerts, { id: managers, type: "role", deny: PermissionFlagsBits.ManageChannels });
    await fake.slashCommand(ALICE, "alert", { channel: alerts }, { guildId, channelId: alerts }).reply();
    expect(manage).toBe(false);
    fake.removeOverwrite(alerts, managers);
    fake.setMemberRoles(guildId, ALICE, []);
  });

  it("resolves a mentionable option to a member or a role", async () => {
    let notified: string | undefined;
    handler = async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      // Without a cached guild discord.js gives a member as raw data, so read the user (or the role) instead.
      notified = interaction.options.getUser("notify")?.id ?? interaction.options.getRole("notify")?.id;
      await interaction.reply({ content: "ok", flags: 64 });
    };
    await fake.slashCommand(BOB, "alert", { channel: alerts, notify: ALICE.id }, { guildId }).reply();
    expect(notified).toBe(ALICE.id);
    await fake.slashCommand(BOB, "alert", { channel: alerts, notify: traders }, { guildId }).reply();
    expect(notified).toBe(traders);
  });

  it("refuses what Discord's client would not send: wrong channel type, another guild's ids, non-members", () => {
    const other = fake.createGuild({ ownerId: OWNER });
    const elsewhere = fake.createChannel(other);
    const foreignRole = fake.createRole(other);
    const place = { guildId, channelId: alerts };
    expect(() => fake.slashCommand(BOB, "alert", { channel: voice }, place)).toThrow(
      /has type 2, not one of 0, 5/,
    );
    expect(() => fake.slashCommand(BOB, "alert", { channel: elsewhere }, place)).toThrow(/has no channel/);
    expect(() => fake.slashCommand(BOB, "alert", { channel: alerts, mention: foreignRole }, place)).toThrow(
      /has no role/,
    );
    expect(() => fake.slashCommand(BOB, "alert", { channel: "alerts" }, place)).toThrow(/takes an id/);
    expect(() => fake.slashCommand(STRANGER, "alert", { channel: alerts }, place)).toThrow(/not a member/);
    expect(() => fake.slashCommand(BOB, "alert", { channel: alerts })).toThrow(/need a guild/);
    const hidden = fake.createChannel(guildId, {
      overwrites: [{ id: guildId, type: "role", deny: PermissionFlagsBits.ViewChannel }],
    });
    expect(() =>
      fake.slashCommand(ALICE, "alert", { channel: alerts }, { guildId, channelId: hidden }),
    ).toThrow(/cannot view channel/);
  });

  it("puts the presser's permissions on a button press under a channel post", async () => {
    const posted = await rest(fake, "POST", `/channels/${alerts}/messages`, {
      content: "AAPL crossed 200",
      components: [
        new ActionRowBuilder<ButtonBuilder>()
          .addComponents(
            new ButtonBuilder().setCustomId("pause:1").setLabel("Pause").setStyle(ButtonStyle.Secondary),
          )
          .toJSON(),
      ],
    });
    expect(posted.status).toBe(200);
    const seen: { user: string; manage: boolean | undefined; guild: string | null }[] = [];
    handler = async (interaction) => {
      if (!interaction.isButton()) return;
      seen.push({
        user: interaction.user.id,
        manage: interaction.memberPermissions?.has(PermissionFlagsBits.ManageChannels),
        guild: interaction.guildId,
      });
      await interaction.reply({ content: "ok", flags: 64 });
    };
    const id = String(posted.json.id);
    await fake.pressButton(ALICE, id, "pause:1").reply();
    await fake.pressButton(BOB, id, "pause:1").reply();
    expect(seen).toEqual([
      { user: ALICE.id, manage: false, guild: guildId },
      { user: BOB.id, manage: true, guild: guildId },
    ]);
  });

  it("answers the GET routes discord.js uses with real-shaped objects, and 50001 once the bot is gone", async () => {
    const guild = await client.guilds.fetch(guildId);
    expect(guild.ownerId).toBe(OWNER.id);
    const roles = await guild.roles.fetch();
    expect(roles.get(traders)?.mentionable).toBe(true);
    expect(roles.get(guildId)?.name).toBe("@everyone");
    const channels = await guild.channels.fetch();
    expect(channels.get(alerts)?.name).toBe("alerts");
    const member = await guild.members.fetch(BOB.id);
    expect(member.roles.cache.has(managers)).toBe(true);
    const channel = (await client.channels.fetch(alerts)) as TextChannel;
    expect(channel.permissionsFor(BOB.id)?.has(PermissionFlagsBits.ManageChannels)).toBe(true);
    expect((await apiError(guild.members.fetch(STRANGER.id))).code).toBe(10007);

    const gone = fake.createGuild({ ownerId: OWNER });
    const room = fake.createChannel(gone);
    fake.removeBotFromGuild(gone);
    expect((await apiError(client.guilds.fetch(gone))).code).toBe(50001);
    expect((await apiError(client.channels.fetch(room))).code).toBe(50001);
    expect((await rest(fake, "GET", "/guilds/1")).json.code).toBe(10004);
  });
});

describe("posting in guild channels (plain REST)", () => {
  let fake: FakeDiscord;
  let guildId: string;
  let everyoneRole: string;
  let traders: string;
  let quiet: string;

  beforeAll(async () => {
    fake = await FakeDiscord.start();
    // Several posts per channel here; the per-channel bucket (5 per 5 s) is not what these tests are about.
    fake.setRouteLimit("POST /channels/:channel_id/messages", null);
    guildId = fake.createGuild({ ownerId: OWNER });
    everyoneRole = guildId;
    traders = fake.createRole(guildId, { name: "Traders", mentionable: true });
    quiet = fake.createRole(guildId, { name: "Quiet" });
    fake.addMember(guildId, ALICE);
  });

  afterAll(async () => {
    await fake?.close();
  });

  it("posts, records the message, and edits it like a DM", async () => {
    const channel = fake.createChannel(guildId);
    const waiting = fake.waitForChannelMessage(channel, (m) => m.content === "edited");
    const posted = await rest(fake, "POST", `/channels/${channel}/messages`, { content: "first" });
    expect(posted.status).toBe(200);
    expect(posted.json).toMatchObject({ channel_id: channel, guild_id: guildId, content: "first" });
    const edited = await rest(fake, "PATCH", `/channels/${channel}/messages/${String(posted.json.id)}`, {
      content: "edited",
    });
    expect(edited.status).toBe(200);
    expect((await waiting).id).toBe(posted.json.id);
    expect(fake.messagesIn(channel).map((m) => m.content)).toEqual(["edited"]);
  });

  it("refuses with 50001 Missing Access when the bot cannot view the channel", async () => {
    const channel = fake.createChannel(guildId, {
      overwrites: [{ id: fake.applicationId, type: "member", deny: PermissionFlagsBits.ViewChannel }],
    });
    const refused = await rest(fake, "POST", `/channels/${channel}/messages`, { content: "hi" });
    expect(refused).toEqual({ status: 403, json: { message: "Missing Access", code: 50001 } });
    expect((await rest(fake, "GET", `/channels/${channel}`)).json.code).toBe(50001);
  });

  it("refuses with 50013 Missing Permissions without SEND_MESSAGES, EMBED_LINKS for an embed, ATTACH_FILES for a file", async () => {
    const noSend = fake.createChannel(guildId, {
      overwrites: [{ id: everyoneRole, type: "role", deny: PermissionFlagsBits.SendMessages }],
    });
    expect(await rest(fake, "POST", `/channels/${noSend}/messages`, { content: "hi" })).toEqual({
      status: 403,
      json: { message: "Missing Permissions", code: 50013 },
    });

    const noEmbeds = fake.createChannel(guildId, {
      overwrites: [{ id: everyoneRole, type: "role", deny: PermissionFlagsBits.EmbedLinks }],
    });
    const embed = new EmbedBuilder().setTitle("AAPL").toJSON();
    expect((await rest(fake, "POST", `/channels/${noEmbeds}/messages`, { embeds: [embed] })).json.code).toBe(
      50013,
    );
    expect(
      (await rest(fake, "POST", `/channels/${noEmbeds}/messages`, { content: "text only" })).status,
    ).toBe(200);

    const noFiles = fake.createChannel(guildId, {
      overwrites: [{ id: everyoneRole, type: "role", deny: PermissionFlagsBits.AttachFiles }],
    });
    const form = new FormData();
    form.append("payload_json", JSON.stringify({ content: "chart" }));
    form.append("files[0]", new Blob([new Uint8Array([1, 2, 3])], { type: "image/png" }), "chart.png");
    const upload = await fetch(`${fake.apiBase}/v10/channels/${noFiles}/messages`, {
      method: "POST",
      headers: { Authorization: `Bot ${fake.token}` },
      body: form,
    });
    expect(upload.status).toBe(403);
    expect(((await upload.json()) as { code: number }).code).toBe(50013);
    expect(fake.messagesIn(noFiles)).toEqual([]);

    const category = fake.createChannel(guildId, { type: ChannelType.GuildCategory });
    expect((await rest(fake, "POST", `/channels/${category}/messages`, { content: "hi" })).json.code).toBe(
      50008,
    );
  });

  it("answers 404 / 10003 Unknown Channel for a deleted or unknown channel, and 50001 once the bot is removed", async () => {
    const channel = fake.createChannel(guildId);
    fake.deleteChannel(channel);
    expect(await rest(fake, "POST", `/channels/${channel}/messages`, { content: "hi" })).toEqual({
      status: 404,
      json: { message: "Unknown Channel", code: 10003 },
    });
    expect((await rest(fake, "POST", "/channels/1/messages", { content: "hi" })).json.code).toBe(10003);

    const other = fake.createGuild({ ownerId: OWNER });
    const room = fake.createChannel(other);
    const posted = await rest(fake, "POST", `/channels/${room}/messages`, { content: "before" });
    fake.removeBotFromGuild(other);
    expect((await rest(fake, "POST", `/channels/${room}/messages`, { content: "after" })).json.code).toBe(
      50001,
    );
    expect(
      (await rest(fake, "PATCH", `/channels/${room}/messages/${String(posted.json.id)}`, { content: "x" }))
        .json.code,
    ).toBe(50001);
  });

  it("records allowed_mentions and who was actually pinged", async () => {
    const channel = fake.createChannel(guildId);
    const content = `<@&${traders}> <@&${quiet}> @everyone <@${ALICE.id}>`;
    const post = async (body: Record<string, unknown>) => {
      const posted = await rest(fake, "POST", `/channels/${channel}/messages`, { content, ...body });
      expect(posted.status).toBe(200);
      return { json: posted.json, record: fake.message(String(posted.json.id)) };
    };

    const onlyTraders = await post({ allowed_mentions: { parse: [], roles: [traders] } });
    expect(onlyTraders.record?.pings).toEqual({ everyone: false, roles: [traders], users: [] });
    expect(onlyTraders.record?.allowedMentions).toEqual({ parse: [], roles: [traders] });
    expect(onlyTraders.json).toMatchObject({
      mention_everyone: false,
      mention_roles: [traders],
      mentions: [],
    });

    // Without allowed_mentions everything written may ping, but a bot without MENTION_EVERYONE reaches neither
    // @everyone nor a role that is not mentionable.
    const defaults = await post({});
    expect(defaults.record?.pings).toEqual({ everyone: false, roles: [traders], users: [ALICE.id] });
    expect(defaults.record?.allowedMentions).toBeNull();

    const botRole = fake.createRole(guildId, { permissions: PermissionFlagsBits.MentionEveryone });
    fake.setMemberRoles(guildId, fake.applicationId, [botRole]);
    expect((await post({})).record?.pings).toEqual({
      everyone: true,
      roles: [traders, quiet],
      users: [ALICE.id],
    });
    expect((await post({ allowed_mentions: { parse: ["roles"] } })).record?.pings).toEqual({
      everyone: false,
      roles: [traders, quiet],
      users: [],
    });
    fake.setMemberRoles(guildId, fake.applicationId, []);

    const invalid = await rest(fake, "POST", `/channels/${channel}/messages`, {
      content,
      allowed_mentions: { parse: ["roles"], roles: [traders] },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.json.code).toBe(50035);
    expect(JSON.stringify(invalid.json.errors)).toContain("mutually exclusive");
    expect(
      (
        await rest(fake, "POST", `/channels/${channel}/messages`, {
          content,
          allowed_mentions: { parse: ["all"] },
        })
      ).json.code,
    ).toBe(50035);
  });

  it("explains a bad test-side call instead of crashing", () => {
    expect(() => fake.createRole("1")).toThrow(/no guild 1; create it with createGuild/);
    expect(() => fake.addMember(guildId, ALICE)).toThrow(/already a member/);
    expect(() => fake.setMemberRoles(guildId, ALICE, ["2"])).toThrow(/has no role 2/);
    expect(() => fake.setMemberRoles(guildId, ALICE, [guildId])).toThrow(/@everyone is implied/);
    expect(() => fake.createChannel(guildId, { type: 13 })).toThrow(/not one the fake models/);
    const channel = fake.createChannel(guildId);
    expect(() => fake.setOverwrite(channel, { id: STRANGER.id, type: "member", deny: 1n })).toThrow(
      /not a member/,
    );
    expect(() => fake.createRole(guildId, { permissions: "lots" })).toThrow(/decimal bitfield/);
    expect(() => fake.permissionsIn("3", ALICE)).toThrow(/no channel 3/);
  });
});

describe("a bot with the GUILDS intent", () => {
  let fake: FakeDiscord;
  let client: Client;
  let guildId: string;
  let alerts: string;

  beforeAll(async () => {
    fake = await FakeDiscord.start();
    guildId = fake.createGuild({ ownerId: OWNER, name: "Traders" });
    alerts = fake.createChannel(guildId, { name: "alerts" });
    client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiBase } });
    await login(client, fake);
  });

  afterAll(async () => {
    await client?.destroy();
    await fake?.close();
  });

  it("gets GUILD_CREATE after READY: the guild, its channels and the bot's member are cached", () => {
    const guild = client.guilds.cache.get(guildId);
    expect(guild?.available).toBe(true);
    expect(guild?.members.me?.id).toBe(fake.applicationId);
    const channel = client.channels.cache.get(alerts) as TextChannel | undefined;
    expect(channel?.name).toBe("alerts");
    expect(channel?.permissionsFor(fake.applicationId)?.bitfield).toBe(
      fake.permissionsIn(alerts, fake.applicationId),
    );
  });

  it("sees channel.send refused with DiscordAPIError 50013, and follows overwrite changes", async () => {
    const channel = client.channels.cache.get(alerts) as TextChannel;
    const embeds = [new EmbedBuilder().setTitle("AAPL crossed 200")];
    await channel.send({ embeds });
    fake.setOverwrite(alerts, {
      id: fake.applicationId,
      type: "member",
      deny: PermissionFlagsBits.EmbedLinks,
    });
    await expect
      .poll(() => channel.permissionsFor(fake.applicationId)?.has(PermissionFlagsBits.EmbedLinks))
      .toBe(false);
    const refused = await apiError(channel.send({ embeds }));
    expect(refused.code).toBe(50013);
    expect(refused.status).toBe(403);
    expect(fake.messagesIn(alerts)).toHaveLength(1);
  });

  it("gets CHANNEL_DELETE and GUILD_DELETE", async () => {
    const doomed = fake.createChannel(guildId);
    await expect.poll(() => client.channels.cache.has(doomed)).toBe(true);
    fake.deleteChannel(doomed);
    await expect.poll(() => client.channels.cache.has(doomed)).toBe(false);
    fake.removeBotFromGuild(guildId);
    await expect.poll(() => client.guilds.cache.has(guildId)).toBe(false);
  });
});

describe("a bot without intents whose guild exists before it logs in", () => {
  let fake: FakeDiscord;
  let client: Client;

  afterAll(async () => {
    await client?.destroy();
    await fake?.close();
  });

  it("is ready at once (READY lists the guild as unavailable) and gets the guild's interactions", async () => {
    fake = await FakeDiscord.start();
    const guildId = fake.createGuild({ ownerId: OWNER });
    const alerts = fake.createChannel(guildId);
    client = new Client({ intents: [], rest: { api: fake.apiBase } });
    await login(client, fake);
    expect(client.guilds.cache.get(guildId)?.available).toBe(false);
    expect(fake.stats().gateway.dispatches).toBe(1);

    let manage: boolean | undefined;
    client.on(Events.InteractionCreate, (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      manage = interaction.memberPermissions?.has(PermissionFlagsBits.ManageChannels);
      interaction.reply({ content: "ok", flags: 64 }).catch(() => {});
    });
    await fake.slashCommand(OWNER, "alert", {}, { guildId, channelId: alerts }).reply();
    expect(manage).toBe(true);
  });
});
