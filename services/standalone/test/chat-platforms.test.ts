import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { createLogger } from "@tickerbell/config";
import { FakeDiscord, FakeTelegram } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnv } from "../src/env.ts";
import { type RunningStandalone, startStandalone } from "../src/standalone.ts";

// npm start with both chat tokens set: the Telegram and Discord bots run in the one process (against local
// fakes of both platforms), no console chat opens, and each user's alert fires back to their own platform.
const dataDir = mkdtempSync(join(tmpdir(), "tickerbell-platforms-"));
let telegram: FakeTelegram;
let discord: FakeDiscord;
let running: RunningStandalone;

beforeAll(async () => {
  telegram = await FakeTelegram.start();
  discord = await FakeDiscord.start();
  const env = loadEnv({
    DATA_DIR: dataDir,
    ALERTS_PORT: "0",
    PRICING_PORT: "0",
    SIMULATION_SPEED: "600",
    // Off here: on a loaded machine a 0.1% alert can fire at 600x before its confirmation is sent (the dry run
    // makes that likelier, without it it happens too), and a Telegram reply sent right after a notification to
    // the same chat then waits ~17 s in the rate limiter (seen instrumented; a delivery issue of its own, open).
    // The dry run has its own stories.
    DRY_RUN_BUDGET_MS: "0",
    TELEGRAM_TOKEN: telegram.token,
    TELEGRAM_API_ROOT: telegram.apiRoot,
    DISCORD_TOKEN: discord.token,
    DISCORD_API_BASE: discord.apiBase,
  });
  const logger = createLogger({ service: "standalone-test", level: "silent" });
  running = await startStandalone(env, logger, { input: new PassThrough(), output: new PassThrough() });
}, 60_000);

afterAll(async () => {
  await running?.stop();
  await telegram?.close();
  await discord?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("npm start with TELEGRAM_TOKEN and DISCORD_TOKEN", () => {
  it("runs both bots instead of the console chat", () => {
    expect(running.summary.chats).toEqual(["Telegram", "Discord"]);
  });

  it("answers an expiry past any date on both platforms, and keeps serving", async () => {
    const eve = { id: 4343, first_name: "Eve" };
    telegram.userSends(eve, "/alert AAPL above 200 expires 9999999999d");
    await telegram.waitForMessage((m) => m.chatId === eve.id && /far too long/.test(m.text ?? ""), 15_000);
    const mallory = { id: "300000000000000043" };
    const refused = await discord
      .slashCommand(mallory, "alert price", {
        ticker: "AAPL",
        condition: "above",
        value: "200",
        expires: "9999999999d",
      })
      .reply();
    expect(refused.content).toMatch(/far too long/);
    // A sign that contradicts the condition is refused, not dropped (up -5 once became "up 5%").
    const contradicted = await discord
      .slashCommand(mallory, "alert percent", { ticker: "AAPL", condition: "up", value: "-5" })
      .reply();
    expect(contradicted.content).toMatch(/"-5%" does not go up/);
    telegram.userSends(eve, "/help");
    await telegram.waitForMessage((m) => m.chatId === eve.id && /\/alert/.test(m.text ?? ""), 15_000);
  }, 60_000);

  it("delivers each user's firing to their own platform, once", async () => {
    const ada = { id: 4242, first_name: "Ada" };
    telegram.userSends(ada, "/alert NVDA move 0.1%");
    await telegram.waitForMessage(
      (m) => m.chatId === ada.id && /Alert set: NVDA moves 0\.1%/.test(m.text ?? ""),
      15_000,
    );

    const grace = { id: "300000000000000042" };
    const reply = await discord
      .slashCommand(grace, "alert percent", { ticker: "TSLA", condition: "move", value: "0.1" })
      .reply();
    expect(reply.content).toMatch(/Alert set: TSLA moves 0\.1%/);

    const dm = await telegram.waitForMessage(
      (m) => m.chatId === ada.id && /🔔 NVDA moved (up|down) 0\.1%/.test(m.text ?? ""),
      60_000,
    );
    expect(dm.text).toMatch(/\nPrice: \$[\d,.]+.* · \d{4}-\d\d-\d\d \d\d:\d\d UTC\n/);
    const [discordDm] = await discord.waitForDms(grace, 1, 60_000);
    expect(discordDm?.embeds[0]).toMatchObject({
      title: expect.stringMatching(/^🔔 TSLA moved (up|down) 0\.1% from the price when set$/),
      fields: expect.arrayContaining([
        expect.objectContaining({ name: "Price", value: expect.stringMatching(/ · <t:\d+:f>$/) }),
      ]),
    });

    // Nothing further arrives for these one-shot alerts (the edit that puts the DM's chart in is no new DM).
    await new Promise((r) => setTimeout(r, 2_000));
    const sent = telegram
      .messagesTo(ada.id)
      .filter((m) => (m.method === "sendMessage" || m.method === "sendPhoto") && m.text?.includes("🔔"));
    expect(sent).toHaveLength(1);
    expect(discord.dmsTo(grace)).toHaveLength(1);
  }, 120_000);

  it("posts a Discord channel alert in its channel, pinging its role, and a Telegram group alert in its group", async () => {
    // Discord: a manager sets an alert in #alerts that pings @Traders.
    const owner = { id: "300000000000000050" };
    const guild = discord.createGuild({ ownerId: owner, name: "Desk" });
    const traders = discord.createRole(guild, { name: "Traders", mentionable: true });
    const channel = discord.createChannel(guild, { name: "alerts" });
    const set = await discord
      .slashCommand(
        owner,
        "alert percent",
        { ticker: "MSFT", condition: "move", value: "0.1", channel, mention: traders },
        { guildId: guild, channelId: channel },
      )
      .reply();
    expect(set.content).toMatch(/Alert set: MSFT moves 0\.1%/);
    // The ephemeral confirmation is recorded in the channel too (the command was sent there); the post is not.
    const post = await discord.waitForChannelMessage(channel, (m) => ((m.flags ?? 0) & 64) === 0, 60_000);
    expect(post.pings).toEqual({ everyone: false, roles: [traders], users: [] });
    expect(discord.dmsTo(owner)).toEqual([]);

    // Telegram: the group's creator sets an alert in the group; it fires in the group, not in their private chat.
    const bea = { id: 4444, first_name: "Bea" };
    const group = telegram.createGroup({ title: "Desk", members: [{ user: bea, status: "creator" }] });
    telegram.userSendsInGroup(group.id, bea, "/alert AMD move 0.1%");
    await telegram.waitForMessage(
      (m) => m.chatId === group.id && /Alert set: AMD moves 0\.1%/.test(m.text ?? ""),
      15_000,
    );
    await telegram.waitForMessage(
      (m) => m.chatId === group.id && /🔔 AMD moved (up|down) 0\.1%/.test(m.text ?? ""),
      60_000,
    );
    expect(telegram.messagesTo(bea.id).filter((m) => m.text?.includes("🔔"))).toEqual([]);
  }, 120_000);
});
