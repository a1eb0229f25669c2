// The whole story on a real broker: chat commands create alerts, the alert service's outbox relay publishes
// them, the matcher indexes them, ticks on prices.ticks fire them, the bot consumes notifications.telegram and
// each user gets exactly one DM per firing, whose buttons act; a webhook of the user gets the firing too, signed.
import { createHmac, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type AlertWorkers, startAlertWorkers } from "@tickerbell/alerts";
import { consumeNotifications } from "@tickerbell/bot-core";
import { KafkaBus, type Subscription } from "@tickerbell/bus";
import { createLogger, createMetricsRegistry } from "@tickerbell/config";
import { type Alert, type TickStudies, TOPIC_CATALOG, TOPIC_PRICE_TICKS } from "@tickerbell/contracts";
import { AlertSnapshotClient, MatcherService } from "@tickerbell/matcher/service";
import {
  dailyCloseBars,
  type FakeUserInput,
  kafkaBrokersFromEnv,
  type RecordedMessage,
  usualVolumeBars,
} from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buttonsOf, startWorld, TOKENS, type World } from "./harness.ts";

type Bus = KafkaBus<typeof TOPIC_CATALOG>;

const run = randomBytes(3).toString("hex");
const logger = createLogger({ service: "telegram-story", level: process.env.TEST_LOG_LEVEL ?? "silent" });
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

