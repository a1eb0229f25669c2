// MatcherService on the in-memory bus (the real adapter of the standalone mode, same semantics as Kafka):
// ordering of snapshots and replayed changes, a fired one-shot alert staying fired, publish failures,
// checkpoints (runtime state written, offsets committed) and hand-over between two members. The snapshot is a
// small in-memory implementation of the port, to script records; test/restart.property.test.ts restarts through
// the real alert service.
import { randomUUID } from "node:crypto";
import { InMemoryBus } from "@tickerbell/bus";
import { createLogger, createMetricsRegistry } from "@tickerbell/config";
import {
  type Alert,
  type AlertChangeEvent,
  type AlertCondition,
  type AlertRuntimeEvent,
  isWindowHistoryEvent,
  type Notification,
  notificationTopicOf,
  TOPIC_ALERT_CHANGES,
  TOPIC_ALERT_RUNTIME,
  TOPIC_CATALOG,
  TOPIC_PRICE_TICKS,
} from "@tickerbell/contracts";
import { afterEach, describe, expect, it } from "vitest";
import { makeAlert } from "../../test/alert-fixtures.ts";
import { MatcherService } from "./matcher-service.ts";
import type { AlertSnapshotPage, AlertSnapshotSource, MatcherBus } from "./ports.ts";

class Snapshot implements AlertSnapshotSource {
  alerts: Alert[] = [];
  changeSeqs: Record<string, string> = {};
  /** The next `failures` loads fail, as when the alert service is down. */
  failures = 0;
  loads = 0;
  async *activeAlerts(): AsyncIterable<AlertSnapshotPage> {
    this.loads++;
    if (this.failures > 0) {
      this.failures--;
      throw new Error("alert service unreachable");
    }
    yield { alerts: this.alerts.filter((a) => a.status === "active"), changeSeqs: this.changeSeqs };
  }
}

/** The in-memory bus, except that the next `failures` publishes to `failing` topics fail. */
function flakyBus(bus: MatcherBus, state: { failures: number; failing: RegExp }): MatcherBus {
  return {
    catalog: bus.catalog,
    start: () => bus.start(),
    publish: async (topic, messages) => {
      if (state.failing.test(topic) && state.failures > 0) {
        state.failures--;
        throw new Error("broker unavailable");
      }
      return bus.publish(topic, messages);
    },
    endOffsets: (topic) => bus.endOffsets(topic),
    subscribe: (options) => bus.subscribe(options),
    subscribeDeadLetters: (options) => bus.subscribeDeadLetters(options),
    partitionOf: (topic, key) => bus.partitionOf(topic, key),
    partitionsOf: (topic) => bus.partitionsOf(topic),
    close: () => bus.close(),
  };
}

const ABOVE_200 = { kind: "price", direction: "above", target: 200 } as const;
const T0 = Date.parse("2026-03-02T15:00:00Z");
const logger = createLogger({ service: "matcher-test", level: "silent" });

