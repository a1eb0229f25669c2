import { describe, expect, it } from "vitest";
import { InMemoryBus } from "../src/index.ts";
import { busContract, type TestBus, type TestCatalog, TestEventSchema } from "./bus-contract.ts";

busContract("InMemoryBus", async (catalog: TestCatalog) => {
  let bus: InMemoryBus<TestCatalog> | undefined;
  return {
    async connect(options = {}) {
      // Group members of the in-memory bus share one bus; the first connect decides the metrics registry.
      bus ??= new InMemoryBus({ catalog, ...(options.metrics ? { metrics: options.metrics } : {}) });
      await bus.start();
      return bus satisfies TestBus;
    },
    async close() {
      await bus?.close();
    },
  };
});

describe("InMemoryBus retention", () => {
  const topic = "retention.events";
  const catalog: TestCatalog = {
    [topic]: { name: topic, key: "key", keyOf: (e) => e.key, schema: TestEventSchema, partitions: 1 },
  };
  const batch = (from: number, count: number) =>
    Array.from({ length: count }, (_, i) => ({ value: { v: 1 as const, key: "K", seq: from + i } }));

  it("drops what every reading group has committed, and keeps a bounded tail nobody reads", async () => {
    const bus = new InMemoryBus({ catalog, retainUnconsumed: 1_000 });
    await bus.start();
    await bus.publish(topic, batch(0, 5_000));
    expect(bus.retainedMessages(topic)).toBeLessThanOrEqual(1_000 + 256);
    expect(bus.retainedMessages(topic)).toBeGreaterThanOrEqual(1_000);

    const seen: number[] = [];
    const offsets: string[] = [];
    const sub = await bus.subscribe({
      groupId: "reader",
      topics: [topic],
      handler: async (m) => {
        seen.push(m.value.seq);
        offsets.push(m.offset);
      },
    });
    // The group starts at the oldest message still kept; offsets keep counting from the first publish.
    await bus.publish(topic, batch(5_000, 3_000));
    await waitUntil(() => seen.at(-1) === 7_999);
    expect(offsets[0]).toBe(String(seen[0]));
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => (seen[0] ?? 0) + i));
    expect(bus.retainedMessages(topic)).toBeLessThan(256);
    await sub.stop();
    await bus.close();
  });
});

describe("InMemoryBus caughtUp", () => {
  const topic = "caught-up.events";
  const catalog: TestCatalog = {
    [topic]: { name: topic, key: "key", keyOf: (e) => e.key, schema: TestEventSchema, partitions: 1 },
  };

  it("resolves at once for a member that owns no partition while another member is busy", async () => {
    const bus = new InMemoryBus({ catalog });
    await bus.start();
    await bus.publish(topic, [{ value: { v: 1, key: "K", seq: 0 } }]);
    let release = () => {};
    const blocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered = false;
    const busy = await bus.subscribe({
      groupId: "pair",
      topics: [topic],
      handler: async () => {
        entered = true;
        await blocked;
      },
    });
    await waitUntil(() => entered);
    const idle = await bus.subscribe({ groupId: "pair", topics: [topic], handler: async () => {} });
    // The busy member keeps partition 0 (members are ordered by id), so the idle one owns nothing.
    await idle.caughtUp();
    release();
    await busy.caughtUp();
    await bus.close();
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
