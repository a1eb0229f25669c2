// Earnings alerts end to end against the fake Finnhub: `/alert AAPL earnings` by chat, the pricing API reading
// Finnhub's /calendar/earnings within its REST budget, the alert service's earnings scheduler on a clock the
// test moves, notifications.telegram on the in-memory bus, and the real telegraf notifier to the fake Bot API.
import { EarningsScheduler, PricingEarningsCalendar, Reemitter } from "@tickerbell/alerts";
import { consumeNotifications } from "@tickerbell/bot-core";
import { InMemoryBus, type Subscription } from "@tickerbell/bus";
import { createLogger } from "@tickerbell/config";
import { TOPIC_CATALOG } from "@tickerbell/contracts";
import { CachedMarketData, CallBudget, FinnhubMarketData, FinnhubRestClient } from "@tickerbell/pricing";
import { FakeFinnhub, type FakeUserInput, type RecordedMessage } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "./harness.ts";

const logger = createLogger({ service: "earnings-test", level: "silent" });
let now = Date.parse("2027-01-27T15:00:00Z"); // 10:00 in New York, the day before AAPL reports
const clock = { now: () => new Date(now) };
let fake: FakeFinnhub;
let world: World;
let bus: InMemoryBus<typeof TOPIC_CATALOG>;
let subscription: Subscription;

beforeAll(async () => {
  fake = await FakeFinnhub.start({
    earnings: [
      {
        symbol: "AAPL",
        date: "2027-01-28",
        hour: "amc",
        quarter: 1,
        year: 2027,
        epsEstimate: 2.35,
        revenueEstimate: 124_130_000_000,
      },
      { symbol: "AAPL", date: "2027-04-29", hour: "bmo", quarter: 2, year: 2027 },
      { symbol: "MSFT", date: "2027-01-27", hour: "amc", quarter: 2, year: 2027 },
    ],
  });
  const rest = new FinnhubRestClient({
    baseUrl: fake.restUrl,
    apiKey: fake.apiKey,
    budget: new CallBudget({ callsPerWindow: 60 }),
  });
  world = await startWorld({
    marketData: new CachedMarketData(new FinnhubMarketData(rest), {}, () => now),
    pricingNow: () => now,
    alertsClock: clock,
  });
  bus = new InMemoryBus({ catalog: TOPIC_CATALOG });
  await bus.start();
  subscription = await consumeNotifications({ bus, platform: "telegram", pipeline: world.pipeline });
});
afterAll(async () => {
  await subscription?.stop();
  await bus?.close();
  await world?.close();
  await fake?.close();
});

function scheduler(publisher: ConstructorParameters<typeof EarningsScheduler>[0]["bus"] = bus) {
  return new EarningsScheduler({
    repository: world.alertService.earnings,
    calendar: new PricingEarningsCalendar({ baseUrl: world.pricingUrl }),
    bus: publisher,
    clock,
    logger,
  });
}

/** The earnings DMs in a chat (📅 the evening before, 📣 when due), once `count` of them have arrived. */
async function earningsDms(user: FakeUserInput, count: number): Promise<RecordedMessage[]> {
  const isEarnings = (m: RecordedMessage) =>
    m.chatId === user.id && m.method === "sendMessage" && /^(📅|📣)/.test(m.text ?? "");
  return world.telegram.waitForMessages(isEarnings, count, 15_000);
}

