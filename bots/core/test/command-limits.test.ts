import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { startAlertService } from "@tickerbell/alerts";
import { createLogger, createMetricsRegistry } from "@tickerbell/config";
import { createTestDatabase, type TestDatabase } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AlertsClient } from "../src/clients/alerts-client.ts";
import { CommandHandler } from "../src/handler/command-handler.ts";
import type { ChatContext, PriceLookup } from "../src/handler/ports.ts";

// The bot as the subject of the per-user limits: the command handler with its real HTTP client, in front of
// the real alert service on PostgreSQL. A user who floods the bot, or guesses link codes, gets a plain reply
// saying so, nothing is created by a refused command, and other users are not affected.

const TOKENS = { telegram: "telegram-bot-token-limits-01", discord: "discord-bot-token-limits-02" } as const;
/** Commands per minute for each user. */
const ALLOWANCE = 20;
const logger = createLogger({ service: "bot-core-limits", level: "silent" });
/** Time stands still, so the allowance never refills during the test. */
const frozen = new Date();

const prices: PriceLookup = {
  quote: async (symbol) =>
    symbol === "AAPL"
      ? {
          symbol,
          price: 190,
          change: 2,
          changePercent: 1.06,
          high: 191,
          low: 187,
          open: 188,
          previousClose: 188,
          ts: frozen.getTime(),
        }
      : null,
  search: async () => [],
};

let db: TestDatabase;
let service: Awaited<ReturnType<typeof startAlertService>>;
let telegramBot: CommandHandler;
let discordBot: CommandHandler;
let server: ReturnType<typeof serve>;
beforeAll(async () => {
  db = await createTestDatabase("tb_botcore_limits");
  service = await startAlertService({
    database: { kind: "postgres", url: db.url },
    tokens: TOKENS,
    maxOpenAlertsPerUser: 100,
    userCommandsPerMinute: ALLOWANCE,
    logger,
    metrics: createMetricsRegistry("alerts"),
    clock: { now: () => new Date(frozen) },
  });
  server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: service.app.fetch, port: 0, hostname: "127.0.0.1" }, () =>
      resolve(started),
    );
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const handler = (platform: "telegram" | "discord") =>
    new CommandHandler({
      alerts: new AlertsClient({ baseUrl, token: TOKENS[platform], platform }),
      prices,
      logger,
      now: () => new Date(frozen),
    });
  telegramBot = handler("telegram");
  discordBot = handler("discord");
});
afterAll(async () => {
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  await service?.close();
  await db?.drop();
});

const chat = (platformUserId: string, platform: "telegram" | "discord" = "telegram"): ChatContext => ({
  platform,
  platformUserId,
  chatId: `chat-${platformUserId}`,
});

async function alertCount(): Promise<number> {
  return (await service.alerts.page("active", null, 1000)).alerts.length;
}

describe("per-user limits, as the user meets them in the chat", () => {
  it("counts commands, not requests: the whole allowance is served, then the user is told when to retry", async () => {
    const replies: string[] = [];
    // A command takes two to four requests (the undeliverable check, a lookup, the change); each counts once.
    for (let i = 0; i < ALLOWANCE - 2; i++) {
      replies.push((await telegramBot.handleText(chat("flooder"), `/alert AAPL above ${200 + i}`)).text);
    }
    replies.push((await telegramBot.handleText(chat("flooder"), "/pause 1")).text);
    replies.push((await telegramBot.handleText(chat("flooder"), "/alerts")).text);
    for (let i = 0; i < 3; i++) {
      replies.push((await telegramBot.handleText(chat("flooder"), `/alert AAPL above ${300 + i}`)).text);
    }
    expect(
      replies.slice(0, ALLOWANCE - 2).every((r) => r.startsWith("✅")),
      replies.join("\n"),
    ).toBe(true);
    expect(replies[ALLOWANCE - 2]).toMatch(/^Paused: /);
    expect(replies[ALLOWANCE - 1]).toMatch(/^\*Your alerts\* \(18\)/);
    for (const refused of replies.slice(ALLOWANCE))
      expect(refused).toMatch(/^You're sending commands too fast; try again in \d+ seconds?\.$/);
    expect(await alertCount()).toBe(ALLOWANCE - 3);
    // Not spent by anyone else: another user, and the same id on Discord, are served.
    expect((await telegramBot.handleText(chat("neighbour"), "/alerts")).text).not.toMatch(/too fast/);
    expect((await discordBot.handleText(chat("flooder", "discord"), "/alerts")).text).not.toMatch(/too fast/);
  });

  it("refuses a twin of an open alert, showing the one that exists with its buttons", async () => {
    const first = await telegramBot.handleText(chat("twin-setter"), "/alert AAPL above 250");
    expect(first.text).toMatch(/^✅ Alert set: AAPL above \$250\.00/);
    const twin = await telegramBot.handleText(chat("twin-setter"), '/alert AAPL above 250 note "again"');
    expect(twin.text).toMatch(/^You already have this alert: AAPL above \$250\.00/);
    expect(twin.text).toMatch(/Nothing new was set/);
    expect(twin.alerts?.map((a) => a.id)).toEqual(first.alerts?.map((a) => a.id));
    expect(twin.buttons?.[0]?.map((b) => b.label)).toEqual(["⏸ Pause", "🗑 Delete"]);
    const listed = await telegramBot.handleText(chat("twin-setter"), "/alerts");
    expect(listed.text).toMatch(/^\*Your alerts\* \(1\)/);
  });

  it("stops a link-code guesser after 5 wrong codes, even when the 6th is right", async () => {
    const issued = (await discordBot.handleText(chat("code-owner", "discord"), "/link")).text;
    const code = /\*([A-Z0-9]{8})\*/.exec(issued)?.[1];
    expect(code, issued).toBeDefined();
    const replies: string[] = [];
    for (const guess of ["AAAAAAA1", "AAAAAAA2", "AAAAAAA3", "AAAAAAA4", "AAAAAAA5", code!]) {
      replies.push((await telegramBot.handleText(chat("guesser"), `/link ${guess}`)).text);
    }
    for (const r of replies.slice(0, 5)) expect(r).toMatch(/unknown, already used or expired/);
    expect(replies[5]).toMatch(/too many/i);
    expect(replies[5]).not.toMatch(/too fast|Linked/);
    // The owner still has only their own identity.
    const owner = await discordBot.handleText(chat("code-owner", "discord"), "/alerts");
    expect(owner.text).not.toMatch(/too fast/);
  });
});
