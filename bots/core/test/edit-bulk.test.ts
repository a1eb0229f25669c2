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

// Issue 14 items 5 and 6 through the command handler with its real HTTP client against the real alert service on
// PostgreSQL: `/edit N …` changes an alert in place, `/pause all`, `/resume all`, `/delete AAPL`, `/delete all`
// act on many alerts, deleting only after a Yes that acts on the alerts shown.

const TOKEN = "telegram-bot-token-edit-bulk";
const logger = createLogger({ service: "bot-core-edit-bulk", level: "silent" });
let clockMs = Date.parse("2026-06-01T14:00:00Z");
const now = () => new Date(clockMs);
const priceOf: Record<string, number> = { AAPL: 190, MSFT: 400, ADBE: 500 };
const prices: PriceLookup = {
  quote: async (symbol) => ({ symbol, price: priceOf[symbol] ?? 100, previousClose: 188, ts: clockMs }),
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

const labels = (reply: Reply) => (reply.buttons ?? []).flat().map((b) => b.label);
const button = (reply: Reply, label: RegExp) => {
  const found = (reply.buttons ?? []).flat().find((b) => label.test(b.label));
  if (!found) throw new Error(`no button ${label} in ${JSON.stringify(reply.buttons)}`);
  return found.action;
};

beforeAll(async () => {
  db = await createTestDatabase("tb_botcore_edit_bulk");
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

describe("/edit", () => {
  it("changes the level in place: same alert, re-based, with what it was and the price now", async () => {
    const user = "editor-a";
    expect((await say(user, "/alert AAPL above 200 repeat 1h")).text).toMatch(/^✅/);
    const [before] = await direct.listAlerts(user, { status: "open" });
    await say(user, "/alerts");
    const reply = await say(user, "/edit 1 above 210");
    expect(reply.text).toBe(
      "✏️ Changed: AAPL above $210.00 · repeats every 1h\nWas above $200.00; armed again at the new level.\nAAPL is at $190.00 now.",
    );
    expect(labels(reply)).toEqual(["⏸ Pause", "🗑 Delete"]);
    const after = await direct.getAlert(user, before!.id);
    expect(after).toMatchObject({ id: before!.id, condition: { target: 210 }, levelsRevision: 1 });

    // A bare price keeps the kind and direction; the options change only what is named.
    expect((await say(user, "/edit 1 215")).text).toMatch(
      /^✏️ Changed: AAPL above \$215\.00 · repeats every 1h\n/,
    );
    const noted = await say(user, '/edit 1 note "trim here" once expires 3d');
    expect(noted.text).toBe(
      "✏️ Changed: AAPL above $215.00 · expires in 3 days (2026-06-04 14:00 UTC) · “trim here”",
    );
    // In the user's own zone once they set one.
    await say(user, "/settings tz Asia/Tokyo");
    expect((await say(user, "/edit 1 expires 3d")).text).toBe(
      "✏️ Changed: AAPL above $215.00 · expires in 3 days (2026-06-04 23:00 GMT+9) · “trim here”",
    );
    expect((await say(user, "/edit 1 expires never")).text).toBe(
      "✏️ Changed: AAPL above $215.00 · “trim here”",
    );
    const final = await direct.getAlert(user, before!.id);
    expect(final).toMatchObject({ levelsRevision: 2, repeat: null, expiresAt: null, note: "trim here" });
  });

  it("reads a bare value in the alert's own kind, and refuses one that does not fit it", async () => {
    const user = "editor-b";
    await say(user, "/alert AAPL down 5%");
    await say(user, "/alerts");
    // Re-based from the price now, as a new alert: 8% under $190.00.
    expect((await say(user, "/edit 1 8%")).text).toBe(
      "✏️ Changed: AAPL down 8% from the price when set · fires at $174.80\nWas down 5% from the price when set; armed again at the new level.\nAAPL is at $190.00 now.",
    );
    const wrong = await say(user, "/edit 1 210");
    expect(wrong.text).toMatch(
      /^That alert moves by a percentage \(.*\); give one like 5%, or a whole condition like above 210\./,
    );
    expect(wrong.text).toMatch(/\nExample: \/edit [0-9a-f]{8} 5%$/);
    expect((await say(user, "/edit 1 note hi")).text).toMatch(/^✏️ Changed: .*“hi”$/);
  });

  it("refuses what a new alert would refuse: a level already met, a twin", async () => {
    const user = "editor-c";
    await say(user, "/alert AAPL above 200");
    await say(user, "/alert AAPL above 220");
    await say(user, "/alerts");
    expect((await say(user, "/edit 2 below 195")).text).toMatch(
      /^That would fire right away: price is already at or below \$195\.00/,
    );
    expect((await say(user, "/edit 2 200")).text).toBe(
      "You already have that alert: AAPL above $200.00\nThis one was not changed.",
    );
    expect((await say(user, "/edit 2 220")).text).toBe("Nothing to change: AAPL above $220.00");
    expect((await say(user, "/edit 7 230")).text).toMatch(/there is no number 7/);
  });
});

describe("bulk actions", () => {
  it("asks before deleting a ticker's alerts, and deletes those shown, not one set since", async () => {
    const user = "bulk-a";
    for (const level of [200, 210, 220]) await say(user, `/alert AAPL above ${level}`);
    await say(user, "/alert MSFT above 450");
    const ask = await say(user, "/delete AAPL");
    expect(ask.text).toBe(
      "*Delete all 3 AAPL alerts?*\n• AAPL above $200.00\n• AAPL above $210.00\n• AAPL above $220.00",
    );
    expect(labels(ask)).toEqual(["🗑 Yes, delete 3", "No, keep them"]);
    expect(ask.confirm).toEqual({ yes: button(ask, /Yes/), no: button(ask, /No/) });
    // Nothing is deleted by asking.
    expect(await direct.listAlerts(user, { status: "open", symbol: "AAPL" })).toHaveLength(3);

    // Set after the question: not part of what the user agreed to delete.
    await say(user, "/alert AAPL above 230");
    // Someone else pressing the button (a group chat) deletes nothing of theirs, nor of the asker's.
    clockMs += 1000;
    expect((await bot.handleAction(chat("bulk-intruder"), button(ask, /Yes/))).text).toBe(
      "That button was for someone else's alerts.",
    );
    clockMs += 1000;
    const done = await bot.handleAction(chat(user), button(ask, /Yes/));
    expect(done.text).toBe(
      "🗑 Deleted 3 AAPL alerts.\n• AAPL above $200.00 · cancelled\n• AAPL above $210.00 · cancelled\n• AAPL above $220.00 · cancelled",
    );
    expect(done.alerts).toHaveLength(3);
    const left = await direct.listAlerts(user, { status: "open" });
    expect(left.map((a) => `${a.symbol} ${a.condition.kind === "price" ? a.condition.target : ""}`)).toEqual([
      "MSFT 450",
      "AAPL 230",
    ]);
    // The same button again: nothing left of what it asked about.
    expect((await bot.handleAction(chat(user), button(ask, /Yes/))).text).toBe(
      "Nothing left to delete: those alerts have fired, expired or been deleted since.",
    );
  });

  it("keeps everything on No, and /delete all asks about every alert", async () => {
    const user = "bulk-b";
    await say(user, "/alert AAPL above 200");
    await say(user, "/alert MSFT above 450");
    const ask = await say(user, "/delete all");
    expect(ask.text).toBe("*Delete all 2 of your alerts?*\n• AAPL above $200.00\n• MSFT above $450.00");
    const kept = await bot.handleAction(chat(user), button(ask, /No/));
    expect(kept.text).toBe("Kept your 2 alerts; nothing was deleted.");
    expect(await direct.listAlerts(user, { status: "open" })).toHaveLength(2);
    const yes = await bot.handleAction(chat(user), button(ask, /Yes/));
    expect(yes.text).toMatch(/^🗑 Deleted 2 alerts\./);
    expect(await direct.listAlerts(user, { status: "open" })).toHaveLength(0);
    expect((await say(user, "/delete all")).text).toBe("You have no alerts yet. Try /alert AAPL above 200");
    expect((await say(user, "/delete AAPL")).text).toBe("You have no alerts on AAPL.");
  });

  it("pauses and resumes all at once, within one command's request allowance however many alerts", async () => {
    const user = "bulk-c";
    for (let i = 0; i < 30; i++) await say(user, `/alert MSFT above ${450 + i}`);
    await say(user, "/alerts");
    await say(user, "/pause 1");
    requestsPerCommand.clear();
    const paused = await say(user, "/pause all");
    expect(paused.text.split("\n")[0]).toBe("⏸ Paused 29 alerts (1 was paused already).");
    expect(paused.text).toContain("• MSFT above $451.00 · paused");
    expect(paused.text).toContain("…and 14 more");
    expect(labels(paused)).toEqual(["▶ Resume all"]);
    // Under the command's id: the undeliverable check, one list, one bulk request (resolving the user is apart).
    requestsPerCommand.delete("none");
    expect([...requestsPerCommand.values()]).toEqual([3]);
    expect((await direct.listAlerts(user, { status: "paused" })).length).toBe(30);
    expect((await say(user, "/pause all")).text).toBe("All 30 of your alerts are paused already.");

    const resumed = await bot.handleAction(chat(user), button(paused, /Resume all/));
    expect(resumed.text.split("\n")[0]).toBe("▶ Resumed 30 alerts.");
    expect((await direct.listAlerts(user, { status: "active" })).length).toBe(30);
    expect((await say(user, "/resume all")).text).toBe("All 30 of your alerts are active already.");
  });

  it("reads letters that are also an id prefix as the ticker when the user holds it", async () => {
    const user = "bulk-d";
    await say(user, "/alert ADBE above 600");
    const ask = await say(user, "/delete ADBE");
    expect(ask.text).toBe("*Delete your ADBE alert?*\n• ADBE above $600.00");
    expect(labels(ask)).toEqual(["🗑 Yes, delete it", "No, keep it"]);
  });
});
