import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { startAlertService } from "@tickerbell/alerts";
import { createLogger, createMetricsRegistry } from "@tickerbell/config";
import { createTestDatabase, type TestDatabase } from "@tickerbell/testkit";
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AlertsClient } from "../src/clients/alerts-client.ts";
import type { Fetch } from "../src/clients/http.ts";
import { CommandHandler } from "../src/handler/command-handler.ts";
import type { ChatContext, PriceLookup } from "../src/handler/ports.ts";

// Issue 13 item 8: the bots used to fetch every alert a user ever had (2,000 alerts: 1.2 MB a call) for /alerts,
// /delete N, /pause N. Here the command handler runs with its real HTTP client against the real alert service on
// PostgreSQL, and every exchange that crosses the HTTP boundary is recorded: what was asked, and how much came back.

const TOKEN = "telegram-bot-token-open-alerts-01";
const HISTORY = 2000;
const logger = createLogger({ service: "bot-core-open-alerts", level: "silent" });
let clockMs = Date.parse("2026-06-01T14:00:00Z");
const now = () => new Date(clockMs);

const prices: PriceLookup = {
  quote: async (symbol) => ({ symbol, price: 190, previousClose: 188, ts: clockMs }),
  search: async () => [],
};

interface Exchange {
  method: string;
  path: string;
  query: URLSearchParams;
  status: number;
  bytes: number;
  /** How many alerts a list answer carried. */
  alerts: number | null;
}

let db: TestDatabase;
let service: Awaited<ReturnType<typeof startAlertService>>;
let server: ReturnType<typeof serve>;
let baseUrl: string;
const exchanges: Exchange[] = [];

/** The network fetch, noting what crossed it (nothing is changed on the way). */
const recordingFetch: Fetch = async (request) => {
  const url = new URL(request.url);
  const response = await fetch(request);
  const body = await response.clone().text();
  let alerts: number | null = null;
  try {
    const parsed = JSON.parse(body);
    if (Array.isArray(parsed?.alerts)) alerts = parsed.alerts.length;
  } catch {}
  exchanges.push({
    method: request.method,
    path: url.pathname,
    query: url.searchParams,
    status: response.status,
    bytes: Buffer.byteLength(body),
    alerts,
  });
  return response;
};

const isListCall = (e: Exchange) => e.method === "GET" && e.path === "/v1/alerts";

function handler(pageSize?: number): CommandHandler {
  return new CommandHandler({
    alerts: new AlertsClient({
      baseUrl,
      token: TOKEN,
      platform: "telegram",
      fetch: recordingFetch,
      ...(pageSize === undefined ? {} : { pageSize }),
    }),
    prices,
    logger,
    now,
  });
}

const chat = (platformUserId: string): ChatContext => ({
  platform: "telegram",
  platformUserId,
  chatId: `chat-${platformUserId}`,
});

/** The same API without the recording: the test's own hands. */
let direct: AlertsClient;

async function openAlertsOf(user: string, count: number, bot: CommandHandler): Promise<void> {
  for (let i = 0; i < count; i++) {
    clockMs += 1000;
    const reply = await bot.handleText(chat(user), `/alert AAPL above ${200 + i}`);
    expect(reply.text, reply.text).toMatch(/^✅/);
  }
}

beforeAll(async () => {
  db = await createTestDatabase("tb_botcore_open_alerts");
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
}, 60_000);
afterAll(async () => {
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  await service?.close();
  await db?.drop();
});
beforeEach(() => {
  exchanges.length = 0;
});

