// main.ts as a process: env, the real KafkaBus, the alert service's delivery log, the ops server. A slash command
// is answered, a notification on notifications.discord becomes a DM, SIGTERM stops it cleanly.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { KafkaBus } from "@tickerbell/bus";
import { type Notification, notificationTopicOf, TOPIC_CATALOG } from "@tickerbell/contracts";
import { kafkaBrokersFromEnv, startGroupAtTheEnd } from "@tickerbell/testkit";
import { PermissionFlagsBits } from "discord.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newUser, type Stack, startStack, TOKENS } from "./harness.ts";

const main = fileURLToPath(new URL("../src/main.ts", import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === "object" ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 45_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

let stack: Stack;
let child: ChildProcess;
let port: number;
let output = "";
const producer = new KafkaBus({
  catalog: TOPIC_CATALOG,
  brokers: kafkaBrokersFromEnv(),
  clientId: "process-test",
});

beforeAll(async () => {
  stack = await startStack();
  // The process is the only bot on the fake: the in-process one leaves the gateway first.
  await stack.bot.stop();
  // The process consumes as the "discord-bot" group; start it at the end of the topic so notifications other
  // suites left on a shared broker (for users and alerts this suite does not have) are not replayed here.
  await producer.start();
  await startGroupAtTheEnd(kafkaBrokersFromEnv(), "discord-bot", notificationTopicOf("discord"));
  port = await freePort();
  child = spawn(process.execPath, [main], {
    env: {
      PATH: process.env.PATH ?? "",
      DISCORD_TOKEN: stack.fake.token,
      DISCORD_API_BASE: stack.fake.apiBase,
      ALERTS_URL: stack.alertsUrl,
      ALERTS_API_TOKEN: TOKENS.discord,
      PRICING_URL: stack.pricingUrl,
      KAFKA_BROKERS: kafkaBrokersFromEnv().join(","),
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
  await waitFor("the process ready", async () => {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null);
    return res?.status === 200;
  });
});

afterAll(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  await producer.close().catch(() => undefined);
  await stack?.close();
});

describe("the discord bot process", () => {
  it("pauses the alerts of a channel it can no longer post in, and tells their creator by DM", async () => {
    const { fake } = stack;
    const manager = newUser("proc-manager");
    const guildId = fake.createGuild({ ownerId: newUser("proc-owner") });
    const managers = fake.createRole(guildId, { permissions: PermissionFlagsBits.ManageChannels });
    const general = fake.createChannel(guildId, { name: "general" });
    const alerts = fake.createChannel(guildId, { name: "alerts" });
    fake.addMember(guildId, manager, [managers]);
    const created = await fake
      .slashCommand(
        manager,
        "alert price",
        { ticker: "AAPL", condition: "above", value: "250", channel: alerts },
        { guildId, channelId: general },
      )
      .reply(15_000);
    expect(created.content).toMatch(/Alert set/);
    const [alert] = await stack.alerts.listAlerts(manager.id);
    expect(alert?.origin).toMatchObject({ kind: "channel", chatId: alerts, communityId: guildId });

    fake.deleteChannel(alerts);
    const notification: Notification = {
      v: 1,
      type: "triggered",
      triggerId: `${alert!.id}:0`,
      alertId: alert!.id,
      generation: 0,
      userId: alert!.userId,
      origin: alert!.origin,
      symbol: "AAPL",
      condition: alert!.condition,
      price: 250.1,
      referencePrice: 190,
      moveAbs: 60.1,
      movePercent: 31.63,
      note: null,
      repeating: false,
      firedAt: new Date().toISOString(),
    };
    await producer.publish(notificationTopicOf("discord"), [{ key: alert!.userId, value: notification }]);
    const [dm] = await fake.waitForDms(manager, 1, 45_000);
    expect(dm?.content).toMatch(/^⏸ Your AAPL alert posted in .* is paused: the channel no longer exists/);
    expect((await stack.alerts.getAlert(manager.id, alert!.id)).status).toBe("paused");
  });

  it("answers commands, delivers notifications from Kafka, and stops on SIGTERM", async () => {
    const user = newUser("proc");
    const created = await stack.fake
      .slashCommand(user, "alert price", { ticker: "AAPL", condition: "above", value: "250" })
      .reply(15_000);
    expect(created.content).toMatch(/Alert set/);
    const [alert] = await stack.alerts.listAlerts(user.id);
    const notification: Notification = {
      v: 1,
      type: "triggered",
      triggerId: `${alert!.id}:0`,
      alertId: alert!.id,
      generation: 0,
      userId: alert!.userId,
      origin: alert!.origin,
      symbol: "AAPL",
      condition: alert!.condition,
      price: 250.1,
      referencePrice: 190,
      moveAbs: 60.1,
      movePercent: 31.63,
      note: null,
      repeating: false,
      firedAt: new Date().toISOString(),
    };
    // Published twice, as an at-least-once bus may: one DM.
    for (let i = 0; i < 2; i++) {
      await producer.publish(notificationTopicOf("discord"), [{ key: alert!.userId, value: notification }]);
    }
    const [dm] = await stack.fake.waitForDms(user, 1, 45_000);
    expect(dm?.embeds[0]).toMatchObject({ title: "🔔 AAPL rose above $250.00" });
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
    expect(metrics.length).toBeGreaterThan(0);

    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(stack.fake.dmsTo(user)).toHaveLength(1);
    expect(output).not.toContain(stack.fake.token);
    expect(output).not.toContain(TOKENS.discord);
  });
});
