import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { startAlertService } from "@tickerbell/alerts";
import { createLogger, createMetricsRegistry } from "@tickerbell/config";
import {
  type BarPart,
  CallBudget,
  createHttpApp,
  FinnhubMarketData,
  FinnhubRestClient,
  openPricingDb,
  SqlBarStore,
  StudiesBook,
} from "@tickerbell/pricing";
import { createTestDatabase, FakeFinnhub, type TestDatabase } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AlertsClient } from "../src/clients/alerts-client.ts";
import { PricingClient } from "../src/clients/pricing-client.ts";
import { BarDryRun } from "../src/dry-run/dry-run-line.ts";
import { CommandHandler } from "../src/handler/command-handler.ts";
import type { ChatContext, Reply } from "../src/handler/ports.ts";

// Issue 17 item 7 through the command handler: the real alert service on PostgreSQL, the real pricing API (quotes
// from the fake Finnhub, bars from its PostgreSQL store, seeded here), the real HTTP clients. The expected counts
// and times are worked out by hand from the bars seeded, in the order a bar's trades are replayed: open, the
// extreme nearer the open, the other extreme, close, at 0/15/30/45 seconds into the minute.

const TOKEN = "telegram-bot-token-dry-run";
const logger = createLogger({ service: "bot-core-dry-run", level: "silent" });
const MIN = 60_000;
const DAY = 86_400_000;
/** Friday 4 December 2026, noon in New York. */
const NOW = Date.parse("2026-12-04T17:00:00Z");
const now = () => new Date(NOW);

let alertsDb: TestDatabase;
let barsDb: TestDatabase;
let store: SqlBarStore;
let finnhub: FakeFinnhub;
let service: Awaited<ReturnType<typeof startAlertService>>;
const servers: ReturnType<typeof serve>[] = [];

/**
 * A handler whose dry run has `budgetMs` and `followUpMs` (none by default: each test that wants the edit after
 * the reply says so), its quotes and bars from `prices`.
 */
function handlerOn(prices: PricingClient, budgetMs: number, followUpMs = 0): CommandHandler {
  return new CommandHandler({
    alerts: new AlertsClient({ baseUrl: alertsUrl, token: TOKEN, platform: "telegram" }),
    prices,
    logger,
    now,
    dryRun: new BarDryRun({ bars: prices, budgetMs, followUpMs, now: () => NOW }),
  });
}

/** A handler whose dry run has `budgetMs`, against a pricing API with (or without) price history. */
let handlerWith: (budgetMs: number, history?: boolean, followUpMs?: number) => CommandHandler;
/** The pricing API with its price history. */
let pricingWithHistory: (request: Request) => Response | Promise<Response>;
let alertsUrl: string;

async function listen(fetch: (request: Request) => Response | Promise<Response>): Promise<string> {
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(started));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function minuteBar(symbol: string, t: number, o: number, h: number, l: number, c: number): BarPart {
  return { symbol, resolution: "1m", t, o, h, l, c, v: 100, n: 1, openTs: t, closeTs: t + 59_000 };
}

function dailyBar(symbol: string, t: number, o: number, h: number, l: number, c: number): BarPart {
  return { symbol, resolution: "1d", t, o, h, l, c, v: 1000, n: 10, openTs: t, closeTs: t };
}

const chat = (platformUserId: string): ChatContext => ({
  platform: "telegram",
  platformUserId,
  chatId: `chat-${platformUserId}`,
});

