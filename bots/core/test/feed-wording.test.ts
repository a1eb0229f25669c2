import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { startAlertService } from "@tickerbell/alerts";
import { createLogger, createMetricsRegistry } from "@tickerbell/config";
import type { SymbolFeed } from "@tickerbell/contracts";
import { createTestDatabase, type TestDatabase } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AlertsClient } from "../src/clients/alerts-client.ts";
import { CommandHandler } from "../src/handler/command-handler.ts";
import type { ChatContext, PriceLookup, Reply } from "../src/handler/ports.ts";

// Issue 17 item 6 through the command handler with its real HTTP client against the real alert service on
// PostgreSQL: what the user is told about a symbol on the polled path. The feeds are what the pricing service
// would answer (its own tests show how it decides them).

const TOKEN = "telegram-bot-token-feed-wording";
const logger = createLogger({ service: "bot-core-feeds", level: "silent" });
let clockMs = Date.parse("2026-06-01T14:00:00Z");
const now = () => new Date(clockMs);

const FEEDS: Record<string, SymbolFeed> = {
  AAPL: { path: "streamed", maxStalenessSeconds: null, streamCap: 50 },
  MSFT: { path: "polled", maxStalenessSeconds: 40, streamCap: 50 },
  NEWCO: { path: "idle", maxStalenessSeconds: 45, streamCap: 50 },
};
let feedsAsked: string[][] = [];
let feedsFail = false;
const prices: PriceLookup = {
  quote: async (symbol) => ({
    symbol,
    price: 190,
    previousClose: 188,
    ts: clockMs,
    ...(FEEDS[symbol] ? { feed: FEEDS[symbol] } : {}),
  }),
  feeds: async (symbols) => {
    feedsAsked.push([...symbols]);
    if (feedsFail) throw new Error("pricing unreachable");
    return Object.fromEntries(symbols.flatMap((s) => (FEEDS[s] ? [[s, FEEDS[s]]] : [])));
  },
  search: async () => [],
};

let db: TestDatabase;
let service: Awaited<ReturnType<typeof startAlertService>>;
let server: ReturnType<typeof serve>;
let bot: CommandHandler;

const dm = (user: string): ChatContext => ({ platform: "telegram", platformUserId: user, chatId: user });
async function say(ctx: ChatContext, text: string): Promise<Reply> {
  clockMs += 1000;
  return bot.handleText(ctx, text);
}

beforeAll(async () => {
  db = await createTestDatabase("tb_botcore_feeds");
  service = await startAlertService({
    database: { kind: "postgres", url: db.url },
    tokens: { telegram: TOKEN },
    maxOpenAlertsPerUser: 100,
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
  bot = new CommandHandler({
    alerts: new AlertsClient({ baseUrl, token: TOKEN, platform: "telegram" }),
    prices,
    logger,
    now,
  });
}, 60_000);
afterAll(async () => {
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  await service?.close();
  await db?.drop();
});

describe("how fresh a symbol's price is, as the user is told", () => {
  it("the confirmation says when the symbol is polled and how late the alert can fire; a streamed one says nothing", async () => {
    const polled = await say(dm("501"), "/alert MSFT above 200");
    expect(polled.text).toBe(
      "✅ Alert set: MSFT above $200.00\nMSFT is at $190.00 now.\n⏱ MSFT is checked every ~40 s (the live stream carries the 50 most urgent symbols), so this alert can fire up to 40 s late.",
    );
    const streamed = await say(dm("501"), "/alert AAPL above 200");
    expect(streamed.text).toBe("✅ Alert set: AAPL above $200.00\nAAPL is at $190.00 now.");
  });

  it("a symbol nobody watched yet warns what it gets while the stream is full", async () => {
    const created = await say(dm("502"), "/alert NEWCO below 150");
    expect(created.text).toContain(
      "\n⏱ Unless it ranks among the most urgent (the live stream carries the 50 most urgent symbols), NEWCO will be checked every ~45 s, so this alert can fire up to 45 s late.",
    );
  });

  it("a ladder of alerts says it once", async () => {
    const created = await say(dm("503"), "/alert MSFT above 200 210");
    expect(created.text.match(/⏱ MSFT is checked every ~40 s/g)).toHaveLength(1);
  });

  it("/price notes a polled symbol's possible staleness under its line", async () => {
    const reply = await say(dm("501"), "/price MSFT AAPL");
    expect(reply.text).toBe(
      [
        "MSFT $190.00 +$2.00 (+1.06%) today",
        "⏱ MSFT is checked every ~40 s (the live stream carries the 50 most urgent symbols), so its price can be up to 40 s old.",
        "AAPL $190.00 +$2.00 (+1.06%) today",
      ].join("\n"),
    );
  });

  it("/alerts adds one line per polled symbol, asking the feeds once for the listed symbols", async () => {
    feedsAsked = [];
    const reply = await say(dm("501"), "/alerts");
    const lines = reply.text.split("\n");
    expect(lines.filter((l) => l.startsWith("⏱"))).toEqual([
      "⏱ MSFT is checked every ~40 s (the live stream carries the 50 most urgent symbols): its alerts can fire up to 40 s late.",
    ]);
    expect(lines.at(-1)).toMatch(/^⏱ MSFT/);
    expect(feedsAsked).toHaveLength(1);
    expect([...(feedsAsked[0] ?? [])].sort()).toEqual(["AAPL", "MSFT"]);
  });

  it("/alerts still answers when the pricing service cannot say how symbols are fed", async () => {
    feedsFail = true;
    try {
      const reply = await say(dm("501"), "/alerts");
      expect(reply.text).toContain("MSFT above $200.00");
      expect(reply.text).not.toContain("⏱");
    } finally {
      feedsFail = false;
    }
  });
});
