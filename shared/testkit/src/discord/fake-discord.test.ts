import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  Client,
  DiscordAPIError,
  EmbedBuilder,
  Events,
  type Interaction,
  MessageFlags,
  SlashCommandBuilder,
} from "discord.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FakeDiscord, type FakeDiscordOptions } from "./fake-discord.ts";

const ALICE = { id: "100000000000000001", username: "alice" };
const BOB = { id: "100000000000000002", username: "bob" };
const CAROL = { id: "100000000000000013", username: "carol", globalName: "Carol" };

/** The options the Tickerbell bot passes to discord.js; nothing else is needed to run against the fake. */
function clientFor(fake: FakeDiscord): Client {
  return new Client({ intents: [], rest: { api: fake.apiBase } });
}

async function login(fake: FakeDiscord, client: Client): Promise<void> {
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

const alertCommand = new SlashCommandBuilder()
  .setName("alert")
  .setDescription("Price alerts")
  .addSubcommand((sub) =>
    sub
      .setName("price")
      .setDescription("Alert when a price crosses a level")
      .addStringOption((o) =>
        o.setName("ticker").setDescription("Symbol").setRequired(true).setAutocomplete(true),
      )
      .addStringOption((o) =>
        o
          .setName("condition")
          .setDescription("Direction")
          .setRequired(true)
          .addChoices({ name: "above", value: "above" }, { name: "below", value: "below" }),
      )
      .addNumberOption((o) => o.setName("value").setDescription("Price").setRequired(true).setMinValue(0))
      .addBooleanOption((o) => o.setName("repeat").setDescription("Re-arm after firing")),
  )
  .addSubcommand((sub) => sub.setName("list").setDescription("Your alerts"));

const uploadCommand = new SlashCommandBuilder()
  .setName("upload")
  .setDescription("Send a file")
  .addAttachmentOption((o) => o.setName("file").setDescription("The file").setRequired(true));

describe("FakeDiscord with the real discord.js client", () => {
  let fake: FakeDiscord;
  let client: Client;
  /** What the bot under test does with the next interaction; errors land in `handlerErrors`. */
  let handler: (interaction: Interaction) => Promise<void> = async () => {};
  const handlerErrors: unknown[] = [];

  beforeAll(async () => {
    fake = await FakeDiscord.start({ heartbeatIntervalMs: 250 });
    client = clientFor(fake);
    client.on(Events.InteractionCreate, (interaction) => {
      handler(interaction).catch((error: unknown) => handlerErrors.push(error));
    });
    await login(fake, client);
    await client.application?.commands.set([alertCommand.toJSON()]);
  });

  afterAll(async () => {
    await client?.destroy();
    await fake?.close();
  });

  afterEach(() => {
    handler = async () => {};
    expect(handlerErrors.splice(0)).toEqual([]);
  });

  it("logs in: READY carries the bot user and application, and heartbeats are acknowledged", async () => {
    expect(client.isReady()).toBe(true);
    expect(client.user?.id).toBe(fake.applicationId);
    expect(client.user?.bot).toBe(true);
    expect(client.application?.id).toBe(fake.applicationId);
    expect((await client.application?.fetch())?.name).toBe("Tickerbell");
    const stats = await fake.waitForGateway((s) => s.heartbeats >= 2);
    expect(stats.identifies).toBe(1);
    await expect.poll(() => client.ws.ping).toBeGreaterThanOrEqual(0);
  });

  it("records the registered commands with ids and refuses an invalid declaration like Discord", async () => {
    const [registered] = fake.registeredCommands();
    expect(registered).toMatchObject({ name: "alert", application_id: fake.applicationId, type: 1 });
    expect(registered?.id).toMatch(/^\d+$/);
    expect(fake.commandRegistrations().at(-1)).toMatchObject({
      method: "PUT",
      guildId: null,
      body: [JSON.parse(JSON.stringify(alertCommand.toJSON()))],
    });

    const guildCommands = await client.application?.commands.set(
      [alertCommand.toJSON()],
      "900000000000000001",
    );
    expect(guildCommands?.first()?.guildId).toBe("900000000000000001");
    expect(fake.registeredCommands("900000000000000001")).toHaveLength(1);

    const error = await apiError(
      client.rest.put(`/applications/${fake.applicationId}/commands`, {
        body: [{ name: "Alert", description: "bad name" }],
      }),
    );
    expect(error.code).toBe(50035);
    expect(fake.registeredCommands()[0]?.name).toBe("alert");
  });

  it("delivers a slash command with its subcommand and typed options; an ephemeral reply is a type 4 callback with flags 64", async () => {
    const seen: Record<string, unknown> = {};
    handler = async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      seen.subcommand = interaction.options.getSubcommand();
      seen.ticker = interaction.options.getString("ticker");
      seen.value = interaction.options.getNumber("value");
      seen.repeat = interaction.options.getBoolean("repeat");
      seen.userId = interaction.user.id;
      seen.inGuild = interaction.inGuild();
      await interaction.reply({ content: "Alert set", flags: MessageFlags.Ephemeral });
    };
    const sent = fake.slashCommand(ALICE, "alert price", {
      ticker: "AAPL",
      condition: "above",
      value: 199.5,
      repeat: true,
    });
    const reply = await sent.reply();
    expect(reply).toMatchObject({ content: "Alert set", flags: 64, interactionId: sent.id });
    expect(fake.interactionResponses(sent.id)).toEqual([
      {
        kind: "callback",
        type: 4,
        data: expect.objectContaining({ content: "Alert set", flags: 64 }),
        at: expect.any(Number),
      },
    ]);
    expect(seen).toEqual({
      subcommand: "price",
      ticker: "AAPL",
      value: 199.5,
      repeat: true,
      userId: ALICE.id,
      inGuild: false,
    });
  });

  it("checks slash-command options against the registered declaration, as Discord's client does", () => {
    expect(() =>
      fake.slashCommand(ALICE, "alert price", { ticker: "AAPL", condition: "sideways", value: 1 }),
    ).toThrow(/one of/);
    expect(() => fake.slashCommand(ALICE, "alert price", { ticker: "AAPL", value: 1 })).toThrow(
      /requires option "condition"/,
    );
    expect(() => fake.slashCommand(ALICE, "alert nope")).toThrow(/no subcommand/);
    expect(() => fake.slashCommand(ALICE, "alert list", { extra: 1 })).toThrow(/no option "extra"/);
    expect(() => fake.slashCommand(ALICE, "alrt list")).toThrow(/\/alrt is not registered/);
    // validate: false sends what the test says, for checking how the bot copes with payloads Discord would not send.
    expect(() => fake.slashCommand(ALICE, "alrt list", {}, { validate: false })).not.toThrow();
  });

  it("delivers guild interactions with a member", async () => {
    let memberId: string | undefined;
    handler = async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      memberId = interaction.inGuild() ? (interaction.member?.user.id ?? undefined) : undefined;
      await interaction.reply({ content: `guild ${interaction.guildId}`, flags: MessageFlags.Ephemeral });
    };
    const sent = fake.slashCommand(BOB, "alert list", {}, { guildId: "900000000000000001" });
    expect((await sent.reply()).content).toBe("guild 900000000000000001");
    expect(memberId).toBe(BOB.id);
  });

  it("supports deferReply then editReply through the follow-up webhook, and follow-ups", async () => {
    handler = async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      const edited = await interaction.editReply({ content: "Your alerts: none" });
      await interaction.followUp({
        content: edited.id ? "also this" : "no id",
        flags: MessageFlags.Ephemeral,
      });
    };
    const sent = fake.slashCommand(ALICE, "alert list");
    const reply = await sent.reply();
    expect(reply).toMatchObject({ content: "Your alerts: none", flags: 64 });
    await sent.next();
    await sent.next();
    const followup = await sent.next();
    expect(sent.responses.map((r) => r.kind)).toEqual(["callback", "edit", "followup"]);
    expect(sent.responses[0]).toMatchObject({ kind: "callback", type: 5, data: { flags: 64 } });
    expect(followup).toMatchObject({ kind: "followup", body: { content: "also this", flags: 64 } });
  });

  it("records autocomplete choices; the focused option arrives as typed text", async () => {
    let focused: unknown;
    handler = async (interaction) => {
      if (!interaction.isAutocomplete()) return;
      focused = interaction.options.getFocused(true);
      await interaction.respond([
        { name: "AAPL — Apple Inc.", value: "AAPL" },
        { name: "AAL — American Airlines", value: "AAL" },
      ]);
    };
    const sent = fake.autocomplete(ALICE, "alert price", { condition: "above", ticker: "AA" }, "ticker");
    expect(await sent.choices()).toEqual([
      { name: "AAPL — Apple Inc.", value: "AAPL" },
      { name: "AAL — American Airlines", value: "AAL" },
    ]);
    expect(focused).toMatchObject({ name: "ticker", value: "AA", focused: true });
  });

  it("sends a DM with an embed and buttons; a button press reaches the handler and update() edits the DM", async () => {
    const user = await client.users.fetch(ALICE.id);
    const dm = await user.createDM();
    await dm.send({
      embeds: [new EmbedBuilder().setTitle("AAPL crossed 200").setDescription("Now 201.30").toJSON()],
      components: [
        new ActionRowBuilder<ButtonBuilder>().addComponents(
          new ButtonBuilder().setCustomId("snooze:1").setLabel("Snooze 1h").setStyle(ButtonStyle.Secondary),
          new ButtonBuilder().setCustomId("delete:1").setLabel("Delete").setStyle(ButtonStyle.Danger),
        ),
      ],
    });
    const [notification] = await fake.waitForDms(ALICE);
    expect(notification?.embeds[0]).toMatchObject({ title: "AAPL crossed 200", description: "Now 201.30" });
    expect(notification?.components[0]).toMatchObject({
      type: 1,
      components: [{ custom_id: "snooze:1" }, { custom_id: "delete:1" }],
    });

    let pressed: string | undefined;
    handler = async (interaction) => {
      if (!interaction.isButton()) return;
      pressed = `${interaction.customId} by ${interaction.user.id} on ${interaction.message.id}`;
      await interaction.update({ content: "Deleted", embeds: [], components: [] });
    };
    if (!notification) throw new Error("no DM recorded");
    const press = fake.pressButton(ALICE, notification, "delete:1");
    const updated = await press.reply();
    expect(pressed).toBe(`delete:1 by ${ALICE.id} on ${notification.id}`);
    expect(updated).toMatchObject({ id: notification.id, content: "Deleted", embeds: [], components: [] });
    expect(fake.dmsTo(ALICE)).toHaveLength(1);
    expect(() => fake.pressButton(ALICE, notification, "delete:1")).toThrow(/no button/);
  });

  it("supports deferUpdate then editReply on a button press, and reply({ withResponse })", async () => {
    const dm = await client.users.createDM(CAROL.id);
    const sent = await dm.send({
      content: "MSFT crossed 400",
      components: [
        new ActionRowBuilder<ButtonBuilder>().addComponents(
          new ButtonBuilder().setCustomId("rearm:7").setLabel("Re-arm").setStyle(ButtonStyle.Primary),
        ),
      ],
    });
    handler = async (interaction) => {
      if (!interaction.isButton()) return;
      await interaction.deferUpdate();
      await interaction.editReply({ content: "Re-armed", components: [] });
    };
    const press = fake.pressButton(CAROL, sent.id, "rearm:7");
    expect(await press.reply()).toMatchObject({ id: sent.id, content: "Re-armed", components: [] });
    expect(press.responses.map((r) => (r.kind === "callback" ? `callback ${r.type}` : r.kind))).toEqual([
      "callback 6",
      "edit",
    ]);

    let responseMessageId: string | undefined;
    handler = async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      const response = await interaction.reply({
        content: "with response",
        flags: MessageFlags.Ephemeral,
        withResponse: true,
      });
      responseMessageId = response.resource?.message?.id;
    };
    const command = fake.slashCommand(CAROL, "alert list");
    const reply = await command.reply();
    await expect.poll(() => responseMessageId).toBe(reply.id);
  });

  it("keeps the files uploaded with a DM (multipart), bytes included, for an embed's attachment:// image", async () => {
    const user = { id: "100000000000000777", username: "pictures" };
    const dm = await client.users.createDM(user.id);
    const png = Buffer.from("89504e470d0a1a0a0000000d49484452", "hex");
    await dm.send({
      embeds: [{ title: "AAPL", image: { url: "attachment://AAPL.png" } }],
      files: [{ attachment: png, name: "AAPL.png" }],
    });
    const [sent] = fake.dmsTo(user);
    expect(sent?.attachments.map((a) => [a.filename, a.data])).toEqual([["AAPL.png", png]]);
  });

  it("stores a file name with other characters than letters, digits, dots, dashes and underscores sanitized, as Discord does", async () => {
    const user = { id: "100000000000000778", username: "pairs" };
    const dm = await client.users.createDM(user.id);
    await dm.send({ files: [{ attachment: Buffer.from("x"), name: "BINANCE:BTCUSDT 1d.png" }] });
    const [sent] = fake.dmsTo(user);
    // The original name survives as the title; an embed's attachment:// must name the sanitized one.
    expect(sent?.attachments.map((a) => [a.filename, a.title])).toEqual([
      ["BINANCEBTCUSDT1d.png", "BINANCE:BTCUSDT 1d.png"],
    ]);
  });

  it("answers 403 / 50007 for a user whose DMs are closed", async () => {
    fake.closeDms(BOB);
    const dm = await client.users.createDM(BOB.id);
    const error = await apiError(dm.send({ content: "AAPL crossed 200" }));
    expect(error.status).toBe(403);
    expect(error.code).toBe(50007);
    expect(fake.dmsTo(BOB)).toEqual([]);
    fake.openDms(BOB);
  });

  it("rides out a 429 storm: discord.js waits for Retry-After and the message is delivered once", async () => {
    const user = { id: "100000000000000003" };
    const dm = await client.users.createDM(user.id);
    const before = fake.tooManyRequestsSent;
    fake.rateLimitStorm(600);
    await dm.send({ content: "after the storm" });
    expect(fake.tooManyRequestsSent).toBeGreaterThan(before);
    expect(fake.stats().tooManyRequestsByCause.storm).toBeGreaterThan(0);
    expect(fake.dmsTo(user).map((m) => m.content)).toEqual(["after the storm"]);
  });

  it("sends rate-limit headers that discord.js follows: a full bucket is waited out without a 429", async () => {
    const user = { id: "100000000000000004" };
    const dm = await client.users.createDM(user.id);
    fake.setRouteLimit("POST /channels/:channel_id/messages", { limit: 2, windowMs: 400 });
    const before = fake.stats().tooManyRequestsByCause.route;
    await Promise.all([1, 2, 3, 4, 5].map((n) => dm.send({ content: `message ${n}` })));
    fake.setRouteLimit("POST /channels/:channel_id/messages", null);
    expect(fake.dmsTo(user)).toHaveLength(5);
    expect(fake.stats().tooManyRequestsByCause.route).toBe(before);
  });

  it("answers 429 global beyond the global budget and discord.js retries", async () => {
    const channels = await Promise.all(
      ["5", "6", "7", "8", "9", "10"].map((n) =>
        client.users.createDM(`1000000000000000${n.padStart(2, "0")}`),
      ),
    );
    fake.setGlobalLimit(2);
    const before = fake.stats().tooManyRequestsByCause.global;
    await Promise.all(channels.map((dm, i) => dm.send({ content: `burst ${i}` })));
    fake.setGlobalLimit(50);
    expect(fake.stats().tooManyRequestsByCause.global).toBeGreaterThan(before);
    for (const dm of channels) expect(fake.messagesIn(dm.id)).toHaveLength(1);
  });

  it("injects failures: 5xx are retried by discord.js, 4xx reach the caller", async () => {
    const dm = await client.users.createDM("100000000000000011");
    fake.failNext(2, 502, { route: "POST /channels/:channel_id/messages" });
    await dm.send({ content: "eventually" });
    expect(fake.messagesIn(dm.id).map((m) => m.content)).toEqual(["eventually"]);
    fake.failNext(1, 400, { route: /^POST \/channels\//, code: 50035, message: "Invalid Form Body" });
    expect((await apiError(dm.send({ content: "refused" }))).code).toBe(50035);
    expect(fake.stats().injectedFailures).toBeGreaterThanOrEqual(3);
  });

  it("de-duplicates by nonce when enforce_nonce is set and validates message limits", async () => {
    const dm = await client.users.createDM("100000000000000012");
    const first = await dm.send({ content: "once", nonce: "alert-42-fire-1", enforceNonce: true });
    const again = await dm.send({ content: "once", nonce: "alert-42-fire-1", enforceNonce: true });
    expect(again.id).toBe(first.id);
    expect(fake.messagesIn(dm.id)).toHaveLength(1);
    expect((await apiError(dm.send({ content: "x", nonce: "a".repeat(26), enforceNonce: true }))).code).toBe(
      50035,
    );
    expect((await apiError(dm.send({ content: "x".repeat(2001) }))).code).toBe(50035);
    expect((await apiError(dm.send({ embeds: [{ title: "t".repeat(257) }] }))).code).toBe(50035);
  });

  it("refuses a second acknowledgement with 40060", async () => {
    let second: unknown;
    handler = async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await interaction.reply({ content: "first", flags: MessageFlags.Ephemeral });
      second = await client.rest
        .post(`/interactions/${interaction.id}/${interaction.token}/callback`, {
          body: { type: 4, data: { content: "second" } },
          auth: false,
        })
        .catch((error: unknown) => error);
    };
    const sent = fake.slashCommand(ALICE, "alert list");
    await sent.reply();
    await expect.poll(() => second).toBeInstanceOf(DiscordAPIError);
    expect((second as DiscordAPIError).code).toBe(40060);
  });

  it("resumes after the gateway connection drops, replaying what was dispatched meanwhile", async () => {
    const handled: string[] = [];
    handler = async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      handled.push(interaction.id);
      await interaction.reply({ content: "still here", flags: MessageFlags.Ephemeral });
    };
    const before = fake.stats().gateway;
    expect(fake.dropConnection()).toBe(1);
    const duringOutage = fake.slashCommand(ALICE, "alert list");
    const stats = await fake.waitForGateway((s) => s.resumes > before.resumes);
    expect(stats.identifies).toBe(before.identifies);
    expect((await duringOutage.reply()).content).toBe("still here");
    const afterResume = fake.slashCommand(ALICE, "alert list");
    await afterResume.reply();
    expect(handled).toEqual([duringOutage.id, afterResume.id]);

    fake.requestReconnect();
    await fake.waitForGateway((s) => s.resumes > stats.resumes);
    expect((await fake.slashCommand(ALICE, "alert list").reply()).content).toBe("still here");
    expect(fake.stats().gateway.identifies).toBe(before.identifies);
  });
});

