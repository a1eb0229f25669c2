import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { startAlertService } from "@tickerbell/alerts";
import { createLogger, createMetricsRegistry } from "@tickerbell/config";
import { createTestDatabase, type TestDatabase } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AlertsClient } from "../src/clients/alerts-client.ts";
import type { Fetch } from "../src/clients/http.ts";
import { CommandHandler } from "../src/handler/command-handler.ts";
import type { ChatContext, PriceLookup, Reply } from "../src/handler/ports.ts";

// Issue 17 item 2 through the command handler with its real HTTP client against the real alert service on
// PostgreSQL: a new high/low starts from the quote's high/low (today) or the pricing service's 52-week range,
// the confirmation says where, an edit moves between them, and a missing range is refused with the reason.

const TOKEN = "telegram-bot-token-new-highs";
const logger = createLogger({ service: "bot-core-new-highs", level: "silent" });
// Saturday 5 December 2026, noon in New York: the stock market is shut, crypto trades.
let clockMs = Date.parse("2026-12-05T17:00:00Z");
const now = () => new Date(clockMs);
const priceOf: Record<string, number> = { AAPL: 190, MSFT: 410, "BINANCE:BTCUSDT": 97_250.5 };
const rangeOf: Record<string, { high52w: number; low52w: number }> = {
  AAPL: { high52w: 199.62, low52w: 164.08 },
};
const prices: PriceLookup = {
  quote: async (symbol) => {
    const price = priceOf[symbol];
    if (price === undefined) return null;
    // MSFT has not traded today: its quote has no high or low yet.
    if (symbol === "MSFT") return { symbol, price, previousClose: price, ts: clockMs, high: null, low: null };
    return { symbol, price, previousClose: price, high: price + 2.5, low: price - 1.75, ts: clockMs };
  },
  range: async (symbol) => rangeOf[symbol] ?? null,
  search: async () => [],
};

let db: TestDatabase;
let service: Awaited<ReturnType<typeof startAlertService>>;
let server: ReturnType<typeof serve>;
let baseUrl: string;
/** Requests per command id: what the alert service's per-command allowance counts. */
const requestsPerCommand = new Map<string, number>();
const countingFetch: Fetch = async (request) => {
  const id = request.headers.get("x-command-id") ?? "none";
  requestsPerCommand.set(id, (requestsPerCommand.get(id) ?? 0) + 1);
  return fetch(request);
};
let bot: CommandHandler;
let direct: AlertsClient;

const chat = (platformUserId: string): ChatContext => ({
  platform: "telegram",
  platformUserId,
  chatId: `chat-${platformUserId}`,
});

async function say(user: string, text: string): Promise<Reply> {
  clockMs += 1000;
  return bot.handleText(chat(user), text);
}

beforeAll(async () => {
  db = await createTestDatabase("tb_botcore_new_highs");
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
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  direct = new AlertsClient({ baseUrl, token: TOKEN, platform: "telegram" });
  bot = new CommandHandler({
    alerts: new AlertsClient({ baseUrl, token: TOKEN, platform: "telegram", fetch: countingFetch }),
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

describe("new highs and lows", () => {
  it("a new session high starts at today's high, and the confirmation says where", async () => {
    const user = "highs-a";
    const set = await say(user, "/alert AAPL new high repeat 1h");
    expect(set.text).toMatch(
      /^✅ Alert set: AAPL new session high \(above \$192\.50 today\) · repeats every 1h/,
    );
    const [alert] = await direct.listAlerts(user, { status: "open" });
    expect(alert).toMatchObject({
      condition: { kind: "extreme", side: "high", span: "session" },
      extreme: 192.5,
    });
  });

  it("a new 52-week low starts at the 52-week low", async () => {
    const set = await say("highs-b", "/alert AAPL 52w low");
    expect(set.text).toMatch(/^✅ Alert set: AAPL new 52-week low \(below \$164\.08\)/);
  });

  it("an edit moves an alert to another of them, from the range of that one", async () => {
    const user = "highs-c";
    expect((await say(user, "/alert AAPL new low")).text).toMatch(/^✅ .*below \$188\.25 today/);
    const edited = await say(user, "/edit 1 52w high");
    expect(edited.text).toMatch(/AAPL new 52-week high \(above \$199\.62\)/);
    const [alert] = await direct.listAlerts(user, { status: "open" });
    expect(alert).toMatchObject({ condition: { span: "52w", side: "high" }, extreme: 199.62 });
  });

  it("an edit of a bare level says a new high has none, and changes nothing", async () => {
    const user = "highs-e";
    expect((await say(user, "/alert AAPL new high")).text).toMatch(/^✅/);
    expect((await say(user, "/edit 1 210")).text).toMatch(
      /That alert watches for a new session high: it has no level to change\. Give a whole condition, like 52w high or above 210\.\nExample: \/edit [0-9a-f]{8} 52w high/,
    );
    expect((await say(user, "/edit 1 5%")).text).toMatch(/it has no level to change/);
    const [alert] = await direct.listAlerts(user, { status: "open" });
    expect(alert).toMatchObject({ condition: { span: "session", side: "high" }, levelsRevision: 0 });
  });

  it("is refused with the reason when the range is not known, and sets nothing", async () => {
    const user = "highs-d";
    expect((await say(user, "/alert MSFT new high")).text).toMatch(
      /I don't have MSFT's high and low for today yet/,
    );
    expect((await say(user, "/alert MSFT 52w high")).text).toMatch(
      /I don't know MSFT's 52-week range.*a new session high works/,
    );
    expect((await say(user, "/alert BINANCE:BTCUSDT 52w high")).text).toMatch(
      /BINANCE:BTCUSDT is crypto: there is no 52-week range for pairs/,
    );
    expect(await direct.listAlerts(user, { status: "open" })).toEqual([]);
  });
});