async function waitFor(what: string, condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup(options: { failures?: number; failing?: RegExp } = {}) {
  const bus = new InMemoryBus({ catalog: TOPIC_CATALOG });
  await bus.start();
  const snapshot = new Snapshot();
  const failures = { failures: options.failures ?? 0, failing: options.failing ?? /^notifications\./ };
  const notifications: Notification[] = [];
  const runtime: AlertRuntimeEvent[] = [];
  const runtimeRecorder = await bus.subscribe({
    groupId: "runtime-recorder",
    topics: [TOPIC_ALERT_RUNTIME],
    handler: async (m) => {
      if (!isWindowHistoryEvent(m.value)) runtime.push(m.value);
    },
  });
  const recorder = await bus.subscribe({
    groupId: "recorder",
    topics: [notificationTopicOf("telegram"), notificationTopicOf("discord")],
    handler: async (m) => {
      notifications.push(m.value);
    },
  });
  let seq = 0;
  const members: MatcherService[] = [];
  // One registry for every member, as in a process that runs two.
  const metrics = createMetricsRegistry("matcher");
  const startMember = async () => {
    const matcher = new MatcherService({
      bus: flakyBus(bus, failures),
      snapshots: snapshot,
      logger,
      metrics,
      checkpointMs: 3_600_000,
      fromBeginning: true,
    });
    await matcher.start();
    members.push(matcher);
    return matcher;
  };
  cleanup.push(async () => {
    for (const m of members) await m.stop();
    await recorder.stop();
    await runtimeRecorder.stop();
    await bus.close();
  });
  return {
    bus,
    metrics,
    failures,
    snapshot,
    notifications,
    runtime,
    startMember,
    change: (change: AlertChangeEvent["change"], alert: Alert, atSeq = ++seq) =>
      bus.publish(TOPIC_ALERT_CHANGES, [
        { value: { v: 1, seq: String(atSeq), change, at: new Date(T0).toISOString(), alert } },
      ]),
    ticks: (symbol: string, prices: number[], from = T0) =>
      bus.publish(
        TOPIC_PRICE_TICKS,
        prices.map((price, i) => ({ value: { v: 1 as const, symbol, price, ts: from + i * 1000 } })),
      ),
  };
}

interface AlertShape {
  condition?: AlertCondition;
  referencePrice?: number;
  cooldownSeconds?: number;
}

/** An alert record as the alert service would send it (thresholds derived from the condition). */
function alert(symbol: string, shape: AlertShape = {}, overrides: Partial<Alert> = {}): Alert {
  return {
    ...makeAlert({
      id: randomUUID(),
      symbol,
      condition: shape.condition ?? ABOVE_200,
      referencePrice: shape.referencePrice ?? 190,
      ...(shape.cooldownSeconds ? { cooldownSeconds: shape.cooldownSeconds } : {}),
    }),
    ...overrides,
  };
}

describe("MatcherService", () => {
  it("applies only records newer than the one held: snapshot before replayed changes, re-published changes", async () => {
    const t = await setup();
    const edited = alert("SNAP", {}, { version: 3, note: "edited" });
    t.snapshot.alerts = [edited];
    const m = await t.startMember();
    await waitFor("ready", () => m.ready && m.holds(edited.id));
    // An older change replayed after the snapshot (paused at version 2) must not take the alert out.
    await t.change("paused", { ...edited, version: 2, status: "paused" });
    // A cancelled alert, then its re-published creation (same seq as before): it stays out.
    const gone = alert("SNAP");
    await t.change("created", gone, 10);
    await t.change("cancelled", { ...gone, version: 2, status: "cancelled" }, 11);
    await t.change("created", gone, 10);
    const barrier = alert("SNAP");
    await t.change("created", barrier, 12);
    await waitFor("the barrier applied", () => m.holds(barrier.id));
    expect(m.holds(edited.id)).toBe(true);
    expect(m.holds(gone.id)).toBe(false);
    await t.ticks("SNAP", [201]);
    await waitFor("two firings", () => t.notifications.length === 2);
    expect(t.notifications.find((n) => n.alertId === edited.id)?.note).toBe("edited");
  });

  it("drops replayed changes the snapshot already reflects (seq up to its symbol's seq)", async () => {
    const t = await setup();
    t.snapshot.changeSeqs = { WMARK: "20" };
    const m = await t.startMember();
    await waitFor("ready", () => m.ready);
    // Created and triggered before the snapshot was taken: the snapshot (active alerts only) lacks it, and
    // the replay of its creation must not bring it back.
    const finished = alert("WMARK");
    await t.change("created", finished, 19);
    const later = alert("WMARK");
    await t.change("created", later, 21);
    await waitFor("the later change applied", () => m.holds(later.id));
    expect(m.holds(finished.id)).toBe(false);
    await t.ticks("WMARK", [201]);
    await waitFor("the later alert fired", () => t.notifications.length === 1);
    expect(t.notifications[0]?.alertId).toBe(later.id);
  });

  it("keeps a fired one-shot alert out of the index when an older record of it arrives", async () => {
    const t = await setup();
    const m = await t.startMember();
    await waitFor("ready", () => m.ready);
    const oneShot = alert("GUARD");
    await t.change("created", oneShot);
    await waitFor("indexed", () => m.holds(oneShot.id));
    await t.ticks("GUARD", [201]);
    await waitFor("fired", () => t.notifications.length === 1);
    // The user edits the note before the firing is recorded: the record (generation 0, active) is newer.
    await t.change("updated", { ...oneShot, version: 2, note: "later" });
    const barrier = alert("GUARD", { condition: { kind: "price", direction: "above", target: 500 } });
    await t.change("created", barrier);
    await waitFor("the barrier applied", () => m.holds(barrier.id));
    expect(m.holds(oneShot.id)).toBe(false);
    await t.ticks("GUARD", [205, 206], T0 + 10_000);
    await waitFor("ticks seen", () => m.lastPriceOf("GUARD") === 206);
    expect(t.notifications.map((n) => n.triggerId)).toEqual([`${oneShot.id}:0`]);
  });

  it("tells the user of an expiry once, and not for a one-shot alert that fired first", async () => {
    const t = await setup();
    const m = await t.startMember();
    await waitFor("ready", () => m.ready);
    const waiting = alert("EXP");
    const fired = alert("EXP", { condition: { kind: "price", direction: "above", target: 195 } });
    await t.change("created", waiting);
    await t.change("created", fired);
    await waitFor("indexed", () => m.holds(waiting.id) && m.holds(fired.id));
    await t.ticks("EXP", [196]);
    await waitFor("fired", () => t.notifications.length === 1);
    // The sweep expires both before the firing was recorded; the relay publishes the expiry of `waiting` twice
    // (a crash between publishing and marking the batch: the same rows, so the same seqs).
    const expiredWaiting = { ...waiting, version: 2, status: "expired" as const };
    await t.change("expired", expiredWaiting, 100);
    await t.change("expired", { ...fired, version: 2, status: "expired" }, 101);
    await t.change("expired", expiredWaiting, 100);
    await t.change("expired", { ...fired, version: 2, status: "expired" }, 101);
    const barrier = alert("EXP");
    await t.change("created", barrier, 102);
    await waitFor("the barrier applied", () => m.holds(barrier.id));
    // Same user, same notification partition: once the barrier's firing is read, everything before it is.
    await t.ticks("EXP", [201], T0 + 5000);
    await waitFor("the barrier fired", () => t.notifications.some((n) => n.alertId === barrier.id));
    expect(t.notifications.map((n) => [n.alertId, n.type])).toEqual([
      [fired.id, "triggered"],
      [waiting.id, "expired"],
      [barrier.id, "triggered"],
    ]);
    expect(m.holds(waiting.id)).toBe(false);
  });

  it("posts each community alert's notification where that alert goes: kind, server and role", async () => {
    const t = await setup();
    const m = await t.startMember();
    await waitFor("ready", () => m.ready);
    const channel = { platform: "discord", chatId: "4100000000000000002", kind: "channel" } as const;
    const mentioning = alert(
      "DEST",
      {},
      { origin: { ...channel, communityId: "4100000000000000001", mentionRoleId: "4100000000000000003" } },
    );
    // The same user and chat without the mention: its notification must not borrow the other's role.
    const plain = alert(
      "DEST",
      { condition: { kind: "price", direction: "above", target: 199 } },
      { origin: { ...channel, communityId: "4100000000000000001" } },
    );
    await t.change("created", mentioning);
    await t.change("created", plain);
    await waitFor("indexed", () => m.holds(mentioning.id) && m.holds(plain.id));
    await t.ticks("DEST", [201]);
    await waitFor("both fired", () => t.notifications.length === 2);
    const originOf = (id: string) => t.notifications.find((n) => n.alertId === id)?.origin;
    expect(originOf(mentioning.id)).toEqual(mentioning.origin);
    expect(originOf(plain.id)).toEqual(plain.origin);
  });

  it("keeps notifications whose publish failed and sends them when the bus retries the tick", async () => {
    const t = await setup({ failures: 2 });
    const m = await t.startMember();
    await waitFor("ready", () => m.ready);
    const a = alert("FLAKY");
    await t.change("created", a);
    await waitFor("indexed", () => m.holds(a.id));
    await t.ticks("FLAKY", [201, 202]);
    await waitFor("both ticks handled", () => m.lastPriceOf("FLAKY") === 202);
    await waitFor("the notification", () => t.notifications.length === 1);
    expect(t.notifications[0]).toMatchObject({ triggerId: `${a.id}:0`, price: 201 });
  });

  it("writes a firing with the state after it at once, and at a checkpoint only the states that changed", async () => {
    const t = await setup();
    const m = await t.startMember();
    await waitFor("ready", () => m.ready);
    const trailing = alert("TRAIL", {
      condition: { kind: "trailing", direction: "down", offset: { unit: "percent", value: 10 } },
      referencePrice: 100,
      cooldownSeconds: 60,
    });
    const quiet = alert("TRAIL", { condition: { kind: "price", direction: "above", target: 500 } });
    // A partition's first tick is committed at once (its first checkpoint); what follows waits for the interval.
    await t.ticks("TRAIL", [100], T0 - 60_000);
    await waitFor("the first tick", () => m.lastPriceOf("TRAIL") === 100);
    await t.change("created", trailing);
    await t.change("created", quiet);
    await waitFor("indexed", () => m.holds(trailing.id) && m.holds(quiet.id));
    await t.ticks("TRAIL", [105, 112, 108]);
    await waitFor("ticks seen", () => m.lastPriceOf("TRAIL") === 108);
    expect(t.runtime).toEqual([]);
    await m.checkpoint();
    await waitFor("the checkpoint", () => t.runtime.length === 1);
    expect(t.runtime[0]).toMatchObject({
      alertId: trailing.id,
      state: { extreme: 112, generation: 0 },
      done: false,
    });
    expect(t.runtime[0]?.firing).toBeUndefined();
    // Nothing moved: nothing written.
    await t.ticks("TRAIL", [110], T0 + 5000);
    await waitFor("tick seen", () => m.lastPriceOf("TRAIL") === 110);
    await m.checkpoint();
    // Fires at 100 (112 * 0.9 = 100.8): the firing and the state after it go out with the notification.
    await t.ticks("TRAIL", [100], T0 + 10_000);
    await waitFor("fired", () => t.notifications.length === 1 && t.runtime.length === 2);
    expect(t.runtime[1]).toMatchObject({
      alertId: trailing.id,
      state: { generation: 1, phase: "cooling", extreme: 100, referencePrice: 100 },
      firing: { triggerId: `${trailing.id}:0`, price: 100 },
      done: false,
    });
    expect(t.runtime[1]?.firing?.notification).toEqual(t.notifications[0]);
  });

  it("keeps loading the snapshot until the alert service answers, and is not ready before", async () => {
    const t = await setup();
    const a = alert("DOWN");
    t.snapshot.alerts = [a];
    t.snapshot.failures = 2;
    const m = await t.startMember();
    await waitFor("loaded", () => m.holds(a.id), 10_000);
    expect(t.snapshot.loads).toBe(3);
    expect(m.ready).toBe(true);
    await t.ticks("DOWN", [201]);
    await waitFor("fired", () => t.notifications.length === 1);
  });

  it("keeps changed state when a checkpoint cannot write it, commits nothing, and writes it with the next", async () => {
    const t = await setup({ failing: /^alerts\.runtime$/ });
    const m = await t.startMember();
    await waitFor("ready", () => m.ready);
    const trailing = alert("TRAILF", {
      condition: { kind: "trailing", direction: "up", offset: { unit: "amount", value: 5 } },
      referencePrice: 100,
    });
    await t.ticks("TRAILF", [100], T0 - 60_000);
    await waitFor("the first tick (committed at once)", () => m.lastPriceOf("TRAILF") === 100);
    await t.change("created", trailing);
    await waitFor("indexed", () => m.holds(trailing.id));
    await t.ticks("TRAILF", [98, 96, 97]);
    await waitFor("ticks seen", () => m.lastPriceOf("TRAILF") === 97);
    t.failures.failures = 1;
    await expect(m.checkpoint()).rejects.toThrow("broker unavailable");
    await m.checkpoint();
    await waitFor("written", () => t.runtime.length === 1);
    expect(t.runtime[0]).toMatchObject({ alertId: trailing.id, state: { extreme: 96 } });
  });

  it("hands partitions over on a rebalance: the new owner loads the snapshot, every alert fires once", async () => {
    const t = await setup();
    const first = await t.startMember();
    await waitFor("ready", () => first.ready);
    const symbols = ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF", "GGG", "HHH"];
    const alerts = symbols.map((symbol) => alert(symbol));
    for (const a of alerts) await t.change("created", a);
    await waitFor("all indexed", () => alerts.every((a) => first.holds(a.id)));
    t.snapshot.alerts = alerts;
    await t.ticks("AAA", [201]);
    await waitFor("AAA fired", () => t.notifications.length === 1);
    const second = await t.startMember();
    await waitFor("split", () => second.ready && first.ownedPartitions.length === 3);
    expect(second.ownedPartitions).toHaveLength(3);
    for (const a of alerts) {
      const owner = second.ownedPartitions.includes(t.bus.partitionOf(TOPIC_PRICE_TICKS, a.symbol))
        ? second
        : first;
      if (a.symbol !== "AAA") expect(owner.holds(a.id), a.symbol).toBe(true);
      expect((owner === first ? second : first).holds(a.id)).toBe(false);
    }
    await first.stop();
    await waitFor("the second owns everything", () => second.ownedPartitions.length === 6);
    // The rest fire once each, wherever they live now.
    await t.bus.publish(
      TOPIC_PRICE_TICKS,
      symbols.slice(1).map((symbol) => ({ value: { v: 1 as const, symbol, price: 201, ts: T0 } })),
    );
    await waitFor("all fired", () => t.notifications.length === symbols.length);
    expect(new Set(t.notifications.map((n) => n.triggerId)).size).toBe(symbols.length);
    const published = await t.metrics.getSingleMetric("tickerbell_matcher_notifications_total")?.get();
    expect(published?.values.find((v) => v.labels.type === "triggered")?.value).toBe(symbols.length);
  });
});