describe("FakeDiscord edge cases", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function start(options: FakeDiscordOptions = {}): Promise<{ fake: FakeDiscord; client: Client }> {
    const fake = await FakeDiscord.start(options);
    const client = clientFor(fake);
    cleanups.push(async () => {
      await client.destroy();
      await fake.close();
    });
    return { fake, client };
  }

  it("refuses a bad token with 401, which discord.js reports as an invalid token", async () => {
    const { fake, client } = await start();
    await expect(client.login("not-the-token")).rejects.toMatchObject({ code: "TokenInvalid" });
    expect(fake.stats().unauthorized).toBe(1);
    expect(fake.stats().gateway.identifies).toBe(0);
  });

  it("answers 10062 Unknown interaction when the first response comes after the window", async () => {
    const { fake, client } = await start({ interactionWindowMs: 50 });
    let outcome: unknown;
    client.on(Events.InteractionCreate, (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      void new Promise((resolve) => setTimeout(resolve, 150))
        .then(() => interaction.reply({ content: "too late" }))
        .then(
          () => {
            outcome = "replied";
          },
          (error: unknown) => {
            outcome = error;
          },
        );
    });
    await login(fake, client);
    fake.slashCommand(ALICE, "ping");
    await expect.poll(() => outcome, { timeout: 3000 }).toBeInstanceOf(DiscordAPIError);
    expect((outcome as DiscordAPIError).code).toBe(10062);
  });

  it("re-identifies when the session cannot be resumed", async () => {
    const { fake, client } = await start();
    client.on(Events.InteractionCreate, (interaction) => {
      if (interaction.isChatInputCommand()) void interaction.reply({ content: "new session" });
    });
    await login(fake, client);
    fake.invalidateSessions();
    fake.dropConnection();
    // discord.js spaces identifies 5 s apart (its identify throttle), so this takes a while.
    const stats = await fake.waitForGateway((s) => s.identifies >= 2, 10_000);
    expect(stats.invalidSessions).toBe(1);
    expect((await fake.slashCommand(ALICE, "ping").reply()).content).toBe("new session");
  }, 20_000);
});

