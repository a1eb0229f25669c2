// The trigger consumer on the in-memory bus (the standalone adapter, Kafka's semantics) against the real
// alert service on PostgreSQL: notifications in, recorded firings and outbox changes out.
import { InMemoryBus } from "@tickerbell/bus";
import { createLogger, createMetricsRegistry } from "@tickerbell/config";
import { type Notification, notificationTopicOf, TOPIC_CATALOG } from "@tickerbell/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TriggerConsumer } from "../src/trigger-consumer.ts";
import { priceAlert, sql, startPostgresHarness } from "./harness.ts";

let h: Awaited<ReturnType<typeof startPostgresHarness>>;
const bus = new InMemoryBus({ catalog: TOPIC_CATALOG });
let consumer: TriggerConsumer;
const metrics = createMetricsRegistry("alerts");

beforeAll(async () => {
  h = await startPostgresHarness();
  await bus.start();
  consumer = new TriggerConsumer({
    bus,
    recorder: h.service.alerts,
    logger: createLogger({ service: "trigger-consumer-test", level: "silent" }),
    metrics,
  });
  await consumer.start();
});
afterAll(async () => {
  await consumer?.stop();
  await bus.close();
  await h?.close();
});

async function waitFor(what: string, condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function notification(
  alert: { id: string; userId: string },
  generation: number,
  overrides: Partial<Notification> = {},
): Notification {
  return {
    v: 1,
    type: "triggered",
    triggerId: `${alert.id}:${generation}`,
    alertId: alert.id,
    generation,
    userId: alert.userId,
    origin: { platform: "telegram", chatId: "chat-1" },
    symbol: "AAPL",
    condition: { kind: "price", direction: "above", target: 200 },
    description: "above 200.00",
    price: 201,
    referencePrice: 190,
    moveAbs: 11,
    movePercent: 5.79,
    note: null,
    repeating: false,
    firedAt: new Date().toISOString(),
    ...overrides,
  };
}

async function recorded(outcome: string): Promise<number> {
  const metric = await metrics.getSingleMetric("alerts_triggers_recorded_total")?.get();
  return metric?.values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
}

describe("TriggerConsumer", () => {
  it("records each firing once, whatever the platform topic and however often it is delivered", async () => {
    const created = await h.api("POST", "/v1/alerts", { as: "trig", body: priceAlert() });
    const repeating = await h.api("POST", "/v1/alerts", {
      as: "trig",
      body: priceAlert({ repeat: { cooldownSeconds: 60 } }),
    });
    expect(created.status).toBe(201);
    const topic = notificationTopicOf("telegram");
    await bus.publish(topic, [
      { value: notification(created.body, 0) },
      { value: notification(created.body, 0) },
      { value: notification(repeating.body, 0, { price: 202, repeating: true }) },
    ]);
    // An expiry notice is not a firing; a firing of an unknown alert is refused, not retried.
    await bus.publish(notificationTopicOf("discord"), [
      { value: notification(created.body, 0, { type: "expired", triggerId: `${created.body.id}:expired` }) },
      {
        value: notification({ id: "0f8fad5b-d9cb-469f-a165-70867728950e", userId: created.body.userId }, 0),
      },
    ]);
    await waitFor("both recorded", async () => {
      const [one, two] = await Promise.all([
        h.api("GET", `/v1/alerts/${created.body.id}`, { as: "trig" }),
        h.api("GET", `/v1/alerts/${repeating.body.id}`, { as: "trig" }),
      ]);
      return one.body.status === "triggered" && two.body.generation === 1;
    });
    await waitFor("the unknown alert refused", async () => (await recorded("refused")) === 1);
    const rows = await sql(
      h.db.url,
      "select trigger_id, price from alert_triggers where alert_id in ($1, $2) order by trigger_id",
      [created.body.id, repeating.body.id],
    );
    expect(rows.map((r) => [r.trigger_id, r.price]).sort()).toEqual(
      [
        [`${created.body.id}:0`, 201],
        [`${repeating.body.id}:0`, 202],
      ].sort(),
    );
    expect(await recorded("duplicate")).toBe(1);
    const changes = await sql(
      h.db.url,
      "select payload->>'change' as change from outbox where payload->'alert'->>'id' = $1 order by id",
      [repeating.body.id],
    );
    expect(changes.map((c) => c.change)).toEqual(["created", "rearmed"]);
  });
});
