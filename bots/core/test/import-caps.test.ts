import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { startAlertService } from "@tickerbell/alerts";
import { createLogger, createMetricsRegistry } from "@tickerbell/config";
import { createTestDatabase, type TestDatabase } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AlertsClient } from "../src/clients/alerts-client.ts";
import { CommandHandler } from "../src/handler/command-handler.ts";
import type { ChatContext, PriceLookup } from "../src/handler/ports.ts";
import type { IncomingFile } from "../src/transfer/files.ts";

// /import within the caps, against the real alert service on PostgreSQL: the active-alert limit refuses the
// lines past it, one by one, and a whole file is one command of the user's allowance however many lines it has.

const TOKEN = "telegram-bot-token-import-01";
const MAX_OPEN = 3;
const COMMANDS_PER_MINUTE = 4;
const frozen = new Date();
const logger = createLogger({ service: "bot-core-import", level: "silent" });
const prices: PriceLookup = {
  quote: async (symbol) =>
    ["AAPL", "MSFT"].includes(symbol)
      ? { symbol, price: 190, previousClose: 188, ts: frozen.getTime() }
      : null,
  search: async () => [],
};

let db: TestDatabase;
let service: Awaited<ReturnType<typeof startAlertService>>;
let server: ReturnType<typeof serve>;
let handler: CommandHandler;
beforeAll(async () => {
  db = await createTestDatabase("tb_botcore_import");
  service = await startAlertService({
    database: { kind: "postgres", url: db.url },
    tokens: { telegram: TOKEN },
    maxOpenAlertsPerUser: MAX_OPEN,
    userCommandsPerMinute: COMMANDS_PER_MINUTE,
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
  handler = new CommandHandler({
    alerts: new AlertsClient({ baseUrl, token: TOKEN, platform: "telegram" }),
    prices,
    logger,
    now: () => new Date(frozen),
  });
});
afterAll(async () => {
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  await service?.close();
  await db?.drop();
});

const chat: ChatContext = { platform: "telegram", platformUserId: "importer", chatId: "chat-importer" };
const file = (text: string): IncomingFile => ({
  name: "alerts.csv",
  size: text.length,
  read: async () => new TextEncoder().encode(text),
});

describe("/import within the caps", () => {
  it("refuses the lines past the active-alert limit, a twin as a duplicate, all as one command", async () => {
    const csv = [
      "type,symbol,condition",
      "alert,AAPL,above 900",
      "alert,AAPL,above 900",
      "alert,AAPL,above 901",
      "alert,MSFT,trail 8%",
      "alert,AAPL,above 902",
      "alert,NOPEQ,above 1",
      "watch,MSFT,",
    ].join("\n");
    const reply = await handler.handleImport(chat, file(csv));
    const limit = `you already have ${MAX_OPEN} active or paused alerts, the most allowed is ${MAX_OPEN}; cancel one first`;
    expect(reply.text.split("\n")).toEqual([
      "*Imported*: 4 created, 1 duplicate, 2 refused",
      "✅ line 2: created — AAPL above $900.00",
      expect.stringMatching(/^➖ line 3: duplicate — you already have AAPL above \$900\.00$/),
      "✅ line 4: created — AAPL above $901.00",
      "✅ line 5: created — MSFT falls 8% below its peak (trailing)",
      `✗ line 6: refused — ${limit}`,
      "✗ line 7: refused — I don't know the ticker NOPEQ",
      "✅ line 8: created — MSFT on your watchlist",
    ]);
    // Eight lines, one command: the allowance (4 a minute) still has room for the commands after it.
    for (let i = 0; i < COMMANDS_PER_MINUTE - 1; i++)
      expect((await handler.handleText(chat, "/watchlist")).text).toMatch(/^\*Watchlist\*/);
    expect((await handler.handleText(chat, "/watchlist")).text).toMatch(/too fast/);
  });
});
