// MatcherService on the in-memory bus (the real adapter of the standalone mode, same semantics as Kafka):
// ordering of snapshots and replayed changes, the unconfirmed-firing guard, publish failures, extremes and
// hand-over between two members. The ports to the alert service are small in-memory implementations.
import { randomUUID } from "node:crypto";
import { InMemoryBus } from "@tickerbell/bus";
import { createLogger, createMetricsRegistry } from "@tickerbell/config";
import {
  type Alert,
  type AlertChangeEvent,
  type AlertCondition,
  type ExtremeUpdate,
  type Notification,
  notificationTopicOf,
  type RecordTriggerRequest,
  type RecordTriggerResponse,
  TOPIC_ALERT_CHANGES,
  TOPIC_CATALOG,
  TOPIC_PRICE_TICKS,
} from "@tickerbell/contracts";
import { afterEach, describe, expect, it } from "vitest";
import { makeAlert } from "../../test/alert-fixtures.ts";
import { MatcherService } from "./matcher-service.ts";
import type {
  AlertSnapshotPage,
  AlertSnapshotSource,
  ExtremeStore,
  MatcherBus,
  TriggerRecorder,
} from "./ports.ts";

class Snapshot implements AlertSnapshotSource {
  alerts: Alert[] = [];
  asOfSeq = "0";
  /** The next `failures` loads fail, as when the alert service is down. */
  failures = 0;
  loads = 0;
  async *activeAlerts(): AsyncIterable<AlertSnapshotPage> {
    this.loads++;
    if (this.failures > 0) {
      this.failures--;
      throw new Error("alert service unreachable");
    }
    yield { alerts: this.alerts.filter((a) => a.status === "active"), asOfSeq: this.asOfSeq };
  }
}

class Extremes implements ExtremeStore {
  readonly saved: ExtremeUpdate[][] = [];
  failures = 0;
  async saveExtremes(updates: readonly ExtremeUpdate[]): Promise<number> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error("alert service unreachable");
    }
    this.saved.push([...updates]);
    return updates.length;
  }
}

class Triggers implements TriggerRecorder {
  readonly recorded: RecordTriggerRequest[] = [];
  async recordTrigger(request: RecordTriggerRequest): Promise<RecordTriggerResponse> {
    this.recorded.push(request);
    const recorded = makeAlert({ id: randomUUID(), symbol: "X", condition: ABOVE_200, referencePrice: 1 });
    return { outcome: "duplicate", alert: recorded };
  }
}