describe("a user with 2,000 finished alerts and three open ones", () => {
  const USER = "hoarder";
  let bot: CommandHandler;
  let open: string[];

  beforeAll(async () => {
    bot = handler();
    // Every alert they ever had, set and deleted through the API: the history the issue measured.
    let next = 0;
    const worker = async () => {
      while (next < HISTORY) {
        // Each its own level: the service refuses an open twin, and eight run at once.
        const target = 500 + next++ / 100;
        const alert = await direct.createAlert(USER, {
          symbol: "MSFT",
          condition: { kind: "price", direction: "above", target },
          market: { last: 400 },
          origin: { platform: "telegram", chatId: `chat-${USER}` },
        });
        await direct.cancelAlert(USER, alert.id);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    await openAlertsOf(USER, 3, bot);
    open = (await direct.listAlerts(USER, { status: "open" })).map((a) => a.id);
    expect(open).toHaveLength(3);
  }, 180_000);

  it("/alerts asks for the open alerts only: three alerts cross the boundary, not 2,003", async () => {
    const reply = await bot.handleText(chat(USER), "/alerts");
    expect(reply.text).toMatch(/^\*Your alerts\* \(3\)/);
    const lists = exchanges.filter(isListCall);
    expect(lists.length).toBe(1);
    expect(lists.every((e) => e.query.get("status") === "open")).toBe(true);
    expect(lists.reduce((sum, e) => sum + (e.alerts ?? 0), 0)).toBe(3);

    // What the old way (every alert, page after page) would have carried, for comparison.
    exchanges.length = 0;
    const everything = await handlerClient().listAlerts(chat(USER));
    expect(everything).toHaveLength(HISTORY + 3);
    const historyBytes = exchanges.filter(isListCall).reduce((sum, e) => sum + e.bytes, 0);
    const openBytes = lists.reduce((sum, e) => sum + e.bytes, 0);
    expect(openBytes).toBeLessThan(5_000);
    expect(historyBytes).toBeGreaterThan(500 * openBytes);
  });

  it("/pause N, /resume N and /delete N of the list just seen fetch that one alert, not a list", async () => {
    await bot.handleText(chat(USER), "/alerts");
    for (const [command, verb, index] of [
      ["/pause 1", "PATCH", 0],
      ["/resume 1", "PATCH", 0],
      ["/delete 3", "DELETE", 2],
    ] as const) {
      exchanges.length = 0;
      const reply = await bot.handleText(chat(USER), command);
      expect(reply.text).toMatch(/^(Paused|Resumed|Deleted): /);
      const alertCalls = exchanges.filter((e) => e.path.startsWith("/v1/alerts"));
      expect(
        alertCalls.map((e) => `${e.method} ${e.path}`),
        command,
      ).toEqual([`GET /v1/alerts/${open[index]}`, `${verb} /v1/alerts/${open[index]}`]);
    }
  });

  it("says so when the alert numbered in the list seen has finished since, without listing", async () => {
    const reply = await bot.handleText(chat(USER), "/alerts");
    expect(reply.text).toMatch(/^\*Your alerts\* \(2\)/);
    await direct.cancelAlert(USER, open[1]!);
    exchanges.length = 0;
    const answer = await bot.handleText(chat(USER), "/pause 2");
    expect(answer.text).toMatch(
      /Alert 2 of your last list \(\w{8}\) has fired, expired or been deleted since/,
    );
    expect(exchanges.filter(isListCall)).toEqual([]);
  });
});

/** A client with the recording, for the comparison. */
function handlerClient(): AlertsClient {
  return new AlertsClient({ baseUrl, token: TOKEN, platform: "telegram", fetch: recordingFetch });
}

describe("commands that name an alert without a list seen", () => {
  it("/pause N asks for the open alerts only, following every page", async () => {
    const user = "pager";
    // Two open alerts a page: five open alerts take three pages, and finished ones are never asked for.
    const bot = handler(2);
    await openAlertsOf(user, 5, bot);
    const finished = await direct.createAlert(user, {
      symbol: "MSFT",
      condition: { kind: "price", direction: "above", target: 500 },
      market: { last: 400 },
      origin: { platform: "telegram", chatId: `chat-${user}` },
    });
    await direct.cancelAlert(user, finished.id);
    exchanges.length = 0;
    const fresh = handler(2);
    const reply = await fresh.handleText(chat(user), "/pause 5");
    expect(reply.text).toMatch(/^Paused: AAPL above \$204\.00/);
    const lists = exchanges.filter(isListCall);
    expect(lists.map((e) => e.query.get("status"))).toEqual(["open", "open", "open"]);
    expect(lists.map((e) => e.alerts)).toEqual([2, 2, 1]);
  });

  it("/delete <id> by its full id fetches that alert; by a prefix it looks among the open ones", async () => {
    const user = "by-id";
    const bot = handler();
    await openAlertsOf(user, 2, bot);
    const [first, second] = await direct.listAlerts(user, { status: "open" });
    exchanges.length = 0;
    expect((await bot.handleText(chat(user), `/delete ${first!.id}`)).text).toMatch(/^Deleted: /);
    expect(exchanges.filter(isListCall)).toEqual([]);
    exchanges.length = 0;
    const prefix = second!.id.slice(0, 8);
    expect((await bot.handleText(chat(user), `/pause ${prefix}`)).text).toMatch(/^Paused: /);
    // A prefix without a digit (0.04% of ids, `/pause beefcafe`) also spells a ticker, whose open alerts are
    // looked at first: one more read of open alerts, scoped to that ticker.
    const lookups = exchanges.filter(isListCall);
    expect(lookups.map((e) => e.query.get("status"))).toEqual(
      /\d/.test(prefix) ? ["open"] : ["open", "open"],
    );
    expect(lookups.at(-1)?.query.get("symbol") ?? null).toBeNull();
    // A deleted alert's full id is not one of the user's alerts to act on any more.
    expect((await bot.handleText(chat(user), `/pause ${first!.id}`)).text).toMatch(
      /I can't find an alert .* among yours/,
    );
  });
});

describe("numbers in the list seen, as a property", () => {
  it("/pause N acts on the Nth alert shown, or says there is no number N", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 7 }),
        async (openCount, finishedCount, position) => {
          const user = `numbered-${run++}`;
          const bot = handler(2);
          await openAlertsOf(user, openCount, bot);
          for (let i = 0; i < finishedCount; i++) {
            const alert = await direct.createAlert(user, {
              symbol: "MSFT",
              condition: { kind: "price", direction: "above", target: 500 },
              market: { last: 400 },
              origin: { platform: "telegram", chatId: `chat-${user}` },
            });
            await direct.cancelAlert(user, alert.id);
          }
          await bot.handleText(chat(user), "/alerts");
          const shown = await direct.listAlerts(user, { status: "open" });
          const reply = await bot.handleText(chat(user), `/pause ${position}`);
          const target = shown[position - 1];
          if (target === undefined) {
            expect(reply.text).toMatch(/no number|You have 0 alert/);
            return;
          }
          expect(reply.text).toMatch(/^Paused: /);
          const after = await direct.getAlert(user, target.id);
          expect(after.status).toBe("paused");
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);
});
