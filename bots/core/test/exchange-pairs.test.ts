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

// Issue 17 item 5 through the command handler with its real HTTP client against the real alert service on
// PostgreSQL: crypto and forex pairs are set, priced and watched like tickers, and `rth` is refused on them when
// an alert is set and when one is edited (by the bot, and by the alert service for a caller that skips the bot).

const TOKEN = "telegram-bot-token-exchange-pairs";
const logger = createLogger({ service: "bot-core-exchange-pairs", level: "silent" });
// Saturday 5 December 2026, noon in New York: the stock market is shut, crypto trades.
let clockMs = Date.parse("2026-12-05T17:00:00Z");
const now = () => new Date(clockMs);
const priceOf: Record<string, number> = { AAPL: 190, "BINANCE:BTCUSDT": 97_250.5, "OANDA:EUR_USD": 1.0842 };
const prices: PriceLookup = {
  quote: async (symbol) => {
    const price = priceOf[symbol];
    return price === undefined ? null : { symbol, price, previousClose: price, ts: clockMs };
  },
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
  db = await createTestDatabase("tb_botcore_exchange_pairs");
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

describe("crypto and forex pairs", () => {
  it("are set, priced and watched like tickers", async () => {
    const user = "pairs-a";
    const set = await say(user, "/alert binance:btcusdt above 100000");
    expect(set.text).toMatch(/^✅ Alert set: BINANCE:BTCUSDT above \$100,000\.00/);
    expect(set.text).toMatch(/BINANCE:BTCUSDT is at \$97,250\.50 now\./);
    expect((await say(user, "/price BINANCE:BTCUSDT OANDA:EUR_USD")).text).toMatch(
      /^BINANCE:BTCUSDT \$97,250\.50.*\nOANDA:EUR_USD 1\.0842/,
    );
    // A currency pair's rate is written to the pip, without a dollar sign, in the confirmation as in /price.
    const pair = await say(user, "/alert OANDA:EUR_USD above 1.0850");
    expect(pair.text).toMatch(/^✅ Alert set: OANDA:EUR_USD above 1\.0850/);
    expect(pair.text).toMatch(/OANDA:EUR_USD is at 1\.0842 now\./);
    const refused = await say(user, "/alert OANDA:EUR_USD above 1.0825");
    expect(refused.text).toMatch(/price is already at or above 1\.0825 \(current price 1\.0842\)/);
    expect((await say(user, "/watch oanda:eur_usd")).text).toMatch(/OANDA:EUR_USD/);
    const { items } = await direct.watchlist(user);
    expect(items.map((i) => i.symbol)).toContain("OANDA:EUR_USD");
  });

  it("refuse rth when set, saying why, and set nothing", async () => {
    const user = "pairs-b";
    const reply = await say(user, "/alert OANDA:EUR_USD above 1.1 rth");
    expect(reply.text).toMatch(/OANDA:EUR_USD is forex.*Sunday to Friday 17:00 New York.*leave out rth/);
    expect(await direct.listAlerts(user, { status: "open" })).toEqual([]);
  });

  it("refuse rth on edit (the bot says why; the alert service refuses a direct PATCH with a 400)", async () => {
    const user = "pairs-c";
    expect((await say(user, "/alert BINANCE:BTCUSDT below 90000")).text).toMatch(/^✅/);
    await say(user, "/alerts");
    const reply = await say(user, "/edit 1 rth");
    expect(reply.text).toMatch(/BINANCE:BTCUSDT is crypto.*around the clock.*leave out rth/);
    const [alert] = await direct.listAlerts(user, { status: "open" });
    expect(alert).toMatchObject({ symbol: "BINANCE:BTCUSDT", regularHoursOnly: false, version: 1 });
    const refused = await direct
      .updateAlert(user, alert!.id, { regularHoursOnly: true })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 400, code: "regular_hours_not_applicable" });
    // Nor can a pair become an earnings alert.
    expect((await say(user, "/edit 1 earnings")).text).toMatch(
      /BINANCE:BTCUSDT is crypto: it has no earnings/,
    );
    expect((await say(user, "/alert OANDA:EUR_USD earnings")).text).toMatch(
      /OANDA:EUR_USD is forex: it has no earnings/,
    );
    // Other edits of the pair go through.
    expect((await say(user, "/edit 1 below 88000")).text).toMatch(
      /^✏️ Changed: BINANCE:BTCUSDT below \$88,000\.00/,
    );
  });

  it("keep rth for stocks", async () => {
    const user = "pairs-d";
    expect((await say(user, "/alert AAPL above 200 rth")).text).toMatch(/^✅.*regular hours/);
  });
});
