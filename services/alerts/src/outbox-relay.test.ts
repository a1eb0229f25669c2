// The relay on the real things: the alert service's outbox in PostgreSQL and a real Kafka broker (the one from
// `npm test`, or one started here when KAFKA_BROKERS is unset).
import { randomBytes } from "node:crypto";
import { KafkaBus } from "@tickerbell/bus";
import { createMetricsRegistry } from "@tickerbell/config";
import { type AlertChangeEvent, TOPIC_ALERT_CHANGES, TOPIC_CATALOG } from "@tickerbell/contracts";
import { type KafkaBroker, startKafkaBroker } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { priceAlert, sql, startPostgresHarness } from "../test/harness.ts";
import type { OutboxStore } from "./domain/ports.ts";
import { OutboxRelay } from "./outbox-relay.ts";

let h: Awaited<ReturnType<typeof startPostgresHarness>>;
let broker: KafkaBroker | undefined;
let brokers: string[];
const buses: KafkaBus<typeof TOPIC_CATALOG>[] = [];

beforeAll(async () => {
  if (!process.env.KAFKA_BROKERS) broker = await startKafkaBroker();
  brokers = broker?.brokers ?? (process.env.KAFKA_BROKERS ?? "").split(",");
  h = await startPostgresHarness();
}, 120_000);
afterAll(async () => {
  await Promise.all(buses.map((b) => b.close()));
  await h?.close();
  await broker?.stop();
});

async function newBus() {
  const bus = new KafkaBus({ catalog: TOPIC_CATALOG, brokers, clientId: "outbox-relay-test" });
  await bus.start();
  buses.push(bus);
  return bus;
}

/** The real store, except that the process "dies" right after the publish, before rows are marked. */
function dyingBeforeMark(store: OutboxStore): OutboxStore {
  return {
    claimBatch: (limit) => store.claimBatch(limit),
    markPublished: async () => {
      throw new Error("killed between publish and mark");
    },
  };
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("OutboxRelay", () => {
  it("re-publishes after dying between publish and mark: duplicates, no gap, commit order per symbol", async () => {
    const user = `relay-${randomBytes(3).toString("hex")}`;
    const symbols = ["AAPL", "MSFT", "TSLA"];
    const ids: string[] = [];
    const changeAll = async (body: unknown) => {
      for (const id of ids) {
        expect((await h.api("PATCH", `/v1/alerts/${id}`, { as: user, body })).status).toBe(200);
      }
    };
    for (const symbol of symbols) {
      const created = await h.api("POST", "/v1/alerts", { as: user, body: priceAlert({ symbol }) });
      expect(created.status, h.logs.join("\n")).toBe(201);
      ids.push(created.body.id);
    }
    await changeAll({ note: "first" });

    const received: AlertChangeEvent[] = [];
    const consumer = await newBus();
    const sub = await consumer.subscribe({
      groupId: `relay-test-${user}`,
      topics: [TOPIC_ALERT_CHANGES],
      handler: async (m) => {
        // The shared broker carries other suites' alerts too; keep this test's.
        if (ids.includes(m.value.alert.id)) received.push(m.value);
      },
    });

    const publisher = await newBus();
    const dying = new OutboxRelay({ store: dyingBeforeMark(h.service.outbox), publisher, batchSize: 100 });
    await expect(dying.drainOnce()).rejects.toThrow("killed between publish and mark");
    const unmarked = await sql(h.db.url, "select count(*)::int as n from outbox where published_at is null");
    expect(unmarked[0].n).toBeGreaterThanOrEqual(6);
    await waitFor("the batch published before the crash", () => received.length >= 6);

    await changeAll({ status: "paused" });
    await changeAll({ status: "active" });
    for (const id of ids) expect((await h.api("DELETE", `/v1/alerts/${id}`, { as: user })).status).toBe(200);

    const metrics = createMetricsRegistry("alerts-relay-test");
    const relay = new OutboxRelay({
      store: h.service.outbox,
      publisher,
      batchSize: 4,
      idleWaitMs: 50,
      metrics,
    });
    relay.start();
    const expected = await sql(
      h.db.url,
      `select id, key, payload->>'change' as change from outbox
       where payload->'alert'->>'id' = any($1) order by id`,
      [ids],
    );
    expect(expected).toHaveLength(symbols.length * 5);
    await waitFor("every change", () => new Set(received.map((e) => e.seq)).size >= expected.length);
    await relay.stop();
    await sub.stop();

    expect(await sql(h.db.url, "select id from outbox where published_at is null")).toEqual([]);
    // At least once: the crashed batch came twice.
    expect(received.length).toBeGreaterThan(expected.length);
    for (const symbol of symbols) {
      const inCommitOrder = expected.filter((r) => r.key === symbol).map((r) => r.id);
      const stream = received.filter((e) => e.alert.symbol === symbol).map((e) => e.seq);
      // A consumer that drops what it has seen (seq <= the last one) gets exactly the commit order.
      const deduplicated: string[] = [];
      for (const seq of stream) {
        const lastSeen = deduplicated.at(-1);
        if (lastSeen === undefined || BigInt(seq) > BigInt(lastSeen)) deduplicated.push(seq);
      }
      expect(deduplicated).toEqual(inCommitOrder);
      expect(received.filter((e) => e.alert.symbol === symbol).map((e) => e.change)).toContain("cancelled");
    }
    const relayed = await metrics.getSingleMetric("tickerbell_outbox_relayed_total")?.get();
    expect(relayed?.values[0]?.value).toBeGreaterThanOrEqual(expected.length);
  }, 120_000);

  it("keeps rows unpublished while the bus is unreachable, and catches up once it is back", async () => {
    const user = `relay-${randomBytes(3).toString("hex")}`;
    const created = await h.api("POST", "/v1/alerts", { as: user, body: priceAlert({ symbol: "NVDA" }) });
    expect(created.status).toBe(201);
    const refusing = {
      publish: async () => {
        throw new Error("broker unreachable");
      },
    };
    const down = new OutboxRelay({ store: h.service.outbox, publisher: refusing });
    await expect(down.drainOnce()).rejects.toThrow("broker unreachable");
    const pending = await sql(h.db.url, "select id from outbox where published_at is null");
    expect(pending.length).toBeGreaterThan(0);

    const up = new OutboxRelay({ store: h.service.outbox, publisher: await newBus() });
    while ((await up.drainOnce()) > 0) {}
    expect(await sql(h.db.url, "select id from outbox where published_at is null")).toEqual([]);
  });
});