describe("FakeDiscord attachments with the real discord.js client", () => {
  it("resolves an attachment option, serves its file, and keeps the files a reply uploads", async () => {
    const fake = await FakeDiscord.start({ heartbeatIntervalMs: 250 });
    const client = clientFor(fake);
    try {
      const seen = new Promise<{ name: string; size: number; url: string }>((resolve) => {
        client.on(Events.InteractionCreate, async (interaction) => {
          if (!interaction.isChatInputCommand()) return;
          const file = interaction.options.getAttachment("file", true);
          resolve({ name: file.name, size: file.size, url: file.url });
          await interaction.deferReply({ flags: MessageFlags.Ephemeral });
          await interaction.editReply({
            content: "got it",
            files: [{ attachment: Buffer.from("a,b\r\n"), name: "out.csv" }],
          });
        });
      });
      await login(fake, client);
      await client.application?.commands.set([uploadCommand.toJSON()]);
      const id = fake.attachFile({ filename: "in.csv", data: Buffer.from("x,y\n"), contentType: "text/csv" });
      const reply = fake.slashCommand(ALICE, "upload", { file: id }).reply();
      const file = await seen;
      expect(file).toMatchObject({ name: "in.csv", size: 4 });
      const download = await fetch(file.url);
      expect([download.headers.get("content-length"), await download.text()]).toEqual(["4", "x,y\n"]);
      const message = await reply;
      expect(message.content).toBe("got it");
      expect(message.attachments.map((a) => [a.filename, a.data.toString()])).toEqual([
        ["out.csv", "a,b\r\n"],
      ]);
      expect(() => fake.slashCommand(ALICE, "upload", { file: "123" })).toThrow(/no attached file 123/);
    } finally {
      await client.destroy();
      await fake.close();
    }
  });
});
