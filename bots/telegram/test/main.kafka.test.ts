// The deployable itself: `node src/main.ts` as its own process, configured only through its environment,
// against the fake Bot API, the alert service, pricing and a real broker. It answers chats, delivers what
// arrives on notifications.telegram, reports ready, and stops cleanly on SIGTERM.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { KafkaBus } from "@tickerbell/bus";
import { notificationTopicOf, TOPIC_CATALOG } from "@tickerbell/contracts";
import { kafkaBrokersFromEnv, type RecordedMessage, startGroupAtTheEnd } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notificationFor, startWorld, TOKENS, type World } from "./harness.ts";

const packageDir = fileURLToPath(new URL("..", import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 45_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const GROUP_ID = `telegram-bot-main-${randomBytes(3).toString("hex")}`;
let world: World;
let child: ChildProcess;
let output = "";
let opsUrl: string;
let exited: Promise<number | null>;
const bus = new KafkaBus({
  catalog: TOPIC_CATALOG,
  brokers: kafkaBrokersFromEnv(),
  clientId: `telegram-main-test-${randomBytes(3).toString("hex")}`,
});

beforeAll(async () => {
  world = await startWorld({ startBot: false });
  // The process consumes as the "telegram-bot" group; start it at the end of the topic so notifications other
  // suites left on a shared broker (for users and alerts this suite does not have) are not replayed here.
  await bus.start();
  await startGroupAtTheEnd(kafkaBrokersFromEnv(), GROUP_ID, notificationTopicOf("telegram"));
  const port = await freePort();
  opsUrl = `http://127.0.0.1:${port}`;
  child = spawn(process.execPath, ["src/main.ts"], {
    cwd: packageDir,
    env: {
      PATH: process.env.PATH,
      TELEGRAM_TOKEN: world.telegram.token,
      TELEGRAM_API_ROOT: world.telegram.apiRoot,
      ALERTS_URL: world.alertsUrl,
      ALERTS_API_TOKEN: TOKENS.telegram,
      PRICING_URL: world.pricingUrl,
      KAFKA_BROKERS: kafkaBrokersFromEnv().join(","),
      // Its own group: other suites run bot processes on the same broker at the same time.
      TELEGRAM_GROUP_ID: GROUP_ID,
      PORT: String(port),
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk) => {
    output += String(chunk);
  });
  child.stderr?.on("data", (chunk) => {
    output += String(chunk);
  });
  exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  await bus.start();
  await waitFor(
    "the bot process ready",
    async () => (await fetch(`${opsUrl}/readyz`).catch(() => null))?.status === 200,
    60_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; its output:\n${output}`);
  });
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill("SIGKILL");
    await exited;
  }
  await bus.close().catch(() => undefined);
  await world?.close();
});

/** A message sent, not an edit: charts are on, and each DM's chart (or its footer) is edited in after it. */
const isDm = (m: RecordedMessage) => m.method === "sendMessage" || m.method === "sendPhoto";

describe("the telegram bot process (main.ts)", () => {
  it("registers its commands and answers a chat", async () => {
    expect(world.telegram.commands().map((c) => c.command)).toContain("alert");
    const reply = await world.say({ id: 6001, first_name: "Pat" }, "/start");
    expect(reply.text).toMatch(/^Welcome to Tickerbell!/);
  });

  it("delivers a notification from notifications.telegram as one DM", async () => {
    const pat = { id: 6001 };
    const aapl = (await world.prices.quote("AAPL"))!.price;
    const reply = await world.say(pat, `/alert AAPL above ${Math.ceil(aapl * 1.1)}`);
    expect(reply.text).toMatch(/^✅ Alert set/);
    const [alert] = await world.alertsOf(pat);
    const notification = notificationFor(alert!, { price: Math.ceil(aapl * 1.1) + 1 });
    // Published twice, as an at-least-once bus may: the delivery log keeps it to one DM.
    await bus.publish("notifications.telegram", [{ value: notification }, { value: notification }]);
    const [dm] = await world.telegram.waitForMessages(
      (m) => m.chatId === 6001 && isDm(m) && (m.text?.startsWith("🔔") ?? false),
      1,
      45_000,
    );
    expect(dm!.text).toMatch(/^🔔 AAPL rose above/);
    await waitFor(
      "the delivery recorded",
      async () => (await world.deliveryState(notification.triggerId)) === "sent",
    );
    // A later message on the same key is handled after both copies; it arrives, and the first DM is still alone.
    const later = notificationFor(alert!, { price: Math.ceil(aapl * 1.1) + 2, generation: 7 });
    await bus.publish("notifications.telegram", [{ value: later }]);
    await world.telegram.waitForMessages(
      (m) => m.chatId === 6001 && isDm(m) && (m.text?.startsWith("🔔") ?? false),
      2,
      45_000,
    );
    const dms = world.telegram.messagesTo(6001).filter((m) => isDm(m) && m.text?.startsWith("🔔"));
    expect(dms.map((m) => /^Price: \$([\d,.]+)/m.exec(m.text!)?.[1])).toEqual([
      (Math.ceil(aapl * 1.1) + 1).toFixed(2),
      (Math.ceil(aapl * 1.1) + 2).toFixed(2),
    ]);
  });

  it("stops cleanly on SIGTERM", async () => {
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(output).toContain("telegram bot ready");
    expect(output).toContain("shutting down");
    expect(world.telegram.isPolling()).toBe(false);
    // Secrets never reach the logs.
    expect(output).not.toContain(world.telegram.token.split(":")[1]);
    expect(output).not.toContain(TOKENS.telegram);
  });
});
