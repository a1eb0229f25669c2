// The relay on the real things: the alert service's outbox in PostgreSQL and a real Kafka broker (the one from
// `npm test`, or one started here when KAFKA_BROKERS is unset).
import { randomBytes } from "node:crypto";
import { KafkaBus } from "@tickerbell/bus";
import { createMetricsRegistry } from "@tickerbell/config";
import { type AlertChangeEvent, TOPIC_ALERT_CHANGES, TOPIC_CATALOG } from "@tickerbell/contracts";
import { type KafkaBroker, startKafkaBroker } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anotherPriceAlert, type Harness, sql, startHarness, startPostgresHarness } from "../test/harness.ts";
import { type AlertChangePublisher, OutboxRelay } from "./outbox-relay.ts";

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

/** The real bus, except that the process "dies" right after the publish, before the rows are marked. */
function dyingAfterPublish(publisher: AlertChangePublisher): AlertChangePublisher {
  return {
    async publish(topic, messages) {
      await publisher.publish(topic, messages);
      throw new Error("killed between publish and mark");
    },
  };
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const unpublished = async () =>
  (await sql(h.db.url, "select count(*)::int as n from outbox where published_at is null"))[0].n as number;

/** Records what reaches the bus and when each publish ran; it takes `delayMs`, like a broker round trip. */
class RecordingPublisher {
  readonly events: { relay: string; event: AlertChangeEvent; at: number }[] = [];
  readonly intervals: { relay: string; start: number; end: number }[] = [];
  readonly #delayMs: number;

  constructor(delayMs = 0) {
    this.#delayMs = delayMs;
  }

  for(relay: string): AlertChangePublisher {
    return {
      publish: async (_topic, messages) => {
        const start = performance.now();
        if (this.#delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.#delayMs));
        const at = performance.now();
        for (const m of messages) this.events.push({ relay, event: m.value as AlertChangeEvent, at });
        this.intervals.push({ relay, start, end: performance.now() });
      },
    };
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
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
      const created = await h.api("POST", "/v1/alerts", { as: user, body: anotherPriceAlert({ symbol }) });
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
    const dying = new OutboxRelay({ store: h.service.outbox, publisher: dyingAfterPublish(publisher) });
    await expect(dying.drainOnce()).rejects.toThrow("killed between publish and mark");
    expect(await unpublished()).toBeGreaterThanOrEqual(6);
    await waitFor("the batch published before the crash", () => received.length >= 6);

    await changeAll({ status: "paused" });
    await changeAll({ status: "active" });
    for (const id of ids) expect((await h.api("DELETE", `/v1/alerts/${id}`, { as: user })).status).toBe(200);

    const metrics = createMetricsRegistry("alerts-relay-test");
    const relay = new OutboxRelay({
      store: h.service.outbox,
      publisher,
      wakeups: h.service.outboxWakeups,
      batchSize: 4,
      metrics,
    });
    await relay.start();
    const expected = await sql(
      h.db.url,
      `select key, payload->>'seq' as seq from outbox
       where payload->'alert'->>'id' = any($1) order by outbox.id`,
      [ids],
    );
    expect(expected).toHaveLength(symbols.length * 5);
    const distinct = () => new Set(received.map((e) => `${e.alert.symbol}:${e.seq}`)).size;
    await waitFor("every change", () => distinct() >= expected.length);
    await relay.stop();
    await sub.stop();

    expect(await unpublished()).toBe(0);
    // At least once: the crashed batch came twice.
    expect(received.length).toBeGreaterThan(expected.length);
    for (const symbol of symbols) {
      const inCommitOrder = expected.filter((r) => r.key === symbol).map((r) => r.seq);
      const stream = received.filter((e) => e.alert.symbol === symbol).map((e) => e.seq);
      // A consumer that drops what it has seen (seq <= the last one of the symbol) gets exactly the commit order.
      const deduplicated: string[] = [];
      for (const seq of stream) {
        const lastSeen = deduplicated.at(-1);
        if (lastSeen === undefined || BigInt(seq) > BigInt(lastSeen)) deduplicated.push(seq);
      }
      expect(deduplicated, JSON.stringify(stream)).toEqual(inCommitOrder);
      expect(received.filter((e) => e.alert.symbol === symbol).map((e) => e.change)).toContain("cancelled");
    }
    const relayed = await metrics.getSingleMetric("tickerbell_outbox_relayed_total")?.get();
    expect(relayed?.values[0]?.value).toBeGreaterThanOrEqual(expected.length);
  }, 120_000);

  it("keeps rows unpublished while the bus is unreachable, and catches up once it is back", async () => {
    const user = `relay-${randomBytes(3).toString("hex")}`;
    const created = await h.api("POST", "/v1/alerts", {
      as: user,
      body: anotherPriceAlert({ symbol: "NVDA" }),
    });
    expect(created.status).toBe(201);
    const refusing = {
      publish: async () => {
        throw new Error("broker unreachable");
      },
    };
    const down = new OutboxRelay({ store: h.service.outbox, publisher: refusing });
    await expect(down.drainOnce()).rejects.toThrow("broker unreachable");
    expect(await unpublished()).toBeGreaterThan(0);

    const up = new OutboxRelay({ store: h.service.outbox, publisher: await newBus() });
    while (((await up.drainOnce()) ?? 0) > 0) {}
    expect(await unpublished()).toBe(0);
  });
});