describe("earnings alerts against the fake Finnhub", () => {
  it("speak the evening before and when results are due, once each, quarter after quarter, until deleted", async () => {
    const ann = { id: 7001, first_name: "Ann" };
    const set = await world.say(ann, "/alert AAPL earnings");
    expect(set.text).toContain("✅ Alert set: AAPL earnings (the evening before and when results are due)");
    expect(set.text).toContain("Next earnings: Thu 2027-01-28, after the close (due 16:00 ET).");

    const earnings = scheduler();
    expect((await earnings.runOnce()).sent).toBe(0);
    now = Date.parse("2027-01-27T22:59:00Z"); // 17:59 in New York: not evening yet
    expect((await earnings.runOnce()).sent).toBe(0);
    now = Date.parse("2027-01-27T23:00:00Z");
    expect(await earnings.runOnce()).toEqual({ sent: 1, unavailable: [] });
    const [eve] = await earningsDms(ann, 1);
    expect(eve?.text).toBe(
      [
        "📅 AAPL reports earnings tomorrow after the close",
        "Date: Thu 2027-01-28 · after the close (due 16:00 ET)",
        "Quarter: Q1 2027",
        "EPS estimate: $2.35",
        "Revenue estimate: $124.1B",
        "Repeats: every quarter, until you delete it",
      ].join("\n"),
    );
    // Another pass, and a restarted scheduler, send nothing again.
    expect((await earnings.runOnce()).sent).toBe(0);
    expect((await scheduler().runOnce()).sent).toBe(0);

    now = Date.parse("2027-01-28T21:00:00Z"); // 16:00 in New York on the day
    // Two replicas' schedulers at the same moment: one of them sends it.
    const passes = await Promise.all([earnings.runOnce(), scheduler().runOnce()]);
    expect(passes.map((p) => p.sent).sort()).toEqual([0, 1]);
    const due = (await earningsDms(ann, 2))[1];
    expect(due?.text?.split("\n")[0]).toBe("📣 AAPL earnings: results due now (after the close)");

    // The next quarter, in Ann's own zone: 18:00 in Tokyo the day before.
    expect((await world.say(ann, "/settings tz Asia/Tokyo")).text).toContain("Asia/Tokyo");
    now = Date.parse("2027-04-28T08:59:00Z");
    expect((await earnings.runOnce()).sent).toBe(0);
    now = Date.parse("2027-04-28T09:00:00Z");
    expect((await earnings.runOnce()).sent).toBe(1);
    expect((await earningsDms(ann, 3))[2]?.text?.split("\n")[0]).toBe(
      "📅 AAPL reports earnings tomorrow before the open",
    );

    // In the history, listed and deleted like any alert: then silent.
    expect((await world.say(ann, "/history")).text).toContain(
      "AAPL earnings (the evening before and when results are due) — message sent",
    );
    expect((await world.say(ann, "/alerts")).text).toMatch(/AAPL earnings .*last message/);
    expect((await world.say(ann, "/delete 1")).text).toMatch(/deleted/i);
    now = Date.parse("2027-04-29T12:00:00Z");
    expect((await earnings.runOnce()).sent).toBe(0);

    // Within the REST budget: one background call per symbol and New York day, shared by the bot's
    // confirmation and every pass of that day.
    const calls = fake.restCalls.filter((c) => c.path === "/calendar/earnings");
    expect(calls.map((c) => [c.symbol, c.status])).toEqual([
      ["AAPL", 200],
      ["AAPL", 200],
      ["AAPL", 200],
      ["AAPL", 200],
    ]);
    expect(new Set(calls.map((c) => c.key))).toEqual(new Set([fake.apiKey]));
  });

  it("loses nothing when the publish fails after the record: the re-emitter sends it, once", async () => {
    const ben = { id: 7002, first_name: "Ben" };
    now = Date.parse("2027-01-26T15:00:00Z");
    expect((await world.say(ben, "/alert MSFT earnings")).text).toContain("Alert set: MSFT earnings");
    now = Date.parse("2027-01-26T23:30:00Z");
    const broken = { publish: () => Promise.reject(new Error("broker unreachable")) };
    expect((await scheduler(broken).runOnce()).sent).toBe(0);
    // Recorded, so a working pass does not send it a second time; the re-emitter does, once.
    expect((await scheduler().runOnce()).sent).toBe(0);
    // A minute without a delivery outcome: the re-emitter's grace period is over.
    now += 61_000;
    const reemitter = new Reemitter({ bus, runtime: world.alertService.runtime, logger });
    expect(await reemitter.runOnce()).toBe(1);
    const [eve] = await earningsDms(ben, 1);
    expect(eve?.text?.split("\n")[0]).toBe("📅 MSFT reports earnings tomorrow after the close");
  });

  it("says so when the calendar cannot be read, and sends it once it can", async () => {
    const cara = { id: 7003, first_name: "Cara" };
    now = Date.parse("2027-01-27T14:00:00Z");
    await world.say(cara, "/alert MSFT earnings");
    const down = new EarningsScheduler({
      repository: world.alertService.earnings,
      calendar: new PricingEarningsCalendar({ baseUrl: "http://127.0.0.1:1" }),
      bus,
      clock,
      logger,
    });
    now = Date.parse("2027-01-27T21:00:00Z");
    expect(await down.runOnce()).toEqual({ sent: 0, unavailable: ["MSFT"] });
    // Cara's, and Ben's from the test before (his evening message went out, his due one is new).
    expect((await scheduler().runOnce()).sent).toBe(2);
    expect((await earningsDms(cara, 1))[0]?.text?.split("\n")[0]).toBe(
      "📣 MSFT earnings: results due now (after the close)",
    );
  });
});
