// The other half of the firing path as a deployable: the alert service's main.ts with KAFKA_BROKERS set relays
// its outbox to alerts.changes, stores the firings the matcher writes to alerts.runtime, and stops cleanly.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { KafkaBus, type Subscription } from "@tickerbell/bus";
import {
  type AlertChangeEvent,
  AlertSchema,
  type Notification,
  TOPIC_ALERT_CHANGES,
  TOPIC_ALERT_RUNTIME,
  TOPIC_CATALOG,
} from "@tickerbell/contracts";
import { createTestDatabase, kafkaBrokersFromEnv, type TestDatabase } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tag, waitFor } from "./harness.ts";

const MAIN = fileURLToPath(new URL("../../alerts/src/main.ts", import.meta.url));
const TELEGRAM_TOKEN = "telegram-bot-token-p001";
const INTERNAL_TOKEN = "internal-svc-token-p002";

let db: TestDatabase;
let child: ChildProcess | undefined;
const output: string[] = [];
const bus = new KafkaBus({
  catalog: TOPIC_CATALOG,
  brokers: kafkaBrokersFromEnv(),
  clientId: "alerts-process-test",
});
let changes: Subscription | undefined;
const seen: AlertChangeEvent[] = [];

beforeAll(async () => {
  db = await createTestDatabase("tb_alerts_proc");
  await bus.start();
});
afterAll(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  await changes?.stop();
  await bus.close();
  await db?.drop();
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("alert service process with KAFKA_BROKERS", () => {
  it("relays changes, stores firings from alerts.runtime, and exits 0 on SIGTERM", async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        PORT: String(port),
        DATABASE_URL: db.url,
        API_TOKEN_TELEGRAM: TELEGRAM_TOKEN,
        API_TOKEN_INTERNAL: INTERNAL_TOKEN,
        KAFKA_BROKERS: kafkaBrokersFromEnv().join(","),
        ALERTS_RUNTIME_GROUP_ID: `alerts-runtime-${tag()}`,
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (chunk) => output.push(String(chunk)));
    child.stderr?.on("data", (chunk) => output.push(String(chunk)));
    await waitFor("the alert service up", async () => {
      try {
        return (await fetch(`${base}/healthz`)).ok;
      } catch {
        return false;
      }
    });
    const user = `proc-${tag()}`;
    const headers = {
      authorization: `Bearer ${TELEGRAM_TOKEN}`,
      "x-platform-user-id": user,
      "content-type": "application/json",
    };
    const created = await fetch(`${base}/v1/alerts`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        symbol: `${tag()}Q`,
        condition: { kind: "price", direction: "above", target: 200 },
        market: { last: 190 },
        origin: { platform: "telegram", chatId: "chat-1" },
      }),
    });
    expect(created.status, output.join("")).toBe(201);
    const alert = AlertSchema.parse(await created.json());
    changes = await bus.subscribe({
      groupId: `alerts-process-test-${tag()}`,
      topics: [TOPIC_ALERT_CHANGES],
      handler: async (m) => {
        if (m.value.alert.id === alert.id) seen.push(m.value);
      },
    });
    await waitFor("the created change relayed", () => seen.some((e) => e.change === "created"));

    const notification: Notification = {
      v: 1,
      type: "triggered",
      triggerId: `${alert.id}:0`,
      alertId: alert.id,
      generation: 0,
      userId: alert.userId,
      origin: alert.origin,
      symbol: alert.symbol,
      condition: alert.condition,
      price: 200.25,
      referencePrice: 190,
      moveAbs: 10.25,
      movePercent: 5.3947,
      note: null,
      repeating: false,
      firedAt: new Date().toISOString(),
    };
    await bus.publish(TOPIC_ALERT_RUNTIME, [
      {
        value: {
          v: 1,
          alertId: alert.id,
          symbol: alert.symbol,
          asOfTick: "7",
          state: null,
          done: true,
          firing: {
            triggerId: notification.triggerId,
            price: 200.25,
            firedAt: notification.firedAt,
            notification,
          },
        },
      },
    ]);
    await waitFor("the triggered change relayed", () => seen.some((e) => e.change === "triggered"));
    const stored = await fetch(`${base}/v1/alerts/${alert.id}`, { headers });
    expect(await stored.json()).toMatchObject({ status: "triggered", lastTriggerPrice: 200.25 });

    child.kill("SIGTERM");
    const code = await new Promise<number | null>((resolve) => child!.once("exit", (c) => resolve(c)));
    expect(code, output.join("")).toBe(0);
  });
});