describe("three relays on one database (one per replica)", () => {
  const replicas: Harness[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 2; i++) replicas.push(await startHarness({ kind: "postgres", url: h.db.url }));
  });
  afterAll(async () => {
    for (const r of replicas) await r.close();
  });

  it("publish every change once, per symbol in seq order, and never two at the same time", async () => {
    const services = [h.service, ...replicas.map((r) => r.service)];
    const apis = [h.api, ...replicas.map((r) => r.api)];
    const recorder = new RecordingPublisher(2);
    // Long polls: whatever is published comes from wake-ups (a commit in this replica or a NOTIFY from another).
    // Short stand-bys and small batches: the relays keep competing for the lease.
    const relays = services.map(
      (service, i) =>
        new OutboxRelay({
          store: service.outbox,
          publisher: recorder.for(`relay-${i}`),
          wakeups: service.outboxWakeups,
          batchSize: 5,
          idleWaitMs: 60_000,
          standbyWaitMs: 5,
        }),
    );
    // What earlier tests left unpublished goes first.
    while (((await relays[0]!.drainOnce()) ?? 0) > 0) {}
    recorder.events.length = 0;
    recorder.intervals.length = 0;
    const firstId = BigInt(
      (await sql(h.db.url, "select coalesce(max(id), 0)::text as id from outbox"))[0].id,
    );
    for (const relay of relays) await relay.start();

    // Writers on every replica, several symbols, creates and updates interleaved.
    const symbols = ["RA", "RB", "RC", "RD", "RE"];
    const writes: Promise<unknown>[] = [];
    for (let w = 0; w < 6; w++) {
      writes.push(
        (async () => {
          const api = apis[w % apis.length]!;
          const user = `writer-${w}`;
          for (let n = 0; n < 15; n++) {
            const created = await api("POST", "/v1/alerts", {
              as: user,
              body: anotherPriceAlert({ symbol: symbols[(w + n) % symbols.length] }),
            });
            expect(created.status).toBe(201);
            const patched = await api("PATCH", `/v1/alerts/${created.body.id}`, {
              as: user,
              body: { note: `w${w} n${n}` },
            });
            expect(patched.status).toBe(200);
          }
        })(),
      );
    }
    await Promise.all(writes);
    const written = await sql(
      h.db.url,
      "select key, payload->>'seq' as seq from outbox where id > $1 order by outbox.id",
      [String(firstId)],
    );
    expect(written).toHaveLength(6 * 15 * 2);
    await waitFor("every change published", () => recorder.events.length >= written.length, 30_000);
    await Promise.all(relays.map((r) => r.stop()));

    // Every change exactly once, and per symbol in seq order (1, 2, 3, ... for these fresh symbols).
    expect(recorder.events).toHaveLength(written.length);
    for (const symbol of symbols) {
      const seqs = recorder.events.filter((e) => e.event.alert.symbol === symbol).map((e) => e.event.seq);
      expect(seqs).toEqual(seqs.map((_, i) => String(i + 1)));
      expect(seqs).toEqual(written.filter((r) => r.key === symbol).map((r) => r.seq));
    }
    // One publisher at a time across the replicas.
    const byStart = [...recorder.intervals].sort((a, b) => a.start - b.start);
    for (let i = 1; i < byStart.length; i++) {
      const previous = byStart[i - 1]!;
      const next = byStart[i]!;
      expect(
        next.start,
        `${previous.relay} and ${next.relay} published at the same time`,
      ).toBeGreaterThanOrEqual(previous.end);
    }
    const batchesPerRelay = Object.fromEntries(
      relays.map((_, i) => [`relay-${i}`, recorder.intervals.filter((x) => x.relay === `relay-${i}`).length]),
    );
    console.log(`relay batches per replica: ${JSON.stringify(batchesPerRelay)}`);
  }, 120_000);

  it("wakes on a commit in another replica (NOTIFY), and measures commit -> published against the old poll", async () => {
    const [writer] = replicas;
    const latencies = async (relay: (recorder: RecordingPublisher) => OutboxRelay, label: string) => {
      const recorder = new RecordingPublisher();
      const r = relay(recorder);
      await r.start();
      const committed = new Map<string, number>();
      for (let n = 0; n < 40; n++) {
        const created = await writer!.api("POST", "/v1/alerts", {
          as: `latency-${label}`,
          body: anotherPriceAlert({ symbol: "LAT" }),
        });
        expect(created.status).toBe(201);
        committed.set(created.body.id, performance.now());
        await new Promise((resolve) => setTimeout(resolve, 20 + (n % 5) * 7));
      }
      await waitFor(`${label}: every create published`, () =>
        [...committed.keys()].every((id) => recorder.events.some((e) => e.event.alert.id === id)),
      );
      await r.stop();
      const ms = [...committed].map(
        ([id, at]) => recorder.events.find((e) => e.event.alert.id === id)!.at - at,
      );
      return { p50: percentile(ms, 50), p99: percentile(ms, 99), max: Math.max(...ms) };
    };
    // The relay of this replica hears of the other replica's commits only through NOTIFY / LISTEN.
    const woken = await latencies(
      (recorder) =>
        new OutboxRelay({
          store: h.service.outbox,
          publisher: recorder.for("woken"),
          wakeups: h.service.outboxWakeups,
          idleWaitMs: 60_000,
        }),
      "woken",
    );
    const polling = await latencies(
      (recorder) =>
        new OutboxRelay({ store: h.service.outbox, publisher: recorder.for("polling"), idleWaitMs: 250 }),
      "polling",
    );
    const f = (x: number) => x.toFixed(1);
    console.log(
      `commit -> published over 40 creates: woken by NOTIFY p50 ${f(woken.p50)} ms, p99 ${f(woken.p99)} ms, max ${f(woken.max)} ms; ` +
        `polling every 250 ms (the relay before) p50 ${f(polling.p50)} ms, p99 ${f(polling.p99)} ms, max ${f(polling.max)} ms`,
    );
  }, 120_000);
});