beforeAll(async () => {
  alertsDb = await createTestDatabase("tb_botcore_dry_run");
  barsDb = await createTestDatabase("tb_botcore_dry_run_bars");
  store = new SqlBarStore(await openPricingDb({ kind: "postgres", url: barsDb.url }));
  finnhub = await FakeFinnhub.start();
  service = await startAlertService({
    database: { kind: "postgres", url: alertsDb.url },
    tokens: { telegram: TOKEN },
    maxOpenAlertsPerUser: 100,
    userCommandsPerMinute: 100_000,
    logger,
    metrics: createMetricsRegistry("alerts"),
  });
  alertsUrl = await listen(service.app.fetch);
  const marketData = new FinnhubMarketData(
    new FinnhubRestClient({
      baseUrl: finnhub.restUrl,
      apiKey: finnhub.apiKey,
      budget: new CallBudget({ callsPerWindow: 600 }),
    }),
  );
  const pricingApi = (bars?: SqlBarStore) =>
    createHttpApp({
      marketData,
      ...(bars ? { bars, studies: new StudiesBook({ store: bars, log: logger, now: () => NOW }) } : {}),
      metrics: createMetricsRegistry("pricing"),
      log: logger,
      isReady: () => true,
      now: () => NOW,
      // Every symbol on the live stream: the feed's wording is feed-wording.test.ts's subject.
      feedOf: () => ({ path: "streamed", maxStalenessSeconds: null, streamCap: 50 }),
    });
  pricingWithHistory = pricingApi(store).fetch;
  const withHistory = new PricingClient({ baseUrl: await listen(pricingWithHistory) });
  const withoutHistory = new PricingClient({ baseUrl: await listen(pricingApi().fetch) });
  handlerWith = (budgetMs, history = true, followUpMs = 0) =>
    handlerOn(history ? withHistory : withoutHistory, budgetMs, followUpMs);

  await store.writeHistory([
    // AAPL (at $190 on the fake Finnhub), recorded for all 30 days: a quiet first minute 29 days 23 hours ago,
    minuteBar("AAPL", NOW - 30 * DAY + 60 * MIN, 190, 190.2, 189.9, 190.1),
    // 18 November 15:10 UTC: 194, 193.9, 195.5 reaches `above 195` (15:10:30), 195.
    minuteBar("AAPL", Date.parse("2026-11-18T15:10:00Z"), 194, 195.5, 193.9, 195),
    // The same hour: cooling; 196 does not count.
    minuteBar("AAPL", Date.parse("2026-11-18T15:40:00Z"), 195, 196, 194.8, 195.2),
    // 1 December 14:32 UTC: 194 is back at the band (194.025), 193.5, then 196 fires again (14:32:30).
    minuteBar("AAPL", Date.parse("2026-12-01T14:32:00Z"), 194, 196, 193.5, 194),
    // MSFT ($410), recorded for the last 6 days only, never near 400.
    minuteBar("MSFT", NOW - 6 * DAY + 30 * MIN, 410, 411, 409, 410),
    minuteBar("MSFT", NOW - 2 * DAY, 410, 412, 405, 406),
    // AMZN ($180): daily bars for a month (from 5 November: 29 days 17 hours, a month), minute bars for the last
    // two days (as a Finnhub back-fill leaves it).
    dailyBar("AMZN", Date.parse("2026-11-05T00:00:00Z"), 170, 171, 169, 170),
    // 20 November: 176, 175.5, 182 reaches `above 181` at 13:50 New York, 181.
    dailyBar("AMZN", Date.parse("2026-11-20T00:00:00Z"), 176, 182, 175.5, 181),
    minuteBar("AMZN", NOW - 2 * DAY, 179, 179.5, 178.5, 179),
    // NVDA ($120) for `above sma 3`: closes of 126 on 2 and 3 December put its SMA at 124 now. On 5 November (the
    // 30 days' first day) its SMA at p is (118 + 118 + p) / 3, from the closes of 3 and 4 November, before the 30
    // days: 117 (SMA 117.67), 116.5, then 119 against 118.33 fires at 15:10:30 UTC.
    dailyBar("NVDA", Date.parse("2026-11-03T00:00:00Z"), 118, 118, 118, 118),
    dailyBar("NVDA", Date.parse("2026-11-04T00:00:00Z"), 118, 118, 118, 118),
    minuteBar("NVDA", Date.parse("2026-11-05T15:10:00Z"), 117, 119, 116.5, 118.5),
    dailyBar("NVDA", Date.parse("2026-11-05T00:00:00Z"), 117, 119, 116.5, 118.5),
    dailyBar("NVDA", Date.parse("2026-12-02T00:00:00Z"), 126, 126, 126, 126),
    dailyBar("NVDA", Date.parse("2026-12-03T00:00:00Z"), 126, 126, 126, 126),
    // META ($500) for `below sma 3`: closes of 490 on 2 and 3 December (its SMA now 493.33), one minute before them.
    minuteBar("META", Date.parse("2026-11-10T15:00:00Z"), 480, 481, 479, 480),
    dailyBar("META", Date.parse("2026-12-02T00:00:00Z"), 490, 490, 490, 490),
    dailyBar("META", Date.parse("2026-12-03T00:00:00Z"), 490, 490, 490, 490),
  ]);
}, 60_000);

afterAll(async () => {
  for (const server of servers) await new Promise<void>((resolve) => server.close(() => resolve()));
  await service?.close();
  await store?.close();
  await finnhub?.close();
  await alertsDb?.drop();
  await barsDb?.drop();
});