let world: World;
let workers: AlertWorkers;
let matcher: MatcherService;
let notifications: Subscription;
let producer: Bus;
/** Ann's webhook receiver: what arrived, with whether its signature checked out. */
let receiver: Server;
const hooked: Array<{ body: string; timestamp: string; signature: string }> = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString("utf8");
    });
    req.on("end", () => {
      const timestamp = String(req.headers["x-tickerbell-timestamp"]);
      hooked.push({ body, timestamp, signature: String(req.headers["x-tickerbell-signature"]) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  // The receiver is on loopback: allowed by the operator, as WEBHOOK_ALLOW_HOSTS would.
  world = await startWorld({ webhookAllowHosts: ["127.0.0.1"], studies: true });
  workers = await startAlertWorkers({
    service: world.alertService,
    bus: newBus("alerts-workers"),
    logger,
    expirySweepMs: null,
    relayIdleWaitMs: 50,
    runtimeGroupId: `alerts-runtime-${run}`,
  });
  const matcherSnapshots = new AlertSnapshotClient({
    baseUrl: world.alertsUrl,
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
  const botBus = newBus("telegram-bot");
  await botBus.start();
  // The bot's own pipeline: the Telegram notifier, the alert service's delivery log, the shared limiter.
  notifications = await consumeNotifications({
    bus: botBus,
    platform: "telegram",
    groupId: `telegram-bot-${run}`,
    // Only this suite's notifications: others left on a shared broker belong to users this suite lacks.
    fromBeginning: false,
    pipeline: world.pipeline,
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
  await world?.close();
  if (receiver) await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

async function alertBy(user: FakeUserInput, command: string): Promise<Alert> {
  const reply = await world.say(user, command);
  expect(reply.text, command).toMatch(/^✅ Alert set/);
  const alerts = await world.alertsOf(user);
  const alert = alerts.sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0]!;
  await waitFor(`${command} in the matcher's index`, () => matcher.holds(alert.id));
  return alert;
}

function dmsTo(user: FakeUserInput): RecordedMessage[] {
  return world.telegram
    .messagesTo(user.id)
    .filter((m) => m.method === "sendMessage" && m.text?.startsWith("🔔"));
}

/** The firings the user was told about: a DM carries one block per firing, several when they came together. */
function firingsTo(user: FakeUserInput): string[] {
  return dmsTo(user).flatMap((m) => m.text!.split("\n\n"));
}

async function waitForDms(user: FakeUserInput, count: number): Promise<RecordedMessage[]> {
  return world.telegram.waitForMessages(
    (m) => m.chatId === user.id && m.method === "sendMessage" && (m.text?.startsWith("🔔") ?? false),
    count,
    45_000,
  );
}

async function publishTicks(prices: number[], symbol = "KO"): Promise<void> {
  const start = Date.now();
  await producer.publish(
    TOPIC_PRICE_TICKS,
    prices.map((price, i) => ({ value: { v: 1 as const, symbol, price, ts: start + i } })),
  );
}

describe("chat command → matcher → Telegram DM, on a real broker", () => {
  it("price, percent and trailing alerts each fire once as the price moves, and the DM's Re-arm acts", async () => {
    const ann = { id: 5001, first_name: "Ann" };
    const bob = { id: 5002, first_name: "Bob" };
    // Ann also has a webhook: her firing is POSTed there too, signed, once.
    const port = (receiver.address() as AddressInfo).port;
    const hookReply = await world.say(ann, `/webhook add http://127.0.0.1:${port}/ann`);
    const secret = /whsec_[A-Za-z0-9_-]+/.exec(hookReply.text ?? "")?.[0];
    expect(secret, hookReply.text).toBeDefined();
    // KO starts at $63.00 in the simulated universe, and nothing moves the pricing service's feed.
    const above = await alertBy(ann, '/alert KO above 70 note "breakout"');
    const down = await alertBy(bob, "/alert KO -5%");
    const trail = await alertBy(bob, "/alert KO trail 8%");
    expect(down.thresholds.lower).toBeCloseTo(59.85, 2);

    // Up through 70 (Ann's alert), a new peak at 81, then down 8% from it (Bob's trail), then 5% below 63.
    await publishTicks([65, 71.5, 72, 81, 66, 59]);
    const [annDm] = await waitForDms(ann, 1);
    await waitFor("Ann's webhook delivery", () => hooked.length > 0);
    const [delivery] = hooked;
    const signed = createHmac("sha256", secret!)
      .update(`${delivery!.timestamp}.${delivery!.body}`)
      .digest("hex");
    expect(delivery!.signature).toBe(`v1=${signed}`);
    expect(JSON.parse(delivery!.body)).toMatchObject({
      v: 1,
      type: "alert.triggered",
      alert: { id: above.id, symbol: "KO", note: "breakout", platform: "telegram" },
      firing: { triggerId: `${above.id}:0`, level: 70 },
    });
    // The matcher's facts in the one formatter's words; the time is the trade's, in UTC (Ann set no zone).
    const withoutTime = (block: string) => block.replace(/ · \d{4}-\d\d-\d\d \d\d:\d\d UTC/g, " · <time>");
    expect(withoutTime(annDm!.text!).split("\n")).toEqual([
      "🔔 KO rose above $70.00",
      "Price: $71.50 · <time>",
      "Move: +$8.50 (+13.49%) since it was set ($63.00)",
      "Note: breakout",
    ]);
    expect(buttonsOf(annDm!)).toEqual([`rearm:${above.id}`, `delete:${above.id}`]);
    // Bob's two alerts fire within a second: one DM with a block per firing (or two DMs, if the second came
    // only after the first had gone out), in firing order.
    await waitFor("both of Bob's firings", () => firingsTo(bob).length >= 2);
    const bobFirings = firingsTo(bob);
    expect(bobFirings.map((block) => withoutTime(block).split("\n"))).toEqual([
      [
        "🔔 KO fell 8% from its peak (trailing)",
        "Price: $66.00 · <time>",
        "Peak: $81.00",
        "Level: $74.52",
        "Move: -$15.00 (-18.52%) from the peak",
      ],
      [
        "🔔 KO is down 5% from the price when set",
        "Price: $59.00 · <time>",
        "Level: $59.85",
        "Move: -$4.00 (-6.35%) since it was set ($63.00)",
      ],
    ]);
    expect(dmsTo(bob).flatMap(buttonsOf)).toEqual([
      `rearm:${trail.id}`,
      `delete:${trail.id}`,
      `rearm:${down.id}`,
      `delete:${down.id}`,
    ]);
    await waitFor("the firings recorded", async () =>
      (await world.alertsOf(ann)).every((a) => a.status === "triggered"),
    );

    // More ticks across every level, then a later alert's DM as a sentinel: once it is out, everything
    // before it on the partition has been handled, and nobody got a second DM.
    await publishTicks([75, 58, 82]);
    const sentinelUser = { id: 5003, first_name: "Sentinel" };
    await alertBy(sentinelUser, "/alert KO above 90");
    await publishTicks([91]);
    await waitForDms(sentinelUser, 1);
    expect(firingsTo(ann)).toHaveLength(1);
    expect(firingsTo(bob)).toHaveLength(2);
    expect(hooked).toHaveLength(1);
    const firings = [...(await world.alertsOf(ann)), ...(await world.alertsOf(bob))];
    for (const a of firings) expect(await world.deliveryState(`${a.id}:0`)).toBe("sent");

    // Re-arm under Ann's DM sets the alert up again from today's price.
    const rearmed = await world.press(ann, annDm!, `rearm:${above.id}`);
    expect(rearmed.text).toMatch(/^🔁 Re-armed as a new alert: KO above \$70\.00 · “breakout”/);
    const live = (await world.alertsOf(ann)).filter((a) => a.status === "active");
    expect(live).toHaveLength(1);
    expect(live[0]).toMatchObject({ symbol: "KO", condition: above.condition, note: "breakout" });
    expect((await world.alerts.getAlert("5001", above.id)).status).toBe("triggered");
  });

  it("a move within a window fires once when a tick completes it, naming the window's low it rose from", async () => {
    const cleo = { id: 5011, first_name: "Cleo" };
    // WMT starts at $68.00 in the simulated universe; the window is read from the ticks the matcher sees. Those
    // include minutes an earlier run on the same broker left in alerts.runtime (window history is replayed), so
    // the story wants a broker of its own, as vitest's global setup and `npm test` give it.
    const window = await alertBy(cleo, "/alert WMT moves 3% within 1h");
    expect(window.condition).toEqual({ kind: "window", direction: "move", percent: 3, windowSeconds: 3600 });

    // Inside the move: the low is 67.50 and the high 69.10, never 3% apart (a rise needs 69.53, a fall 67.03).
    await publishTicks([68, 69, 67.5, 69.1], "WMT");
    // A sentinel on the same symbol, fired by a tick that is inside the move too: once its DM is out, every
    // tick before it has been matched.
    const sentinel = { id: 5012, first_name: "Sentinel" };
    await alertBy(sentinel, "/alert WMT below 67.6");
    await publishTicks([67.55], "WMT");
    await waitForDms(sentinel, 1);
    expect(dmsTo(cleo)).toEqual([]);

    // 69.60 is 3.11% above the window's low of 67.50: exactly one DM, naming the window and its low.
    await publishTicks([69.6], "WMT");
    const [dm] = await waitForDms(cleo, 1);
    const withoutTime = (text: string) => text.replace(/ · \d{4}-\d\d-\d\d \d\d:\d\d UTC/g, " · <time>");
    expect(withoutTime(dm!.text!).split("\n")).toEqual([
      "🔔 WMT is up 3.1% from its 1h low of $67.50 (now $69.60)",
      "Price: $69.60 · <time>",
      "1h low: $67.50",
      expect.stringMatching(/^Level: \$69\.5[23]$/),
      "Move: +$2.10 (+3.11%) from the 1h low",
    ]);
    expect(buttonsOf(dm!)).toEqual([`rearm:${window.id}`, `delete:${window.id}`]);
    await waitFor("the firing recorded", async () =>
      (await world.alertsOf(cleo)).every((a) => a.status === "triggered"),
    );

    // Further moves do not fire the one-shot alert again.
    await publishTicks([72, 65], "WMT");
    const late = { id: 5013, first_name: "Late" };
    await alertBy(late, "/alert WMT above 80");
    await publishTicks([81], "WMT");
    await waitForDms(late, 1);
    expect(firingsTo(cleo)).toHaveLength(1);
  });

  it("a new session high fires once on a trade above today's high, naming the price and the previous high", async () => {
    const dora = { id: 5021, first_name: "Dora" };
    // PEP's starting high is the simulated quote's high for today: the alert says where it starts.
    const high = await alertBy(dora, "/alert PEP new high");
    expect(high.condition).toEqual({ kind: "extreme", side: "high", span: "session" });
    const start = high.extreme!;
    expect(start).toBeGreaterThan(0);

    // At and below the high: nothing. A sentinel fired by a trade below it shows every tick before was matched.
    const sentinel = { id: 5022, first_name: "Sentinel" };
    const under = Math.round((start - 5) * 100) / 100;
    await publishTicks([start - 1, start], "PEP");
    await alertBy(sentinel, `/alert PEP below ${under}`);
    await publishTicks([under - 0.01], "PEP");
    await waitForDms(sentinel, 1);
    expect(dmsTo(dora)).toEqual([]);

    // Above the high: exactly one DM, naming the new high and the previous one.
    const above = Math.round((start + 0.5) * 100) / 100;
    await publishTicks([above], "PEP");
    const [dm] = await waitForDms(dora, 1);
    const money = (n: number) => `$${n.toFixed(2)}`;
    expect(dm!.text!.split("\n")[0]).toBe(
      `🔔 PEP made a new session high: ${money(above)} (previous high ${money(start)})`,
    );
    expect(dm!.text).toContain(`Previous high: ${money(start)}`);

    // A one-shot alert: higher highs do not fire it again.
    await publishTicks([above + 1, above + 2], "PEP");
    const late = { id: 5023, first_name: "Late" };
    await alertBy(late, `/alert PEP above ${Math.round(above + 5)}`);
    await publishTicks([Math.round(above + 6)], "PEP");
    await waitForDms(late, 1);
    expect(firingsTo(dora)).toHaveLength(1);
  });

  it("volume, moving-average and RSI alerts stay silent short of their studies, then each fires once naming the value", async () => {
    // JNJ's history as the pricing service records it: 60 daily closes at 90% of today's simulated price (its
    // 50-day SMA below the price, so the cross waits for a fall; flat closes and a higher price: RSI 100), and
    // 1,000 shares at the start of each of the 6 trading days before today (the usual volume by any time: 1,000).
    const price = (await world.prices.quote("JNJ"))!.price;
    const cents = (n: number) => Math.round(n * 100) / 100;
    await world.barStore!.writeHistory([
      ...dailyCloseBars("JNJ", Array<number>(60).fill(cents(price * 0.9))),
      ...usualVolumeBars("JNJ", { days: 6, shares: 1000, price }),
    ]);
    const frank = { id: 5031, first_name: "Frank" };
    const gina = { id: 5032, first_name: "Gina" };
    const hank = { id: 5033, first_name: "Hank" };
    await alertBy(frank, "/alert JNJ crosses sma 50");
    await alertBy(gina, "/alert JNJ rsi below 30");
    await alertBy(hank, "/alert JNJ volume 3x");

    // Pricing sends the studies on each tick (here the test is the pricing service).
    const tick = async (at: number, studies: TickStudies) => {
      await producer.publish(TOPIC_PRICE_TICKS, [
        { value: { v: 1 as const, symbol: "JNJ", price: at, ts: Date.now(), studies } },
      ]);
    };
    const sma = cents(price * 0.9);
    const short = {
      values: { sma50: sma, "rsi14:1d": 35 },
      volume: { today: 2000, typical: 1000, sessions: 6 },
    };
    // Short of all three: above the SMA, RSI 35, 2× the usual volume. A sentinel's firing shows it was matched.
    await tick(cents(price * 0.95), short);
    const sentinel = { id: 5034, first_name: "Sentinel" };
    await alertBy(sentinel, `/alert JNJ below ${cents(price * 0.94)}`);
    await tick(cents(price * 0.93), short);
    await waitForDms(sentinel, 1);
    for (const user of [frank, gina, hank]) expect(dmsTo(user)).toEqual([]);

    // Below the SMA, RSI 29.4, 3.1× the usual: each alert fires once, naming the value that made it.
    const below = cents(price * 0.89);
    await tick(below, {
      values: { sma50: sma, "rsi14:1d": 29.4 },
      volume: { today: 3100, typical: 1000, sessions: 6 },
    });
    const money = (n: number) => `$${n.toFixed(2)}`;
    const [smaDm] = await waitForDms(frank, 1);
    expect(smaDm!.text!.split("\n")[0]).toBe(
      `🔔 JNJ crossed its 50-day SMA going down: ${money(below)} (SMA ${money(sma)})`,
    );
    const [rsiDm] = await waitForDms(gina, 1);
    expect(rsiDm!.text!.split("\n")[0]).toBe("🔔 JNJ daily RSI(14) fell to 29.4 (below 30)");
    const [volumeDm] = await waitForDms(hank, 1);
    expect(volumeDm!.text!.split("\n")[0]).toMatch(
      /^🔔 JNJ volume is 3\.1× the usual by \d\d:\d\d \(3\.1K vs 1K\)$/,
    );

    // One-shot alerts: a deeper fall does not fire them again.
    await tick(cents(price * 0.85), {
      values: { sma50: sma, "rsi14:1d": 20 },
      volume: { today: 5000, typical: 1000, sessions: 6 },
    });
    const late = { id: 5035, first_name: "Late" };
    await alertBy(late, `/alert JNJ below ${cents(price * 0.8)}`);
    await tick(cents(price * 0.79), short);
    await waitForDms(late, 1);
    for (const user of [frank, gina, hank]) expect(firingsTo(user)).toHaveLength(1);
  });
});
