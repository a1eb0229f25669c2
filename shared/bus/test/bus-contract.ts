// The one contract both buses must pass. Each adapter's test file calls busContract() with a factory; every
// test uses fresh topic names and group ids, so runs never see each other's messages on a shared broker.
import { randomBytes } from "node:crypto";
import { createMetricsRegistry, type Registry } from "@tickerbell/config";
import type { TopicSpec } from "@tickerbell/contracts";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { BusValidationError } from "../src/codec.ts";
import type {
  Bus,
  DeadLetter,
  IncomingMessage,
  MessageHeaders,
  PartitionsChange,
  Subscription,
  TopicPartition,
} from "../src/index.ts";

export const TestEventSchema = z.object({
  v: z.literal(1),
  key: z.string().min(1),
  seq: z.number().int().nonnegative(),
});
export type TestEvent = z.infer<typeof TestEventSchema>;
export type TestCatalog = Record<string, TopicSpec<typeof TestEventSchema>>;

export interface TestBus extends Bus<TestCatalog> {
  publishUnvalidated(
    topic: string,
    messages: readonly { key: string | null; value: string | null; headers?: MessageHeaders }[],
  ): Promise<void>;
}

export interface ContractFixture {
  /**
   * A bus as one process would hold it. Kafka: a new client each call (separate group members really are
   * separate clients); in-memory: the one shared bus, since its groups live inside it.
   */
  connect(options?: { metrics?: Registry }): Promise<TestBus>;
  /** Stops everything the fixture opened. */
  close(): Promise<void>;
}

export type BusFactory = (catalog: TestCatalog) => Promise<ContractFixture>;

function catalogWith(partitions: number): { topic: string; catalog: TestCatalog } {
  const topic = `contract.${Date.now().toString(36)}.${randomBytes(3).toString("hex")}`;
  return {
    topic,
    catalog: {
      [topic]: { name: topic, key: "key", keyOf: (e) => e.key, schema: TestEventSchema, partitions },
    },
  };
}