async function set(handler: CommandHandler, user: string, text: string): Promise<Reply> {
  const reply = await handler.handleText(chat(user), text);
  expect(reply.text, text).toMatch(/^✅ Alert set/);
  return reply;
}

describe("the dry run under a new alert", () => {
  it("counts the firings of the last 30 days, a one-shot alert as repeating hourly, and names the last", async () => {
    const reply = await set(handlerWith(60_000), "dry-a", "/alert AAPL above 195");
    expect(reply.text.split("\n").at(-1)).toBe(
      "In the last 30 days this alert would have fired 2 times (last: 2026-12-01 14:32 UTC at $196.00).",
    );
  });

  it("says how many days are recorded when fewer than 30, and reads naturally at zero", async () => {
    const reply = await set(handlerWith(60_000), "dry-b", "/alert MSFT below 400");
    expect(reply.text.split("\n").at(-1)).toBe("It would not have fired in the 6 days recorded.");
  });

  it("falls back to daily bars where they reach further back, and says so", async () => {
    const reply = await set(handlerWith(60_000), "dry-c", "/alert AMZN above 181");
    expect(reply.text.split("\n").at(-1)).toBe(
      "In the last 30 days this alert would have fired once (last: 2026-11-20 at $182.00), judged from daily highs and lows.",
    );
  });

  it("replays an indicator alert from the closes before the 30 days", async () => {
    const reply = await set(handlerWith(60_000), "dry-sma", "/alert NVDA above sma 3");
    expect(reply.text.split("\n").at(-1)).toBe(
      "In the last 30 days this alert would have fired once (last: 2026-11-05 15:10 UTC at $119.00).",
    );
  });

  it("leaves the line out for an indicator the replayed bars never had enough closes for", async () => {
    // META's only minutes (10 November) come before any daily close: its SMA 3 has no value there.
    const reply = await set(handlerWith(60_000), "dry-sma-short", "/alert META below sma 3");
    expect(reply.text.split("\n").at(-1)).toBe("META is at $500.00 now.");
  });

  it("keeps a regular-hours-only alert on the minute bars", async () => {
    // AMZN's minute bars hold two days, 2 December 17:00 UTC (noon in New York): 179.5 is short of 181.
    const reply = await set(handlerWith(60_000), "dry-d", "/alert AMZN above 181 rth");
    expect(reply.text.split("\n").at(-1)).toBe("It would not have fired in the 2 days recorded.");
  });

  it("runs under each level of a several-level command, over one fetch of the bars", async () => {
    // The real pricing API, counting the bar requests it answers.
    const barRequests: string[] = [];
    const counting = await listen((request) => {
      const url = new URL(request.url);
      if (url.pathname.startsWith("/v1/bars/")) barRequests.push(url.search);
      return pricingWithHistory(request);
    });
    const handler = handlerOn(new PricingClient({ baseUrl: counting }), 60_000);
    const reply = await handler.handleText(chat("dry-levels"), "/alert AAPL above 195 196 199");
    // A day's bars and 30 days of minutes in week-long requests: six for the three levels together.
    expect(barRequests).toHaveLength(6);
    // AMZN's minutes start within the last week and its daily bars reach a month back: the daily bars and the
    // oldest week of minutes (empty) are all it asks for.
    barRequests.length = 0;
    const amzn = await handler.handleText(chat("dry-levels"), "/alert AMZN above 181");
    expect(amzn.text).toContain("judged from daily highs and lows");
    expect(barRequests).toHaveLength(2);
    expect(reply.text.split("\n")).toEqual([
      "✅ 3 alerts set on AAPL",
      "✅ AAPL above $195.00",
      "   In the last 30 days this alert would have fired 2 times (last: 2026-12-01 14:32 UTC at $196.00).",
      "✅ AAPL above $196.00",
      // 18 November's 196 at 15:40:30 (the minute's high), and 1 December's 196 at 14:32:30, past the band.
      "   In the last 30 days this alert would have fired 2 times (last: 2026-12-01 14:32 UTC at $196.00).",
      "✅ AAPL above $199.00",
      "   It would not have fired in the last 30 days.",
      "AAPL is at $190.00 now.",
    ]);
    // Over budget: the levels are set all the same, without the lines; with a follow-up they come in an edit.
    const late = await handlerWith(0).handleText(chat("dry-levels-late"), "/alert AAPL above 201 202");
    expect(late.text.split("\n")).toEqual([
      "✅ 2 alerts set on AAPL",
      "✅ AAPL above $201.00",
      "✅ AAPL above $202.00",
      "AAPL is at $190.00 now.",
    ]);
    expect(late.amended).toBeUndefined();
    const followed = await handlerWith(0, true, 60_000).handleText(
      chat("dry-levels-late"),
      "/alert AAPL above 203 205 207",
    );
    expect(followed.text.split("\n")).toHaveLength(5);
    const amendment = await followed.amended;
    const lines = [
      "✅ AAPL above $203.00",
      "   It would not have fired in the last 30 days.",
      "✅ AAPL above $205.00",
      "   It would not have fired in the last 30 days.",
      "✅ AAPL above $207.00",
      "   It would not have fired in the last 30 days.",
    ];
    expect(amendment?.added.split("\n")).toEqual(lines);
    expect(amendment?.reply.text.split("\n")).toEqual([
      "✅ 3 alerts set on AAPL",
      ...lines,
      "AAPL is at $190.00 now.",
    ]);
    expect(amendment?.reply.buttons).toEqual(followed.buttons);
  });

  it("leaves the line out when the budget cannot be met, and the alert is set all the same", async () => {
    const reply = await set(handlerWith(0), "dry-e", "/alert AAPL above 197");
    expect(reply.text).not.toMatch(/would (not )?have fired/);
    expect(reply.text.split("\n").at(-1)).toBe("AAPL is at $190.00 now.");
    expect(reply.amended).toBeUndefined();
  });

  it("past the budget, the line follows in an amended reply once the bars are in", async () => {
    const reply = await set(handlerWith(0, true, 60_000), "dry-e2", "/alert AAPL above 195");
    expect(reply.text.split("\n").at(-1)).toBe("AAPL is at $190.00 now.");
    const line =
      "In the last 30 days this alert would have fired 2 times (last: 2026-12-01 14:32 UTC at $196.00).";
    const amendment = await reply.amended;
    // On its own (the console prints it after other lines), it names its alert.
    expect(amendment?.added).toBe(`✅ AAPL above $195.00\n   ${line}`);
    // The confirmation as it would have read in time: the same text and buttons, the line added.
    expect(amendment?.reply.text).toBe(`${reply.text}\n${line}`);
    expect(amendment?.reply.buttons).toEqual(reply.buttons);
    expect(amendment?.reply.alerts).toEqual(reply.alerts);
  });

  it("abandons the bar requests still under way once its budget is over: the pricing service sees them closed", async () => {
    // The real pricing API, except that its bars take until the asker hangs up.
    const held: string[] = [];
    const closed: string[] = [];
    const slowBars = await listen(async (request) => {
      const url = new URL(request.url);
      if (!url.pathname.startsWith("/v1/bars/")) return pricingWithHistory(request);
      const asked = `${url.searchParams.get("resolution")} from ${url.searchParams.get("from")}`;
      held.push(asked);
      await new Promise<void>((resolve) => request.signal.addEventListener("abort", () => resolve()));
      closed.push(asked);
      return new Response(null, { status: 503 });
    });
    // The client's own timeout is far beyond the test's: only the dry run's abandoning closes the requests.
    const prices = new PricingClient({ baseUrl: slowBars, timeoutMs: 600_000 });
    const reply = await set(handlerOn(prices, 200), "dry-h", "/alert AAPL above 199");
    expect(reply.text.split("\n").at(-1)).toBe("AAPL is at $190.00 now.");
    // The daily bars and the oldest week of minutes, asked first: both closed by the asker.
    while (closed.length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(held).toHaveLength(2);
    expect(new Set(closed)).toEqual(new Set(held));
    // With a follow-up, they are kept open for it, and closed once it is over too: nothing is added then.
    held.length = 0;
    closed.length = 0;
    const followed = await set(handlerOn(prices, 200, 2000), "dry-h", "/alert AAPL above 198");
    while (held.length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closed).toEqual([]);
    expect(await followed.amended).toBeNull();
    while (closed.length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(new Set(closed)).toEqual(new Set(held));
  }, 30_000);

  it("leaves the line out when the pricing service records no history", async () => {
    const reply = await set(handlerWith(60_000, false), "dry-f", "/alert AAPL above 198");
    expect(reply.text).not.toMatch(/would (not )?have fired/);
    expect(reply.text.split("\n").at(-1)).toBe("AAPL is at $190.00 now.");
  });

  it("leaves the line out for a symbol with no bars", async () => {
    const reply = await set(handlerWith(60_000), "dry-g", "/alert TSLA above 250");
    expect(reply.text.split("\n").at(-1)).toBe("TSLA is at $240.00 now.");
  });
});
