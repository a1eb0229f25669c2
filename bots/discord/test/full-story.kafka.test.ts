// The whole story on a real broker: a slash command creates the alert, the alert service's outbox relay
// publishes it, the matcher indexes it, ticks on prices.ticks fire it, the bot consumes notifications.discord
// and exactly one DM arrives, whose buttons act.
import { randomBytes } from "node:crypto";
import { type AlertWorkers, startAlertWorkers } from "@tickerbell/alerts";
import {
  consumeNotifications,
  DeliveryPipeline,
  InMemoryDeliveryLog,
  RateLimiter,
} from "@tickerbell/bot-core";
import { KafkaBus, type Subscription } from "@tickerbell/bus";
import { createLogger, createMetricsRegistry } from "@tickerbell/config";
import { type TickStudies, TOPIC_CATALOG, TOPIC_PRICE_TICKS } from "@tickerbell/contracts";
import { AlertSnapshotClient, MatcherService } from "@tickerbell/matcher/service";
import { dailyCloseBars, kafkaBrokersFromEnv, usualVolumeBars } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DiscordNotifier } from "../src/discord-notifier.ts";
import { newUser, type Stack, startStack, TOKENS } from "./harness.ts";

type Bus = KafkaBus<typeof TOPIC_CATALOG>;

const run = randomBytes(3).toString("hex");
const logger = createLogger({ service: "discord-story", level: process.env.TEST_LOG_LEVEL ?? "silent" });
const buses: Bus[] = [];
function newBus(clientId: string): Bus {
  const bus = new KafkaBus({
    catalog: TOPIC_CATALOG,
    brokers: kafkaBrokersFromEnv(),
    clientId: `${clientId}-${run}`,
  });
  buses.push(bus);
  return bus;
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 45_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let stack: Stack;
let workers: AlertWorkers;
let matcher: MatcherService;
let notifications: Subscription;
let producer: Bus;

beforeAll(async () => {
  stack = await startStack({ studies: true });
  workers = await startAlertWorkers({
    service: stack.service,
    bus: newBus("alerts-workers"),
    logger,
    expirySweepMs: null,
    relayIdleWaitMs: 50,
    runtimeGroupId: `alerts-runtime-${run}`,
  });
  const matcherSnapshots = new AlertSnapshotClient({
    baseUrl: stack.alertsUrl,
    internalToken: TOKENS.internal,
  });
  matcher = new MatcherService({
    bus: newBus("matcher"),
    snapshots: matcherSnapshots,
    logger,
    metrics: createMetricsRegistry("matcher"),
    groupId: `matcher-${run}`,
    // From the latest offsets: ticks other suites left on a shared broker must not fire this suite's alerts.
    fromBeginning: false,
  });
  await matcher.start();
  const botBus = newBus("discord-bot");
  await botBus.start();
  notifications = await consumeNotifications({
    bus: botBus,
    platform: "discord",
    groupId: `discord-bot-${run}`,
    pipeline: new DeliveryPipeline({
      notifier: new DiscordNotifier(stack.bot.client),
      log: new InMemoryDeliveryLog(),
      limiter: new RateLimiter({ globalPerSecond: 50, perChatPerSecond: 5 }),
      logger,
    }),
  });
  producer = newBus("ticks");
  await producer.start();
  await waitFor("the matcher ready", () => matcher.ready);
});

afterAll(async () => {
  await notifications?.stop().catch(() => undefined);
  await matcher?.stop().catch(() => undefined);
  await workers?.stop().catch(() => undefined);
  for (const bus of buses) await bus.close().catch(() => undefined);
  await stack?.close();
});

describe("slash command → matcher → DM", () => {
  it("a price move produces exactly one DM with the right embed, and its Re-arm button acts", async () => {
    const user = newUser("story");
    // ZM starts at $62.00 in the simulated universe.
    const created = await stack.fake
      .slashCommand(user, "alert price", { ticker: "ZM", condition: "above", value: "70", note: "breakout" })
      .reply();
    expect(created.content).toMatch(/Alert set: ZM above \$70\.00/);
    const [alert] = await stack.alerts.listAlerts(user.id);
    await waitFor("the alert in the matcher's index", () => matcher.holds(alert!.id));

    const now = Date.now();
    const ticks = [
      { symbol: "ZM", price: 65, ts: now },
      { symbol: "ZM", price: 71.5, ts: now + 1 },
      { symbol: "ZM", price: 72, ts: now + 2 },
    ];
    await producer.publish(
      TOPIC_PRICE_TICKS,
      ticks.map((t) => ({ value: { v: 1 as const, ...t } })),
    );
    const [dm] = await stack.fake.waitForDms(user, 1, 45_000);
    expect(dm?.embeds[0]).toMatchObject({
      title: "🔔 ZM rose above $70.00",
      // The facts the matcher knew, worded by the one formatter; the trade time as a Discord timestamp.
      fields: [
        { name: "Price", value: `$71.50 · <t:${Math.floor((now + 1) / 1000)}:f>`, inline: true },
        { name: "Move", value: "+$9.50 (+15.32%) since it was set ($62.00)", inline: true },
        { name: "Note", value: "breakout", inline: false },
      ],
    });
    await waitFor(
      "the firing recorded",
      async () => (await stack.alerts.getAlert(user.id, alert!.id)).status === "triggered",
    );

    // More ticks above the level: a one-shot alert does not fire again.
    await producer.publish(TOPIC_PRICE_TICKS, [
      { value: { v: 1 as const, symbol: "ZM", price: 75, ts: now + 3 } },
    ]);
    const sentinelUser = newUser("sentinel");
    await stack.fake
      .slashCommand(sentinelUser, "alert price", { ticker: "ZM", condition: "above", value: "80" })
      .reply();
    const [sentinel] = await stack.alerts.listAlerts(sentinelUser.id);
    await waitFor("the sentinel in the index", () => matcher.holds(sentinel!.id));
    await producer.publish(TOPIC_PRICE_TICKS, [
      { value: { v: 1 as const, symbol: "ZM", price: 81, ts: now + 4 } },
    ]);
    // Once the later sentinel's DM is out, everything before it on the partition has been handled.
    await stack.fake.waitForDms(sentinelUser, 1, 45_000);
    expect(stack.fake.dmsTo(user)).toHaveLength(1);

    // Re-arm sets the fired alert up again (as a new alert with the same condition and note).
    const rearmed = await stack.fake.pressButton(user, dm!, `rearm:${alert!.id}`).reply();
    expect(rearmed.content).toMatch(/Re-armed.*ZM above \$70\.00/);
    const live = (await stack.alerts.listAlerts(user.id)).filter((a) => a.status === "active");
    expect(live).toHaveLength(1);
    expect(live[0]).toMatchObject({ symbol: "ZM", condition: alert!.condition, note: "breakout" });
    expect((await stack.alerts.getAlert(user.id, alert!.id)).status).toBe("triggered");
  });

  it("a fall within a window set with /alert move fires once when a tick completes it, naming the window's high", async () => {
    const user = newUser("window");
    // SHOP starts at $68.00 in the simulated universe; the window is read from the ticks the matcher sees. Those
    // include minutes an earlier run on the same broker left in alerts.runtime (window history is replayed), so
    // the story wants a broker of its own, as vitest's global setup and `npm test` give it.
    const created = await stack.fake
      .slashCommand(user, "alert move", { ticker: "SHOP", percent: "3", within: "15m", direction: "down" })
      .reply();
    expect(created.content).toMatch(/Alert set: SHOP down 3% within 15m/);
    const [alert] = await stack.alerts.listAlerts(user.id);
    expect(alert?.condition).toEqual({ kind: "window", direction: "down", percent: 3, windowSeconds: 900 });
    await waitFor("the alert in the matcher's index", () => matcher.holds(alert!.id));

    // Inside the move: the high is 70.00, and no tick is 3% below it (that takes 67.90).
    const now = Date.now();
    const tick = (price: number, i: number) => ({
      value: { v: 1 as const, symbol: "SHOP", price, ts: now + i },
    });
    await producer.publish(TOPIC_PRICE_TICKS, [68, 70, 68.5, 69].map(tick));
    // A sentinel fired by a tick inside the move: once its DM is out, every tick before it has been matched.
    const sentinelUser = newUser("sentinel");
    const sentinelSet = await stack.fake
      .slashCommand(sentinelUser, "alert price", { ticker: "SHOP", condition: "above", value: "69.5" })
      .reply();
    expect(sentinelSet.content).toMatch(/Alert set/);
    const [sentinel] = await stack.alerts.listAlerts(sentinelUser.id);
    await waitFor("the sentinel in the index", () => matcher.holds(sentinel!.id));
    await producer.publish(TOPIC_PRICE_TICKS, [tick(69.6, 4)]);
    await stack.fake.waitForDms(sentinelUser, 1, 45_000);
    expect(stack.fake.dmsTo(user).map((dm) => dm.embeds[0]?.title)).toEqual([]);

    // 67.80 is 3.14% below the window's high of 70.00: exactly one DM, naming the window and its high.
    await producer.publish(TOPIC_PRICE_TICKS, [tick(67.8, 5)]);
    const [dm] = await stack.fake.waitForDms(user, 1, 45_000);
    expect(dm?.embeds[0]).toMatchObject({
      title: "🔔 SHOP is down 3.1% from its 15m high of $70.00 (now $67.80)",
      fields: [
        { name: "Price", value: `$67.80 · <t:${Math.floor((now + 5) / 1000)}:f>`, inline: true },
        { name: "15m high", value: "$70.00", inline: true },
        { name: "Level", value: "$67.90", inline: true },
        { name: "Move", value: "-$2.20 (-3.14%) from the 15m high", inline: true },
      ],
    });
    await waitFor(
      "the firing recorded",
      async () => (await stack.alerts.getAlert(user.id, alert!.id)).status === "triggered",
    );

    // Further falls do not fire the one-shot alert again.
    await producer.publish(TOPIC_PRICE_TICKS, [tick(64, 6)]);
    const lateUser = newUser("late");
    const lateSet = await stack.fake
      .slashCommand(lateUser, "alert price", { ticker: "SHOP", condition: "above", value: "80" })
      .reply();
    expect(lateSet.content).toMatch(/Alert set/);
    const [late] = await stack.alerts.listAlerts(lateUser.id);
    await waitFor("the late sentinel in the index", () => matcher.holds(late!.id));
    await producer.publish(TOPIC_PRICE_TICKS, [tick(81, 7)]);
    await stack.fake.waitForDms(lateUser, 1, 45_000);
    expect(stack.fake.dmsTo(user)).toHaveLength(1);
  });

  it("a new 52-week low set with /alert new fires once on a trade below it, naming the price and the previous low", async () => {
    const user = newUser("low52");
    const created = await stack.fake
      .slashCommand(user, "alert new", { ticker: "PG", side: "low", range: "52w" })
      .reply();
    expect(created.content).toMatch(/Alert set: PG new 52-week low \(below \$[\d.,]+\)/);
    const [alert] = await stack.alerts.listAlerts(user.id);
    expect(alert?.condition).toEqual({ kind: "extreme", side: "low", span: "52w" });
    await waitFor("the alert in the matcher's index", () => matcher.holds(alert!.id));
    // Where it starts: the simulated market's 52-week low for PG.
    const start = alert!.extreme!;
    const now = Date.now();
    const tick = (price: number, i: number) => ({
      value: { v: 1 as const, symbol: "PG", price, ts: now + i },
    });

    // Above the low: nothing. The quote stays far above it, so a sentinel below start + 3 can be set, and the
    // trade at the low (not below it) fires only the sentinel: once its DM is out, every tick before was matched.
    await producer.publish(TOPIC_PRICE_TICKS, [start + 10, start + 4].map(tick));
    const sentinelUser = newUser("sentinel-low");
    const level = Math.round((start + 3) * 100) / 100;
    const sentinelSet = await stack.fake
      .slashCommand(sentinelUser, "alert price", { ticker: "PG", condition: "below", value: String(level) })
      .reply();
    expect(sentinelSet.content).toMatch(/Alert set/);
    const [sentinel] = await stack.alerts.listAlerts(sentinelUser.id);
    await waitFor("the sentinel in the index", () => matcher.holds(sentinel!.id));
    await producer.publish(TOPIC_PRICE_TICKS, [tick(start, 2)]);
    await stack.fake.waitForDms(sentinelUser, 1, 45_000);
    expect(stack.fake.dmsTo(user)).toEqual([]);

    // Below the low: exactly one DM, naming the new low and the previous one.
    const below = Math.round((start - 0.5) * 100) / 100;
    await producer.publish(TOPIC_PRICE_TICKS, [tick(below, 3)]);
    const [dm] = await stack.fake.waitForDms(user, 1, 45_000);
    const money = (n: number) => `$${n.toFixed(2)}`;
    expect(dm?.embeds[0]?.title).toBe(
      `🔔 PG made a new 52-week low: ${money(below)} (previous low ${money(start)})`,
    );
    expect(dm?.embeds[0]?.fields).toContainEqual({ name: "Previous low", value: money(start), inline: true });

    // A one-shot alert: lower lows do not fire it again.
    await producer.publish(TOPIC_PRICE_TICKS, [tick(below - 1, 4)]);
    const lateUser = newUser("late-low");
    const lateSet = await stack.fake
      .slashCommand(lateUser, "alert price", { ticker: "PG", condition: "above", value: "400" })
      .reply();
    expect(lateSet.content).toMatch(/Alert set/);
    const [late] = await stack.alerts.listAlerts(lateUser.id);
    await waitFor("the late sentinel in the index", () => matcher.holds(late!.id));
    await producer.publish(TOPIC_PRICE_TICKS, [tick(401, 5)]);
    await stack.fake.waitForDms(lateUser, 1, 45_000);
    expect(stack.fake.dmsTo(user)).toHaveLength(1);
  });

  it("volume, moving-average and RSI alerts set with /alert volume|average|rsi fire once each, naming the value", async () => {
    // JNJ's recorded history: 60 daily closes at 90% of today's simulated price (the 50-day SMA below the price,
    // so the cross waits for a fall; RSI 100 at a price above flat closes), and 1,000 shares in the first minute
    // of each of the 6 trading days before today (the usual volume by any time of day, even just after midnight).
    const price = (await stack.prices.quote("JNJ"))!.price;
    const cents = (n: number) => Math.round(n * 100) / 100;
    await stack.barStore!.writeHistory([
      ...dailyCloseBars("JNJ", Array<number>(60).fill(cents(price * 0.9))),
      ...usualVolumeBars("JNJ", { days: 6, shares: 1000, price }),
    ]);
    const set = async (name: string, command: string, options: Record<string, string>) => {
      const user = newUser(name);
      const reply = await stack.fake.slashCommand(user, command, { ticker: "JNJ", ...options }).reply();
      expect(reply.content, command).toMatch(/Alert set: JNJ/);
      const [alert] = await stack.alerts.listAlerts(user.id);
      await waitFor(`${command} in the matcher's index`, () => matcher.holds(alert!.id));
      return user;
    };
    const averageUser = await set("sma", "alert average", {
      average: "sma",
      period: "50",
      direction: "crosses",
    });
    const rsiUser = await set("rsi", "alert rsi", { direction: "below", level: "30", interval: "daily" });
    const volumeUser = await set("volume", "alert volume", { multiple: "3" });

    // Pricing sends the studies on each tick (here the test is the pricing service).
    const now = Date.now();
    const tick = (at: number, i: number, studies: TickStudies) => ({
      value: { v: 1 as const, symbol: "JNJ", price: at, ts: now + i, studies },
    });
    const sma = cents(price * 0.9);
    const studies = (rsi: number, volumeToday: number): TickStudies => ({
      values: { sma50: sma, "rsi14:1d": rsi },
      volume: { today: volumeToday, typical: 1000, sessions: 6 },
    });
    // Short of all three: above the SMA, RSI 35, 2× the usual. A sentinel's DM shows the ticks were matched.
    const sentinelUser = await set("sentinel-studies", "alert price", {
      condition: "below",
      value: String(cents(price * 0.94)),
    });
    await producer.publish(TOPIC_PRICE_TICKS, [
      tick(cents(price * 0.95), 0, studies(35, 2000)),
      tick(cents(price * 0.93), 1, studies(35, 2000)),
    ]);
    await stack.fake.waitForDms(sentinelUser, 1, 45_000);
    for (const user of [averageUser, rsiUser, volumeUser]) expect(stack.fake.dmsTo(user)).toEqual([]);

    // Below the SMA, RSI 29.4, 3.1× the usual: one DM each, naming the value that made it fire.
    const below = cents(price * 0.89);
    await producer.publish(TOPIC_PRICE_TICKS, [tick(below, 2, studies(29.4, 3100))]);
    const money = (n: number) => `$${n.toFixed(2)}`;
    const [averageDm] = await stack.fake.waitForDms(averageUser, 1, 45_000);
    expect(averageDm?.embeds[0]?.title).toBe(
      `🔔 JNJ crossed its 50-day SMA going down: ${money(below)} (SMA ${money(sma)})`,
    );
    expect(averageDm?.embeds[0]?.fields).toContainEqual({
      name: "50-day SMA",
      value: money(sma),
      inline: true,
    });
    const [rsiDm] = await stack.fake.waitForDms(rsiUser, 1, 45_000);
    expect(rsiDm?.embeds[0]?.title).toBe("🔔 JNJ daily RSI(14) fell to 29.4 (below 30)");
    const [volumeDm] = await stack.fake.waitForDms(volumeUser, 1, 45_000);
    expect(volumeDm?.embeds[0]?.title).toMatch(
      /^🔔 JNJ volume is 3\.1× the usual by <t:\d+:t> \(3\.1K vs 1K\)$/,
    );

    // One-shot alerts: a deeper fall does not fire them again.
    const late = await set("late-studies", "alert price", {
      condition: "below",
      value: String(cents(price * 0.8)),
    });
    await producer.publish(TOPIC_PRICE_TICKS, [
      tick(cents(price * 0.85), 3, studies(20, 5000)),
      tick(cents(price * 0.79), 4, studies(35, 2000)),
    ]);
    await stack.fake.waitForDms(late, 1, 45_000);
    for (const user of [averageUser, rsiUser, volumeUser]) expect(stack.fake.dmsTo(user)).toHaveLength(1);
  });
});
