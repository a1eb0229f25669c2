// Issue 14 item 5 end to end, on the cheapest real path: the alert service on PostgreSQL with its outbox relay
// and runtime consumer, the in-memory bus (the standalone's adapter, same contract as Kafka) and the real
// MatcherService reading the record through the in-process snapshot. A repeating alert fires at its level, the
// user edits the level, and the matcher fires at the new level and not at the old one — also after a restart
// from the stored record.
import { randomUUID } from "node:crypto";
import {
  type AlertWorkers,
  inProcessSnapshots,
  type RunningAlertService,
  startAlertService,
  startAlertWorkers,
} from "@tickerbell/alerts";
import { InMemoryBus, type Subscription } from "@tickerbell/bus";
import { createLogger, createMetricsRegistry } from "@tickerbell/config";
import {
  type Notification,
  notificationTopicOf,
  TOPIC_CATALOG,
  TOPIC_PRICE_TICKS,
} from "@tickerbell/contracts";
import { createTestDatabase, type TestDatabase } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MatcherService } from "../src/service/matcher-service.ts";

const logger = createLogger({ service: "edit-e2e", level: process.env.TEST_LOG_LEVEL ?? "silent" });
// A Saturday: regular hours play no part.
const START = Date.parse("2026-07-04T15:00:00Z");
const HOUR = 3_600_000;

let db: TestDatabase;
let service: RunningAlertService;
let bus: InMemoryBus<typeof TOPIC_CATALOG>;
let workers: AlertWorkers;
let recorder: Subscription;
let matcher: MatcherService;
let userId: string;
const seen: Notification[] = [];
const groupId = `matcher-edit-${randomUUID().slice(0, 6)}`;

async function startMatcher(): Promise<MatcherService> {
  const m = new MatcherService({
    bus,
    snapshots: inProcessSnapshots(service),
    logger,
    metrics: createMetricsRegistry("matcher"),
    groupId,
    fromBeginning: true,
    checkpointMs: 3_600_000,
  });
  await m.start();
  return m;
}

async function until(what: string, condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!condition()) throw new Error(`never saw ${what}`);
}

async function settle(): Promise<void> {
  await until("the matcher ready", () => matcher.ready);
  await matcher.caughtUp();
}

async function tick(symbol: string, price: number, ts: number): Promise<void> {
  await bus.publish(TOPIC_PRICE_TICKS, [{ value: { v: 1 as const, symbol, price, ts } }]);
  await settle();
}

/** Everything the matcher published so far has reached the recorder. */
async function recorded(): Promise<Notification[]> {
  const ends = await bus.endOffsets(notificationTopicOf("telegram"));
  const total = [...ends.values()].reduce((sum, o) => sum + Number(o), 0);
  await until("the recorder caught up", () => seen.length >= total);
  return seen;
}

beforeAll(async () => {
  db = await createTestDatabase("tb_matcher_edit");
  service = await startAlertService({
    database: { kind: "postgres", url: db.url },
    tokens: { telegram: "telegram-token-edit-1", internal: "internal-token-edit-1" },
    maxOpenAlertsPerUser: 100,
    logger,
    metrics: createMetricsRegistry("alerts"),
  });
  const { user } = await service.users.resolve({ platform: "telegram", platformUserId: "editor" });
  userId = user.id;
  await service.runtime.forgetStreamPositions();
  bus = new InMemoryBus({ catalog: TOPIC_CATALOG, logger });
  await bus.start();
  workers = await startAlertWorkers({
    service,
    bus,
    logger,
    expirySweepMs: null,
    runtimeGroupId: `runtime-${groupId}`,
    reemitIntervalMs: 3_600_000,
  });
  recorder = await bus.subscribe({
    groupId: `recorder-${groupId}`,
    topics: [notificationTopicOf("telegram")],
    handler: async (m) => {
      seen.push(m.value as Notification);
    },
  });
  matcher = await startMatcher();
}, 60_000);

afterAll(async () => {
  await matcher?.stop().catch(() => {});
  await recorder?.stop();
  await workers?.stop();
  await bus?.close();
  await service?.close();
  await db?.drop();
});

describe("an edited level reaches the matcher", () => {
  it("fires a fired-then-edited alert at the new level, not the old, before and after a restart", async () => {
    const symbol = `E${randomUUID().slice(0, 5).toUpperCase().replace(/-/g, "X")}`;
    const alert = await service.alerts.create(userId, "telegram", {
      symbol,
      condition: { kind: "price", direction: "above", target: 110 },
      market: { last: 100 },
      origin: { platform: "telegram", chatId: "editor" },
      repeat: { cooldownSeconds: 60 },
      expiresAt: null,
      note: null,
      regularHoursOnly: false,
    });
    await until("the matcher holding the alert", () => matcher.holds(alert.id));
    await settle();

    await tick(symbol, 111, START);
    expect((await recorded()).map((n) => [n.triggerId, n.price])).toEqual([[`${alert.id}:0`, 111]]);
    await matcher.checkpoint();

    const edited = await service.alerts.update(userId, alert.id, {
      condition: { kind: "price", direction: "above", target: 120 },
      market: { last: 111 },
    });
    expect(edited).toMatchObject({
      id: alert.id,
      thresholds: { upper: 120 },
      phase: "armed",
      levelsRevision: 1,
    });
    await until("the matcher taking the new level", () => matcher.stateOf(alert.id)?.upper === 120);
    // Re-armed at once: no cooldown, no band wait from the firing before the edit.
    expect(matcher.stateOf(alert.id)?.phase).toBe("armed");

    // Back under the old level's band and above the old level: the old alert would fire at 115 here.
    await tick(symbol, 105, START + HOUR);
    await tick(symbol, 115, START + HOUR + 1000);
    expect((await recorded()).map((n) => n.price)).toEqual([111]);
    await tick(symbol, 121, START + HOUR + 2000);
    const afterEdit = await recorded();
    expect(afterEdit.map((n) => [n.triggerId, n.price])).toEqual([
      [`${alert.id}:0`, 111],
      [`${alert.id}:${edited.generation}`, 121],
    ]);
    expect(afterEdit[1]!.condition).toEqual({ kind: "price", direction: "above", target: 120 });

    // A restart starts from the stored record: the edited level, not the old one.
    await matcher.stop();
    matcher = await startMatcher();
    await settle();
    await until("the restarted matcher holding the alert", () => matcher.holds(alert.id));
    await tick(symbol, 105, START + 3 * HOUR);
    await tick(symbol, 115, START + 3 * HOUR + 1000);
    expect((await recorded()).length).toBe(2);
    await tick(symbol, 122, START + 3 * HOUR + 2000);
    const afterRestart = await recorded();
    expect(afterRestart.map((n) => n.price)).toEqual([111, 121, 122]);
    expect(new Set(afterRestart.map((n) => n.triggerId)).size).toBe(3);

    // The history keeps every firing, each under the condition it fired at (recorded from alerts.runtime).
    await matcher.checkpoint();
    let history = await service.alerts.recentFirings(userId, symbol, 10);
    for (let i = 0; i < 500 && history.length < 3; i++) {
      await new Promise((r) => setTimeout(r, 10));
      history = await service.alerts.recentFirings(userId, symbol, 10);
    }
    expect(history.map((f) => [f.price, f.condition.kind === "price" ? f.condition.target : null])).toEqual([
      [122, 120],
      [121, 120],
      [111, 110],
    ]);
  });
});
