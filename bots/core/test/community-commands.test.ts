import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { startAlertService } from "@tickerbell/alerts";
import { createLogger, createMetricsRegistry } from "@tickerbell/config";
import { createTestDatabase, type TestDatabase } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AlertsClient } from "../src/clients/alerts-client.ts";
import { CommandHandler } from "../src/handler/command-handler.ts";
import type { ChatContext, PriceLookup, Reply } from "../src/handler/ports.ts";

// Issue 15 through the command handler with its real HTTP client against the real alert service on PostgreSQL:
// a command the adapter lets act in a community chat (a group admin, a channel manager) creates alerts posted
// there, lists and changes the alerts posted there whoever created them, and leaves personal commands to a
// private chat. The permission check itself is the adapter's (Telegram and Discord tests).

const TOKEN = "telegram-bot-token-community";
const GROUP = "-1001234567890";
const OTHER_GROUP = "-1009876543210";
const logger = createLogger({ service: "bot-core-community", level: "silent" });
let clockMs = Date.parse("2026-06-01T14:00:00Z");
const now = () => new Date(clockMs);
const prices: PriceLookup = {
  quote: async (symbol) => ({ symbol, price: 190, previousClose: 188, ts: clockMs }),
  search: async () => [],
};

let db: TestDatabase;
let service: Awaited<ReturnType<typeof startAlertService>>;
let server: ReturnType<typeof serve>;
let bot: CommandHandler;
let direct: AlertsClient;

const dm = (user: string): ChatContext => ({ platform: "telegram", platformUserId: user, chatId: user });
const inGroup = (user: string, chatId = GROUP): ChatContext => ({
  ...dm(user),
  community: { kind: "group", chatId, name: "“Traders”" },
});

async function say(ctx: ChatContext, text: string): Promise<Reply> {
  clockMs += 1000;
  return bot.handleText(ctx, text);
}

beforeAll(async () => {
  db = await createTestDatabase("tb_botcore_community");
  service = await startAlertService({
    database: { kind: "postgres", url: db.url },
    tokens: { telegram: TOKEN },
    maxOpenAlertsPerUser: 100,
    maxOpenAlertsPerCommunity: 3,
    userCommandsPerMinute: 100_000,
    logger,
    metrics: createMetricsRegistry("alerts"),
    clock: { now },
  });
  server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: service.app.fetch, port: 0, hostname: "127.0.0.1" }, () =>
      resolve(started),
    );
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  direct = new AlertsClient({ baseUrl, token: TOKEN, platform: "telegram" });
  bot = new CommandHandler({ alerts: direct, prices, logger, now });
}, 60_000);
afterAll(async () => {
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  await service?.close();
  await db?.drop();
});

describe("commands acting in a community chat", () => {
  it("creates a group alert posted in the group, listed there for every admin and in its creator's own list", async () => {
    const created = await say(inGroup("401"), "/alert AAPL above 200");
    expect(created.text).toBe(
      "✅ Alert set: AAPL above $200.00\nIt will be posted in “Traders”.\nAAPL is at $190.00 now.",
    );
    expect(created.alerts?.[0]?.origin).toEqual({ platform: "telegram", chatId: GROUP, kind: "group" });
    await say(dm("401"), "/alert MSFT below 150");

    // Another admin sees the group's alert, not the creator's DM alert.
    const listed = await say(inGroup("402"), "/alerts");
    expect(listed.text).toMatch(/^\*Alerts in “Traders”\* \(1\)\n1\. AAPL above \$200\.00 · active · id /);
    // Their own list has nothing; the creator's shows where the group alert posts.
    expect((await say(dm("402"), "/alerts")).text).toBe("You have no alerts yet. Try /alert AAPL above 200");
    const own = await say(dm("401"), "/alerts");
    expect(own.text).toMatch(/AAPL above \$200\.00 · active · posted in a group · id /);
    expect(own.text).toMatch(/MSFT below \$150\.00 · active · id /);
    // Another group sees none of it.
    expect((await say(inGroup("402", OTHER_GROUP), "/alerts")).text).toBe(
      "There are no alerts in “Traders” yet. Try /alert AAPL above 200",
    );
  });

  it("lets another admin pause, resume and delete a group alert by number, id and button; not from their DMs", async () => {
    const set = await say(inGroup("411"), "/alert NVDA above 200");
    const alert = set.alerts![0]!;
    // From the admin's own DMs the group alert is not theirs.
    expect((await say(dm("412"), `/pause ${alert.id}`)).text).toMatch(/can't find an alert/);
    await say(inGroup("412"), "/alerts");
    expect((await say(inGroup("412"), "/pause 2")).text).toMatch(/^Paused: NVDA above \$200\.00/);
    const resumed = await bot.handleAction(inGroup("412"), `resume:${alert.id}`);
    expect(resumed.text).toMatch(/^Resumed: NVDA above/);
    expect((await say(inGroup("412"), `/delete ${alert.id.slice(0, 8)}`)).text).toMatch(/^Deleted: NVDA/);
    expect((await direct.getAlert("411", alert.id)).status).toBe("cancelled");
  });

  it("acts in bulk only on the group's alerts", async () => {
    await say(inGroup("421", OTHER_GROUP), "/alert TSLA above 300");
    await say(dm("421"), "/alert TSLA above 310");
    const paused = await say(inGroup("422", OTHER_GROUP), "/pause all");
    expect(paused.text).toMatch(/^⏸ Paused/);
    const mine = await direct.listAlerts("421", { status: "open" });
    expect(mine.map((a) => [a.origin.chatId, a.status]).sort()).toEqual([
      [OTHER_GROUP, "paused"],
      ["421", "active"],
    ]);
  });

  it("refuses a twin of the group's alert, whoever set it, and asks before deleting the group's alerts", async () => {
    const group = "-1006666666666";
    await say(inGroup("451", group), "/alert AMZN above 250");
    expect((await say(inGroup("452", group), "/alert AMZN above 250")).text).toMatch(
      /^“Traders” already has this alert: AMZN above \$250\.00\nNothing new was set/,
    );
    expect((await say(inGroup("452", group), "/delete all")).text).toMatch(
      /^\*Delete the only alert in “Traders”\?\*\n/,
    );
    expect((await say(inGroup("452", "-1006666666667"), "/delete all")).text).toBe(
      "There are no alerts in “Traders”.",
    );
  });

  it("refuses personal commands in a group and tells where to use them", async () => {
    const reply = await say(inGroup("431"), "/watch AAPL");
    expect(reply.text).toBe(
      "/watch is about your own account: use it in a private chat with me. Here I handle “Traders”'s alerts.",
    );
    expect((await direct.watchlist("431")).items).toEqual([]);
    expect((await say(inGroup("431"), "/price AAPL")).text).toMatch(/^AAPL \$190\.00/);
  });

  it("refuses past the group's cap with the service's words, whoever types", async () => {
    const group = "-1005555555555";
    for (const [user, level] of [
      ["441", 201],
      ["442", 202],
      ["443", 203],
    ] as const)
      expect((await say(inGroup(user, group), `/alert AMD above ${level}`)).text).toMatch(/^✅/);
    const refused = await say(inGroup("444", group), "/alert AMD above 204");
    expect(refused.text).toMatch(/^This group has 3 active alerts, the most allowed/);
  });
});
