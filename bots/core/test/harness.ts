import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { startAlertService } from "@tickerbell/alerts";
import { createLogger, createMetricsRegistry } from "@tickerbell/config";
import { createTestDatabase, type TestDatabase } from "@tickerbell/testkit";
import { AlertsClient } from "../src/clients/alerts-client.ts";
import type { Fetch } from "../src/clients/http.ts";
import { CommandHandler } from "../src/handler/command-handler.ts";
import type { ChatContext, PriceLookup, Reply } from "../src/handler/ports.ts";

// The set-up the command handler's integration tests share: the real alert service on its own PostgreSQL
// database, served over HTTP, and the command handler with its real HTTP client in front of it, on a clock the
// test moves. Each test brings the prices (a PriceLookup) its story needs.

/** A bot (the command handler) and the alert service behind it, for one test file. */
export interface BotWorld {
  /** The command handler, as a chat adapter drives it. */
  bot: CommandHandler;
  /** The alert service's client, to look behind the replies (what was stored). */
  direct: AlertsClient;
  /** Sends `text` as the user's chat message, a second after the previous one. */
  say(platformUserId: string, text: string): Promise<Reply>;
  /** The user's private chat, as the Telegram adapter gives it. */
  chat(platformUserId: string): ChatContext;
  now(): Date;
  /** Moves the clock (the bot's and the alert service's) on. */
  advance(ms: number): void;
  /** Requests per command id: what the alert service's per-command allowance counts. */
  requestsPerCommand: ReadonlyMap<string, number>;
  /** The alert service's database, for a look at what it stored. */
  databaseUrl: string;
  close(): Promise<void>;
}

export interface BotWorldOptions {
  /** The test database's name (one per test file, so files run side by side). */
  database: string;
  prices: PriceLookup;
  /** Where the clock starts (ISO). */
  startAt: string;
}

export async function startBotWorld(options: BotWorldOptions): Promise<BotWorld> {
  const token = `telegram-bot-token-${options.database}`;
  const logger = createLogger({ service: options.database, level: "silent" });
  let clockMs = Date.parse(options.startAt);
  const now = () => new Date(clockMs);
  const requestsPerCommand = new Map<string, number>();
  const countingFetch: Fetch = async (request) => {
    const id = request.headers.get("x-command-id") ?? "none";
    requestsPerCommand.set(id, (requestsPerCommand.get(id) ?? 0) + 1);
    return fetch(request);
  };
  const db: TestDatabase = await createTestDatabase(options.database);
  const service = await startAlertService({
    database: { kind: "postgres", url: db.url },
    tokens: { telegram: token },
    maxOpenAlertsPerUser: 100,
    userCommandsPerMinute: 100_000,
    logger,
    metrics: createMetricsRegistry("alerts"),
    clock: { now },
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: service.app.fetch, port: 0, hostname: "127.0.0.1" }, () =>
      resolve(started),
    );
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const bot = new CommandHandler({
    alerts: new AlertsClient({ baseUrl, token, platform: "telegram", fetch: countingFetch }),
    prices: options.prices,
    logger,
    now,
  });
  const chat = (platformUserId: string): ChatContext => ({
    platform: "telegram",
    platformUserId,
    chatId: `chat-${platformUserId}`,
  });
  return {
    bot,
    direct: new AlertsClient({ baseUrl, token, platform: "telegram" }),
    say: async (platformUserId, text) => {
      clockMs += 1000;
      return bot.handleText(chat(platformUserId), text);
    },
    chat,
    now,
    advance: (ms) => {
      clockMs += ms;
    },
    requestsPerCommand,
    databaseUrl: db.url,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await service.close();
      await db.drop();
    },
  };
}