/** The in-memory bus, except that the next `failures` publishes to notification topics fail. */
function flakyBus(bus: MatcherBus, state: { failures: number }): MatcherBus {
  return {
    catalog: bus.catalog,
    start: () => bus.start(),
    publish: async (topic, messages) => {
      if (topic.startsWith("notifications.") && state.failures > 0) {
        state.failures--;
        throw new Error("broker unavailable");
      }
      return bus.publish(topic, messages);
    },
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

async function setup(options: { failures?: number } = {}) {
  const bus = new InMemoryBus({ catalog: TOPIC_CATALOG });
  await bus.start();
  const snapshot = new Snapshot();
  const extremes = new Extremes();
  const triggers = new Triggers();
  const failures = { failures: options.failures ?? 0 };
  const notifications: Notification[] = [];
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
      extremes,
      triggers,
      logger,
      metrics,
      extremeFlushMs: 60_000,
      fromBeginning: true,
      retry: { maxAttempts: 5, initialBackoffMs: 1, maxBackoffMs: 5 },
    });
    await matcher.start();
    members.push(matcher);
    return matcher;
  };
  cleanup.push(async () => {
    for (const m of members) await m.stop();
    await recorder.stop();
    await bus.close();
  });
  return {
    bus,
    metrics,
    snapshot,
    extremes,
    triggers,
    notifications,
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

  it("drops replayed changes the snapshot already reflects (seq up to its asOfSeq)", async () => {
    const t = await setup();
    t.snapshot.asOfSeq = "20";
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

  it("does not put a fired alert back at its generation before the alert service recorded the firing", async () => {
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
    // The sweep expires both before the firing was recorded; the expiry of `waiting` arrives twice.
    const expiredWaiting = { ...waiting, version: 2, status: "expired" as const };
    await t.change("expired", expiredWaiting);
    await t.change("expired", { ...fired, version: 2, status: "expired" });
    await t.change("expired", expiredWaiting);
    const barrier = alert("EXP");
    await t.change("created", barrier);
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

  it("flushes moved extremes only, and waits for the alert service to reach a new generation", async () => {
    const t = await setup();
    const m = await t.startMember();
    await waitFor("ready", () => m.ready);
    const trailing = alert("TRAIL", {
      condition: { kind: "trailing", direction: "down", offset: { unit: "percent", value: 10 } },
      referencePrice: 100,
      cooldownSeconds: 60,
    });
    await t.change("created", trailing);
    await waitFor("indexed", () => m.holds(trailing.id));
    await t.ticks("TRAIL", [105, 112, 108]);
    await waitFor("ticks seen", () => m.lastPriceOf("TRAIL") === 108);
    await m.flushExtremes();
    expect(t.extremes.saved).toEqual([[{ alertId: trailing.id, generation: 0, extreme: 112 }]]);
    await m.flushExtremes();
    await t.ticks("TRAIL", [110], T0 + 5000);
    await waitFor("tick seen", () => m.lastPriceOf("TRAIL") === 110);
    await m.flushExtremes();
    expect(t.extremes.saved).toHaveLength(1);
    // Fires at 100 (112 * 0.9 = 100.8), restarts trailing from there at generation 1 and makes a new peak.
    await t.ticks("TRAIL", [100, 104], T0 + 10_000);
    await waitFor("fired", () => t.notifications.length === 1);
    await waitFor("tick seen", () => m.lastPriceOf("TRAIL") === 104);
    await m.flushExtremes();
    expect(t.extremes.saved).toHaveLength(1);
    await t.change("rearmed", { ...trailing, version: 2, generation: 1, extreme: 100, referencePrice: 100 });
    const barrier = alert("TRAIL", { condition: { kind: "price", direction: "above", target: 500 } });
    await t.change("created", barrier);
    await waitFor("the barrier applied", () => m.holds(barrier.id));
    await m.flushExtremes();
    expect(t.extremes.saved[1]).toEqual([{ alertId: trailing.id, generation: 1, extreme: 104 }]);
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

  it("keeps extremes dirty when a flush fails and sends them with the next one", async () => {
    const t = await setup();
    const m = await t.startMember();
    await waitFor("ready", () => m.ready);
    const trailing = alert("TRAILF", {
      condition: { kind: "trailing", direction: "up", offset: { unit: "amount", value: 5 } },
      referencePrice: 100,
    });
    await t.change("created", trailing);
    await waitFor("indexed", () => m.holds(trailing.id));
    await t.ticks("TRAILF", [98, 96, 97]);
    await waitFor("ticks seen", () => m.lastPriceOf("TRAILF") === 97);
    t.extremes.failures = 1;
    await m.flushExtremes();
    expect(t.extremes.saved).toEqual([]);
    await m.flushExtremes();
    expect(t.extremes.saved).toEqual([[{ alertId: trailing.id, generation: 0, extreme: 96 }]]);
  });

  it("hands partitions over on a rebalance: state flushed, firings recorded, the new owner loads the snapshot", async () => {
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
    const aaaMovedAway = second.ownedPartitions.includes(t.bus.partitionOf(TOPIC_PRICE_TICKS, "AAA"));
    expect(t.triggers.recorded.map((r) => r.triggerId)).toEqual(aaaMovedAway ? [`${alerts[0]!.id}:0`] : []);
    await first.stop();
    await waitFor("the second owns everything", () => second.ownedPartitions.length === 6);
    expect(t.triggers.recorded.map((r) => r.triggerId)).toEqual([`${alerts[0]!.id}:0`]);
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