function newGroup(name: string): string {
  return `${name}-${randomBytes(4).toString("hex")}`;
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function events(key: string, from: number, to: number): { value: TestEvent }[] {
  return Array.from({ length: to - from }, (_, i) => ({ value: { v: 1 as const, key, seq: from + i } }));
}

async function waitForAsync(
  what: string,
  condition: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export function busContract(name: string, factory: BusFactory): void {
  describe(`Bus contract: ${name}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });
    async function open(partitions: number) {
      const { topic, catalog } = catalogWith(partitions);
      const fixture = await factory(catalog);
      cleanups.push(() => fixture.close());
      return { topic, fixture };
    }

    it("delivers every message once to a group, in order per key, in the key's partition", async () => {
      const { topic, fixture } = await open(3);
      const metrics = createMetricsRegistry("bus-contract");
      const bus = await fixture.connect({ metrics });
      const keys = ["AAPL", "MSFT", "TSLA", "NVDA", "BRK.B"];
      for (let round = 0; round < 4; round++) {
        await bus.publish(
          topic,
          keys.flatMap((key) => events(key, round * 10, round * 10 + 10)),
        );
      }
      const seen = new Map<string, number[]>();
      const partitions = new Map<string, Set<number>>();
      const sub = await bus.subscribe({
        groupId: newGroup("order"),
        topics: [topic],
        handler: async (m) => {
          seen.set(m.value.key, [...(seen.get(m.value.key) ?? []), m.value.seq]);
          partitions.set(m.value.key, (partitions.get(m.value.key) ?? new Set()).add(m.partition));
          expect(m.key).toBe(m.value.key);
        },
      });
      await waitFor("200 messages", () => [...seen.values()].flat().length >= 200);
      const usedPartitions = [...new Set(keys.map((key) => bus.partitionOf(topic, key)))];
      const lagOf = (partition: number) =>
        metricValue(metrics, "tickerbell_bus_consumer_lag", { topic, partition: String(partition) });
      await waitForAsync("lag 0 on every partition in use", async () => {
        const lags = await Promise.all(usedPartitions.map((p) => lagOf(p).catch(() => -1)));
        return lags.every((lag) => lag === 0);
      });
      await sub.stop();
      for (const key of keys) {
        expect(seen.get(key)).toEqual(Array.from({ length: 40 }, (_, i) => i));
        expect([...(partitions.get(key) ?? [])]).toEqual([bus.partitionOf(topic, key)]);
      }
      expect(await metricValue(metrics, "tickerbell_bus_published_messages_total", { topic })).toBe(200);
      expect(
        await metricValue(metrics, "tickerbell_bus_consumed_messages_total", { topic, outcome: "handled" }),
      ).toBe(200);
      // A member that left no longer reports lag for partitions it does not own.
      await expect(lagOf(usedPartitions[0] ?? 0)).rejects.toThrow(/no tickerbell_bus_consumer_lag sample/);
    });

    it("gives each member the same partitions of co-partitioned topics, and reports them before delivering", async () => {
      const { topic: ticks } = catalogWith(4);
      const changes = `${ticks}.changes`;
      const spec = (name: string) => ({
        name,
        key: "key",
        keyOf: (e: TestEvent) => e.key,
        schema: TestEventSchema,
        partitions: 4,
      });
      const fixture = await factory({ [ticks]: spec(ticks), [changes]: spec(changes) });
      cleanups.push(() => fixture.close());
      const groupId = newGroup("copartitioned");
      const owned: TopicPartition[][] = [[], []];
      const violations: string[] = [];
      const seenBy = [new Set<string>(), new Set<string>()] as const;
      const member = async (i: number) =>
        (await fixture.connect()).subscribe({
          groupId,
          topics: [ticks, changes],
          onPartitionsChanged: async (change) => {
            // A slow hook (loading state) must finish before the partition's messages are delivered.
            await new Promise((resolve) => setTimeout(resolve, 20));
            owned[i] = change.owned;
          },
          handler: async (m) => {
            const mine = owned[i]?.some((tp) => tp.topic === m.topic && tp.partition === m.partition);
            if (!mine) violations.push(`member ${i} got ${m.topic}:${m.partition} before owning it`);
            seenBy[i]?.add(`${m.topic}:${m.value.key}`);
          },
        });
      const [a, b] = [await member(0), await member(1)];
      await waitFor("both members to own partitions", () => owned.every((o) => o.length > 0));
      for (const [i, o] of owned.entries()) {
        const of = (t: string) => o.filter((tp) => tp.topic === t).map((tp) => tp.partition);
        expect(of(ticks), `member ${i}`).toEqual(of(changes));
      }
      const producer = await fixture.connect();
      const keys = Array.from({ length: 16 }, (_, i) => `S${i}`);
      await producer.publish(
        ticks,
        keys.flatMap((key) => events(key, 0, 1)),
      );
      await producer.publish(
        changes,
        keys.flatMap((key) => events(key, 0, 1)),
      );
      await waitFor("every key on both topics", () => seenBy[0].size + seenBy[1].size >= 32);
      await a.stop();
      await b.stop();
      expect(violations).toEqual([]);
      // Whoever got a key's ticks also got its alert changes.
      for (const key of keys) {
        const owner = seenBy[0].has(`${ticks}:${key}`) ? 0 : 1;
        expect(seenBy[owner].has(`${changes}:${key}`), key).toBe(true);
      }
    });

    it("rejects a whole batch with an invalid message before sending any of it", async () => {
      const { topic, fixture } = await open(1);
      const bus = await fixture.connect();
      await expect(
        bus.publish(topic, [
          { value: { v: 1, key: "AAPL", seq: 0 } },
          { value: { v: 2, key: "AAPL", seq: 1 } as unknown as TestEvent },
        ]),
      ).rejects.toBeInstanceOf(BusValidationError);
      await bus.publish(topic, events("AAPL", 7, 8));
      const seen: number[] = [];
      const sub = await bus.subscribe({
        groupId: newGroup("batch"),
        topics: [topic],
        handler: async (m) => {
          seen.push(m.value.seq);
        },
      });
      await waitFor("the valid message", () => seen.length >= 1);
      await sub.stop();
      expect(seen).toEqual([7]);
    });

    it("loses nothing when a group member leaves mid-stream, and hands its partitions over", async () => {
      const { topic, fixture } = await open(4);
      const groupId = newGroup("handover");
      const keys = Array.from({ length: 12 }, (_, i) => `K${i}`);
      const perMember = [new Map<string, number[]>(), new Map<string, number[]>()];
      const changes: PartitionsChange[][] = [[], []];
      const all = new Set<string>();
      const handlerFor = (member: number) => async (m: IncomingMessage<string, TestEvent>) => {
        const seqs = perMember[member]?.get(m.value.key) ?? [];
        perMember[member]?.set(m.value.key, [...seqs, m.value.seq]);
        all.add(`${m.value.key}:${m.value.seq}`);
      };
      const producer = await fixture.connect();
      const [busA, busB] = [await fixture.connect(), await fixture.connect()];
      const a = await busA.subscribe({
        groupId,
        topics: [topic],
        handler: handlerFor(0),
        onPartitionsChanged: (c) => {
          changes[0]?.push(c);
        },
      });
      const b = await busB.subscribe({
        groupId,
        topics: [topic],
        handler: handlerFor(1),
        onPartitionsChanged: (c) => {
          changes[1]?.push(c);
        },
      });
      await waitFor("both members to own partitions", () =>
        changes.every((c) => (c.at(-1)?.owned.length ?? 0) > 0),
      );
      for (let round = 0; round < 5; round++) {
        await producer.publish(
          topic,
          keys.flatMap((key) => events(key, round * 10, round * 10 + 10)),
        );
      }
      await waitFor(
        "member A to be mid-stream",
        () => [...(perMember[0]?.values() ?? [])].flat().length >= 20,
      );
      await a.stop();
      for (let round = 5; round < 10; round++) {
        await producer.publish(
          topic,
          keys.flatMap((key) => events(key, round * 10, round * 10 + 10)),
        );
      }
      await waitFor("every message", () => all.size >= keys.length * 100);
      await b.stop();

      expect(all.size).toBe(keys.length * 100);
      // Each member saw each key in order (a redelivery after the handover restarts at the committed offset).
      for (const seen of perMember) {
        for (const [, seqs] of seen) {
          for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1] ?? -1);
        }
      }
      const ownedByA = changes[0]?.at(-2)?.owned ?? [];
      expect(ownedByA.length).toBeGreaterThan(0);
      expect(changes[0]?.at(-1)).toMatchObject({ owned: [], assigned: [] });
      expect(sortTps(changes[0]?.at(-1)?.revoked ?? [])).toEqual(sortTps(ownedByA));
      const formerlyA = new Set(ownedByA.map((tp) => tp.partition));
      const keysOfA = keys.filter((key) => formerlyA.has(producer.partitionOf(topic, key)));
      expect(keysOfA.length).toBeGreaterThan(0);
      for (const key of keysOfA) expect(perMember[1]?.get(key)).toContain(99);
      const ownedByBBeforeStop = changes[1]?.at(-2)?.owned ?? [];
      expect(sortTps(ownedByBBeforeStop)).toEqual([0, 1, 2, 3].map((partition) => ({ topic, partition })));
    });

    it("dead-letters a poison message with its error and origin, and goes on with the partition", async () => {
      const { topic, fixture } = await open(2);
      const bus = await fixture.connect();
      const key = "POISON";
      const attempts = new Map<number, number>();
      const handled: number[] = [];
      await bus.publish(topic, events(key, 0, 1));
      await bus.publishUnvalidated(topic, [{ key, value: '{"v":1,"key":"POISON","seq":"one"}' }]);
      await bus.publishUnvalidated(topic, [{ key, value: "not json at all" }]);
      await bus.publish(topic, [...events(key, 1, 2), ...events(key, 2, 4)]);
      const sub = await bus.subscribe({
        groupId: newGroup("poison"),
        topics: [topic],
        retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
        handler: async (m) => {
          attempts.set(m.value.seq, (attempts.get(m.value.seq) ?? 0) + 1);
          if (m.value.seq === 1) throw new Error("cannot handle seq 1");
          handled.push(m.value.seq);
        },
      });
      const dead: DeadLetter[] = [];
      const dlq = await bus.subscribeDeadLetters({
        groupId: newGroup("dlq"),
        topics: [topic],
        handler: async (d) => {
          dead.push(d);
        },
      });
      await waitFor("later messages", () => handled.length >= 3);
      await waitFor("three dead letters", () => dead.length >= 3);
      await sub.stop();
      await dlq.stop();

      expect(handled).toEqual([0, 2, 3]);
      expect(attempts.get(1)).toBe(3);
      const partition = bus.partitionOf(topic, key);
      expect(dead.map((d) => d.reason)).toEqual(["invalid", "invalid", "failed"]);
      expect(dead.map((d) => d.originalOffset)).toEqual(["1", "2", "3"]);
      for (const d of dead) {
        expect(d).toMatchObject({ originalTopic: topic, originalPartition: partition, key });
        expect(d.topic).toBe(`${topic}.dlq`);
      }
      expect(dead[0]?.rawValue).toBe('{"v":1,"key":"POISON","seq":"one"}');
      expect(dead[0]?.error).toContain("seq");
      expect(dead[1]?.error).toContain("not JSON");
      expect(dead[2]).toMatchObject({ error: "cannot handle seq 1", attempts: 3 });
      expect(JSON.parse(dead[2]?.rawValue ?? "null")).toEqual({ v: 1, key, seq: 1 });
    });

    it("commits only after the handler succeeded: a restarted member gets the failing message again", async () => {
      const { topic, fixture } = await open(1);
      const groupId = newGroup("redeliver");
      const bus = await fixture.connect();
      await bus.publish(topic, events("AAPL", 0, 5));
      const firstRun: number[] = [];
      let failures = 0;
      const first = await bus.subscribe({
        groupId,
        topics: [topic],
        retry: { attempts: 1_000, baseDelayMs: 10, maxDelayMs: 50 },
        handler: async (m) => {
          if (m.value.seq === 2) {
            failures++;
            throw new Error("downstream is down");
          }
          firstRun.push(m.value.seq);
        },
      });
      await waitFor("seq 2 to fail repeatedly", () => failures >= 3);
      await first.stop();
      expect(firstRun).toEqual([0, 1]);

      const secondRun: number[] = [];
      const second = await (await fixture.connect()).subscribe({
        groupId,
        topics: [topic],
        handler: async (m) => {
          secondRun.push(m.value.seq);
        },
      });
      await waitFor("the rest", () => secondRun.length >= 3);
      await second.stop();
      expect(secondRun).toEqual([2, 3, 4]);
    });

    it("drains in-flight work on stop and commits it", async () => {
      const { topic, fixture } = await open(1);
      const groupId = newGroup("drain");
      const bus = await fixture.connect();
      await bus.publish(topic, events("AAPL", 0, 3));
      const started = deferred();
      const release = deferred();
      const log: string[] = [];
      const sub: Subscription = await bus.subscribe({
        groupId,
        topics: [topic],
        handler: async (m) => {
          log.push(`start ${m.value.seq}`);
          started.resolve();
          await release.promise;
          log.push(`done ${m.value.seq}`);
        },
      });
      await started.promise;
      const stopped = sub.stop().then(() => log.push("stopped"));
      // Let stop() get under way before the handler may finish.
      await new Promise((resolve) => setTimeout(resolve, 50));
      release.resolve();
      await stopped;
      expect(log).toEqual(["start 0", "done 0", "stopped"]);

      const next: number[] = [];
      const again = await (await fixture.connect()).subscribe({
        groupId,
        topics: [topic],
        handler: async (m) => {
          next.push(m.value.seq);
        },
      });
      await waitFor("the remaining messages", () => next.length >= 2);
      await again.stop();
      expect(next).toEqual([1, 2]);
    });

    it("reports each partition's end offset: where the next message will land", async () => {
      const { topic, fixture } = await open(3);
      const bus = await fixture.connect();
      expect(await bus.endOffsets(topic)).toEqual(
        new Map([
          [0, "0"],
          [1, "0"],
          [2, "0"],
        ]),
      );
      await bus.publish(topic, events("AAPL", 0, 7));
      const partition = bus.partitionOf(topic, "AAPL");
      const after = await bus.endOffsets(topic);
      expect(after.size).toBe(3);
      for (const [p, end] of after) expect(end, `partition ${p}`).toBe(p === partition ? "7" : "0");
      await bus.publish(topic, events("AAPL", 7, 9));
      expect((await bus.endOffsets(topic)).get(partition)).toBe("9");
      await expect(bus.endOffsets(`${topic}.unknown`)).rejects.toThrow(/unknown topic/);
    });

    it("in manual commit mode, commits only what the consumer commits: a new member resumes right after it", async () => {
      const { topic, fixture } = await open(1);
      const groupId = newGroup("manual");
      const bus = await fixture.connect();
      await bus.publish(topic, events("AAPL", 0, 10));
      const seen: number[] = [];
      let subscribed: (sub: Subscription) => void = () => {};
      const subscription = new Promise<Subscription>((resolve) => {
        subscribed = resolve;
      });
      const first = await bus.subscribe({
        groupId,
        topics: [topic],
        commit: "manual",
        handler: async (m) => {
          seen.push(m.value.seq);
          // After the fifth message: the group is to resume at the sixth, whatever is handled after this.
          if (m.value.seq === 4) {
            await (await subscription).commit([
              { topic, partition: m.partition, offset: String(Number(m.offset) + 1) },
              // Not this member's: ignored, not an error.
              { topic, partition: 1, offset: "9" },
              { topic: `${topic}.other`, partition: 0, offset: "9" },
            ]);
          }
        },
      });
      subscribed(first);
      await waitFor("all ten messages", () => seen.length >= 10);
      await expect(first.commit([{ topic, partition: 0, offset: "-1" }])).rejects.toThrow(/non-negative/);
      await expect(first.commit([{ topic, partition: 0, offset: "5x" }])).rejects.toThrow(/non-negative/);
      await first.stop();
      expect(seen).toEqual(range(0, 10));

      const second: number[] = [];
      const again = await (await fixture.connect()).subscribe({
        groupId,
        topics: [topic],
        commit: "manual",
        handler: async (m) => {
          second.push(m.value.seq);
        },
      });
      await waitFor("the uncommitted messages", () => second.length >= 5);
      await again.stop();
      expect(second).toEqual(range(5, 10));
    });

    it("in manual commit mode without a commit, a new member starts where the group starts", async () => {
      const { topic, fixture } = await open(1);
      const groupId = newGroup("manual-none");
      const bus = await fixture.connect();
      await bus.publish(topic, events("AAPL", 0, 10));
      const first: number[] = [];
      const sub = await bus.subscribe({
        groupId,
        topics: [topic],
        commit: "manual",
        maxInFlight: 4,
        handler: async (m) => {
          first.push(m.value.seq);
        },
      });
      await waitFor("all ten messages", () => first.length >= 10);
      await sub.stop();
      const second: number[] = [];
      const again = await (await fixture.connect()).subscribe({
        groupId,
        topics: [topic],
        handler: async (m) => {
          second.push(m.value.seq);
        },
      });
      await waitFor("all ten again", () => second.length >= 10);
      await again.stop();
      expect(second).toEqual(range(0, 10));
    });

    it("in auto commit mode, commit() rejects: the bus commits by itself", async () => {
      const { topic, fixture } = await open(1);
      const bus = await fixture.connect();
      const sub = await bus.subscribe({
        groupId: newGroup("auto"),
        topics: [topic],
        handler: async () => {},
      });
      await expect(sub.commit([{ topic, partition: 0, offset: "1" }])).rejects.toThrow(/commit: "manual"/);
      await sub.stop();
    });

    it("caughtUp resolves once everything published before the call is done, dead letters included", async () => {
      const { topic, fixture } = await open(2);
      const bus = await fixture.connect();
      const keys = ["AAPL", "MSFT", "TSLA"];
      await bus.publish(
        topic,
        keys.flatMap((key) => events(key, 0, 10)),
      );
      await bus.publishUnvalidated(topic, [{ key: "AAPL", value: "not json at all" }]);
      await bus.publish(topic, events("AAPL", 10, 20));
      const handled = new Set<string>();
      const gate = deferred();
      const entered = deferred();
      const sub = await bus.subscribe({
        groupId: newGroup("caught-up"),
        topics: [topic],
        maxInFlight: 5,
        handler: async (m) => {
          if (m.value.key === "AAPL" && m.value.seq === 12) {
            entered.resolve();
            await gate.promise;
          }
          handled.add(`${m.value.key}:${m.value.seq}`);
        },
      });
      await entered.promise;
      let caughtUp = false;
      const waiting = sub.caughtUp().then(() => {
        caughtUp = true;
        return new Set(handled);
      });
      await sleep(100);
      expect(caughtUp).toBe(false);
      gate.resolve();
      const handledWhenCaughtUp = await waiting;
      expect(handledWhenCaughtUp.size).toBe(40);
      // Nothing pending any more: at once.
      await sub.caughtUp();
      await sub.stop();
    });

    it("caughtUp resolves at once on an empty topic, and counts handled messages that are not committed", async () => {
      const { topic, fixture } = await open(2);
      const bus = await fixture.connect();
      const idle = await bus.subscribe({
        groupId: newGroup("idle"),
        topics: [topic],
        handler: async () => {},
      });
      await idle.caughtUp();
      await idle.stop();

      await bus.publish(topic, events("AAPL", 0, 5));
      const seen: number[] = [];
      const gate = deferred();
      const manual = await bus.subscribe({
        groupId: newGroup("caught-up-manual"),
        topics: [topic],
        commit: "manual",
        handler: async (m) => {
          if (m.value.seq === 3) await gate.promise;
          seen.push(m.value.seq);
        },
      });
      let caughtUp = false;
      const waiting = manual.caughtUp().then(() => {
        caughtUp = true;
        return [...seen];
      });
      await sleep(100);
      expect(caughtUp).toBe(false);
      gate.resolve();
      expect(await waiting).toEqual(range(0, 5));
      await manual.stop();
    });

    it("caughtUp rejects when the subscription stops before it caught up", async () => {
      const { topic, fixture } = await open(1);
      const bus = await fixture.connect();
      await bus.publish(topic, events("AAPL", 0, 3));
      let failures = 0;
      const sub = await bus.subscribe({
        groupId: newGroup("caught-up-stop"),
        topics: [topic],
        retry: { attempts: 1_000, baseDelayMs: 10, maxDelayMs: 50 },
        handler: async (m) => {
          if (m.value.seq === 1) {
            failures++;
            throw new Error("seq 1 keeps failing");
          }
        },
      });
      await waitFor("seq 1 to fail", () => failures >= 1);
      const waiting = sub.caughtUp();
      waiting.catch(() => {});
      await sub.stop();
      await expect(waiting).rejects.toThrow(/stopped before it caught up/);
    });

    it("with maxInFlight, works a partition's messages side by side but commits only up to the first unfinished one", async () => {
      const { topic, fixture } = await open(1);
      const groupId = newGroup("in-flight");
      const bus = await fixture.connect();
      await bus.publish(topic, events("AAPL", 0, 30));
      const handled: number[] = [];
      const running = { now: 0, most: 0 };
      let failures = 0;
      const first = await bus.subscribe({
        groupId,
        topics: [topic],
        maxInFlight: 10,
        retry: { attempts: 1_000, baseDelayMs: 10, maxDelayMs: 50 },
        handler: async (m) => {
          running.now++;
          running.most = Math.max(running.most, running.now);
          try {
            if (m.value.seq === 3) {
              failures++;
              throw new Error("seq 3 keeps failing");
            }
            // Later messages of a window tend to finish first.
            await sleep((10 - (m.value.seq % 10)) * 2);
            handled.push(m.value.seq);
          } finally {
            running.now--;
          }
        },
      });
      await waitFor("every message but seq 3", () => handled.length >= 29);
      await waitFor("seq 3 to fail again and again", () => failures >= 3);
      // Seq 3 is still retrying: stopping abandons it, and what comes after it must not count as committed.
      await first.stop();
      expect([...handled].sort((a, b) => a - b)).toEqual(range(0, 30).filter((seq) => seq !== 3));
      expect(running.most).toBeGreaterThan(1);
      expect(running.most).toBeLessThanOrEqual(10);

      const second: number[] = [];
      const again = await (await fixture.connect()).subscribe({
        groupId,
        topics: [topic],
        handler: async (m) => {
          second.push(m.value.seq);
        },
      });
      await waitFor("the redelivery", () => second.length >= 27);
      await again.stop();
      expect(second).toEqual(range(3, 30));
    });

    it("with maxInFlight, dead-letters a poison message without holding up the others, and commits past it", async () => {
      const { topic, fixture } = await open(1);
      const groupId = newGroup("in-flight-poison");
      const bus = await fixture.connect();
      const key = "POISON";
      await bus.publish(topic, events(key, 0, 5));
      await bus.publishUnvalidated(topic, [{ key, value: "not json at all" }]);
      await bus.publish(topic, events(key, 5, 10));
      const handled: number[] = [];
      const sub = await bus.subscribe({
        groupId,
        topics: [topic],
        maxInFlight: 10,
        retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
        handler: async (m) => {
          if (m.value.seq === 7) throw new Error("cannot handle seq 7");
          await sleep((10 - m.value.seq) * 2);
          handled.push(m.value.seq);
        },
      });
      const dead: DeadLetter[] = [];
      const dlq = await bus.subscribeDeadLetters({
        groupId: newGroup("in-flight-dlq"),
        topics: [topic],
        handler: async (d) => {
          dead.push(d);
        },
      });
      await waitFor("every valid message", () => handled.length >= 9);
      await waitFor("two dead letters", () => dead.length >= 2);
      await sub.stop();
      await dlq.stop();
      expect([...handled].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 8, 9]);
      const byOffset = [...dead].sort((a, b) => Number(a.originalOffset) - Number(b.originalOffset));
      expect(byOffset.map((d) => [d.originalOffset, d.reason])).toEqual([
        ["5", "invalid"],
        ["8", "failed"],
      ]);

      // Dead-lettered counts as done: the group resumes after everything, not at a poison message.
      await bus.publish(topic, events(key, 10, 11));
      const next: number[] = [];
      const again = await (await fixture.connect()).subscribe({
        groupId,
        topics: [topic],
        handler: async (m) => {
          next.push(m.value.seq);
        },
      });
      await waitFor("the message after the restart", () => next.includes(10));
      await again.stop();
      expect(next).toEqual([10]);
    });
  });
}

/** Sum of a metric's samples whose labels include `labels`. */
async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`metric ${name} is not registered`);
  const { values } = await metric.get();
  const matching = values.filter((v) =>
    Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want),
  );
  if (matching.length === 0) throw new Error(`no ${name} sample with ${JSON.stringify(labels)}`);
  return matching.reduce((sum, v) => sum + v.value, 0);
}

function sortTps(tps: readonly TopicPartition[]): TopicPartition[] {
  return [...tps].sort((x, y) => x.topic.localeCompare(y.topic) || x.partition - y.partition);
}
