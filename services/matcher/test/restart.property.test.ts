// A matcher restarted from the stored record — the way production restarts it — fires exactly what an
// uninterrupted run fires. Random repeating alerts of every kind (window alerts with the minute history the
// matcher checkpoints beside their states; volume, moving-average and RSI alerts reading the studies some ticks
// carry) on random tick streams; at random points the
// matcher checkpoints, stops and restarts, or crashes (leaves without a checkpoint) and restarts. The new
// instance loads the alerts from the real alert service (PostgreSQL), which stored the runtime state the old one
// wrote to alerts.runtime, and replays the ticks since the last commit. Every triggerId must reach the
// notification topics with the price and time of the uninterrupted run (the rule book's per-alert step), and
// copies of one triggerId (a crash replays what was published but not committed) must be identical.
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
  type Alert,
  type AlertCondition,
  type Notification,
  notificationTopicOf,
  TOPIC_CATALOG,
  TOPIC_PRICE_TICKS,
} from "@tickerbell/contracts";
import { sessionEndsAt } from "@tickerbell/rules";
import { createTestDatabase, type TestDatabase } from "@tickerbell/testkit";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MatcherService } from "../src/service/matcher-service.ts";
import { ReferenceMatcher } from "./reference-matcher.ts";

const logger = createLogger({ service: "restart-property", level: process.env.TEST_LOG_LEVEL ?? "silent" });
// Regular hours play no part here (the index property test covers them). The stream starts ten minutes before
// the New York day of now ends (a Saturday in July at the earliest), so session highs and lows, whose day starts
// when they are created, see the next day start in about half of the runs.
const START = Math.max(Date.parse("2026-07-04T15:00:00Z"), sessionEndsAt("AAPL", Date.now()) - 10 * 60_000);
const BASE = 100;

let db: TestDatabase;
let service: RunningAlertService;
let userId: string;

beforeAll(async () => {
  db = await createTestDatabase("tb_matcher_restart");
  service = await startAlertService({
    database: { kind: "postgres", url: db.url },
    tokens: { telegram: "telegram-token-restart-1", internal: "internal-token-restart-1" },
    maxOpenAlertsPerUser: 10_000,
    logger,
    metrics: createMetricsRegistry("alerts"),
  });
  const { user } = await service.users.resolve({ platform: "telegram", platformUserId: "restarter" });
  userId = user.id;
}, 60_000);

afterAll(async () => {
  await service?.close();
  await db?.drop();
});

const conditionArb: fc.Arbitrary<AlertCondition> = fc.oneof(
  fc
    .record({
      direction: fc.constantFrom("above" as const, "below" as const, "cross" as const),
      away: fc.integer({ min: 20, max: 300 }).map((bp) => bp / 10_000),
      up: fc.boolean(),
    })
    .map(({ direction, away, up }): AlertCondition => {
      const above = direction === "above" || (direction === "cross" && up);
      return {
        kind: "price",
        direction,
        target: Math.round(BASE * (above ? 1 + away : 1 - away) * 100) / 100,
      };
    }),
  fc.record({
    kind: fc.constant("percent" as const),
    direction: fc.constantFrom("up" as const, "down" as const, "move" as const),
    percent: fc.integer({ min: 20, max: 300 }).map((p) => p / 100),
    basis: fc.constant("last" as const),
  }),
  fc.record({
    kind: fc.constant("trailing" as const),
    direction: fc.constantFrom("down" as const, "up" as const),
    offset: fc.oneof(
      fc.record({
        unit: fc.constant("percent" as const),
        value: fc.integer({ min: 20, max: 300 }).map((p) => p / 100),
      }),
      fc.record({
        unit: fc.constant("amount" as const),
        value: fc.integer({ min: 20, max: 300 }).map((a) => a / 100),
      }),
    ),
  }),
  // Twice as likely as the others: a move within a window fires less often than a level is reached, and the
  // property must see enough of them (at least 4 in a run of 25) to say anything about their restarts.
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("window" as const),
      direction: fc.constantFrom("up" as const, "down" as const, "move" as const),
      percent: fc.integer({ min: 20, max: 300 }).map((p) => p / 100),
      windowSeconds: fc.constantFrom(300, 900, 3600),
    }),
  },
  // Twice as likely too: a new high or low fires only on a trade beyond every one before it.
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("extreme" as const),
      side: fc.constantFrom("high" as const, "low" as const),
      span: fc.constantFrom("session" as const, "52w" as const),
    }),
  },
  fc.record({
    kind: fc.constant("volume" as const),
    multiple: fc.integer({ min: 12, max: 30 }).map((m) => m / 10),
  }),
  // `above` reads the SMA 50 (above the price when set), `below` the EMA 20 (below it), a cross either.
  fc.oneof(
    fc.constant({ kind: "average", average: "sma", period: 50, direction: "above" } as AlertCondition),
    fc.constant({ kind: "average", average: "ema", period: 20, direction: "below" } as AlertCondition),
    fc.constant({ kind: "average", average: "sma", period: 50, direction: "cross" } as AlertCondition),
    fc.constant({ kind: "average", average: "ema", period: 20, direction: "cross" } as AlertCondition),
  ),
  fc
    .record({
      direction: fc.constantFrom("above" as const, "below" as const),
      away: fc.integer({ min: 5, max: 30 }),
    })
    .map(
      ({ direction, away }): AlertCondition => ({
        kind: "rsi",
        direction,
        // The RSI is 50 when the alert is set.
        level: direction === "above" ? 50 + away : 50 - away,
        period: 14,
        interval: "1d",
      }),
    ),
);

/** The market the bot brings: today's range and the 52 weeks' around the base price. */
const MARKET = {
  last: BASE,
  sessionHigh: 100.4,
  sessionLow: 99.6,
  high52w: 101,
  low52w: 99,
  // And the studies: the SMA 50 above the price, the EMA 20 below it, the RSI midway, volume as usual.
  studies: {
    values: { sma50: 100.5, ema20: 99.5, "rsi14:1d": 50 },
    volume: { today: 1000, typical: 1000, sessions: 20 },
  },
};

const alertArb = fc.record({
  symbol: fc.nat(1),
  condition: conditionArb,
  cooldownSeconds: fc.integer({ min: 60, max: 900 }),
});

const stepArb = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      op: fc.constant("tick" as const),
      symbol: fc.nat(1),
      dtMs: fc.integer({ min: 0, max: 240_000 }),
      // Basis points: doubles would mostly be denormal-small and the price would never move.
      move: fc.integer({ min: -80, max: 80 }).map((bp) => bp / 10_000),
      spread: fc.option(
        fc.integer({ min: 0, max: 100 }).map((bp) => bp / 10_000),
        { freq: 3 },
      ),
      // Most ticks carry the studies (averages a little off the price, the RSI, today's volume); some do not.
      studies: fc.option(
        fc.record({
          sma: fc.integer({ min: -60, max: 60 }).map((bp) => bp / 10_000),
          ema: fc.integer({ min: -60, max: 60 }).map((bp) => bp / 10_000),
          rsi: fc.integer({ min: 10, max: 90 }),
          volume: fc.integer({ min: 0, max: 40 }).map((tenths) => tenths / 10),
        }),
        { freq: 4 },
      ),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ op: "checkpoint" as const }) },
  { weight: 1, arbitrary: fc.constant({ op: "restart" as const }) },
  { weight: 1, arbitrary: fc.constant({ op: "crash" as const }) },
);

interface Run {
  bus: InMemoryBus<typeof TOPIC_CATALOG>;
  workers: AlertWorkers;
  matcher: MatcherService;
  groupId: string;
  seen: Notification[];
  recorder: Subscription;
}

async function startMatcher(run: Pick<Run, "bus" | "groupId">): Promise<MatcherService> {
  const matcher = new MatcherService({
    bus: run.bus,
    snapshots: inProcessSnapshots(service),
    logger,
    metrics: createMetricsRegistry("matcher"),
    groupId: run.groupId,
    fromBeginning: true,
    // Checkpoints happen where the test says, nowhere else.
    checkpointMs: 3_600_000,
  });
  await matcher.start();
  return matcher;
}

async function settle(run: Run): Promise<void> {
  for (let i = 0; i < 200 && !run.matcher.ready; i++) await new Promise((r) => setTimeout(r, 10));
  await run.matcher.caughtUp();
}

let firingsChecked = 0;
let windowFiringsChecked = 0;
let extremeFiringsChecked = 0;
let studyFiringsChecked = 0;
let restartsChecked = 0;

describe("a matcher restarted from the stored record", () => {
  it("fires exactly the firings of an uninterrupted run, through graceful restarts and crashes", async () => {
    await fc.assert(
      fc.asyncProperty(
        // The alert service refuses a second alert with the same symbol and condition (duplicate_alert).
        fc.uniqueArray(alertArb, {
          minLength: 1,
          maxLength: 6,
          selector: (a) => JSON.stringify([a.symbol, a.condition]),
        }),
        fc.array(stepArb, { minLength: 10, maxLength: 80 }),
        async (drafts, steps) => {
          const tag = randomUUID()
            .slice(0, 6)
            .toUpperCase()
            .replace(/^[0-9]/, "R");
          const symbols = [`A${tag}`, `B${tag}`];
          // A fresh in-memory bus starts its offsets over, as the standalone's does at every start.
          await service.runtime.forgetStreamPositions();
          const bus = new InMemoryBus({ catalog: TOPIC_CATALOG, logger });
          await bus.start();
          const workers = await startAlertWorkers({
            service,
            bus,
            logger,
            expirySweepMs: null,
            runtimeGroupId: `runtime-${tag}`,
            reemitIntervalMs: 3_600_000,
          });
          const seen: Notification[] = [];
          const recorder = await bus.subscribe({
            groupId: `recorder-${tag}`,
            topics: [notificationTopicOf("telegram")],
            handler: async (m) => {
              seen.push(m.value as Notification);
            },
          });
          const groupId = `matcher-${tag}`;
          const run: Run = {
            bus,
            workers,
            matcher: await startMatcher({ bus, groupId }),
            groupId,
            seen,
            recorder,
          };
          const reference = new ReferenceMatcher(() => true);
          const alerts: Alert[] = [];
          try {
            for (const draft of drafts) {
              const alert = await service.alerts.create(userId, "telegram", {
                symbol: symbols[draft.symbol]!,
                condition: draft.condition,
                market: MARKET,
                origin: { platform: "telegram", chatId: "restarter" },
                repeat: { cooldownSeconds: draft.cooldownSeconds },
                expiresAt: null,
                note: null,
                regularHoursOnly: false,
              });
              alerts.push(alert);
              reference.upsert(alert);
            }
            // The relay publishes the creations on commit; the stream starts once the matcher holds them all.
            for (let i = 0; i < 500 && !alerts.every((a) => run.matcher.holds(a.id)); i++)
              await new Promise((r) => setTimeout(r, 10));
            expect(alerts.every((a) => run.matcher.holds(a.id))).toBe(true);
            await settle(run);
            const prices = [BASE, BASE];
            let ts = START;
            const expected: Notification[] = [];
            for (const step of steps) {
              if (step.op === "tick") {
                ts += step.dtMs;
                const price = Math.max(1, Math.round(prices[step.symbol]! * (1 + step.move) * 100) / 100);
                prices[step.symbol] = price;
                const spread = step.spread === null ? undefined : price * step.spread;
                const tick = {
                  v: 1 as const,
                  symbol: symbols[step.symbol]!,
                  price,
                  ts,
                  ...(spread === undefined ? {} : { high: price + spread, low: price - spread }),
                  ...(step.studies === null
                    ? {}
                    : {
                        studies: {
                          values: {
                            sma50: Math.round(price * (1 + step.studies.sma) * 100) / 100,
                            ema20: Math.round(price * (1 + step.studies.ema) * 100) / 100,
                            "rsi14:1d": step.studies.rsi,
                          },
                          volume: { today: step.studies.volume * 1000, typical: 1000, sessions: 20 },
                        },
                      }),
                };
                for (const event of reference.onTick(tick)) {
                  if (event.type !== "fired") continue;
                  expected.push({ triggerId: event.triggerId, price: event.price } as Notification);
                  if (event.condition.kind === "window") windowFiringsChecked++;
                  if (event.condition.kind === "extreme") extremeFiringsChecked++;
                  if (["volume", "average", "rsi"].includes(event.condition.kind)) studyFiringsChecked++;
                }
                await bus.publish(TOPIC_PRICE_TICKS, [{ value: tick }]);
                await settle(run);
              } else if (step.op === "checkpoint") {
                await run.matcher.checkpoint();
              } else {
                if (step.op === "restart") await run.matcher.stop();
                else await run.matcher.abandon();
                run.matcher = await startMatcher(run);
                await settle(run);
              }
            }
            await settle(run);
            await recorderCaughtUp(run);
            const ours = new Set(alerts.map((a) => a.id));
            const byTrigger = new Map<string, Notification>();
            // Only this run's: the alert service's re-emitter sends earlier runs' firings (no bot reported them).
            for (const n of seen.filter((n) => ours.has(n.alertId))) {
              const earlier = byTrigger.get(n.triggerId);
              // A crash may publish a firing twice: the copy must be the same firing.
              if (earlier)
                expect({ price: n.price, firedAt: n.firedAt }).toEqual({
                  price: earlier.price,
                  firedAt: earlier.firedAt,
                });
              byTrigger.set(n.triggerId, n);
            }
            firingsChecked += expected.length;
            restartsChecked += steps.filter((s) => s.op === "restart" || s.op === "crash").length;
            expect(
              [...byTrigger.values()]
                .map((n) => ({ triggerId: n.triggerId, price: n.price }))
                .sort(byTrigger_),
            ).toEqual(expected.map((n) => ({ triggerId: n.triggerId, price: n.price })).sort(byTrigger_));
          } finally {
            await run.matcher.stop().catch(() => {});
            await recorder.stop();
            await workers.stop();
            await bus.close();
            for (const alert of alerts) await service.alerts.cancel(userId, alert.id).catch(() => {});
          }
        },
      ),
      {
        numRuns: Number(process.env.RESTART_PROPERTY_RUNS ?? 25),
        endOnFailure: true,
        // RESTART_PROPERTY_SEED=<seed> (and _PATH) replays a failure fast-check reported.
        ...(process.env.RESTART_PROPERTY_SEED
          ? {
              seed: Number(process.env.RESTART_PROPERTY_SEED),
              path: process.env.RESTART_PROPERTY_PATH ?? "0",
            }
          : {}),
      },
    );
    // The property must have had something to compare: firings, across restarts.
    expect(firingsChecked).toBeGreaterThan(10);
    expect(restartsChecked).toBeGreaterThan(5);
    console.log(
      `restart property: ${windowFiringsChecked} window, ${extremeFiringsChecked} extreme, ${studyFiringsChecked} study firings`,
    );
    expect(windowFiringsChecked).toBeGreaterThan(3);
    expect(extremeFiringsChecked).toBeGreaterThan(3);
    expect(studyFiringsChecked).toBeGreaterThan(5);
  }, 600_000);
});

async function recorderCaughtUp(run: Run): Promise<void> {
  // The recorder reads the notification topic: wait until it has everything published there.
  const ends = await run.bus.endOffsets(notificationTopicOf("telegram"));
  const total = [...ends.values()].reduce((sum, o) => sum + Number(o), 0);
  for (let i = 0; i < 500 && run.seen.length < total; i++) await new Promise((r) => setTimeout(r, 10));
}

function byTrigger_(a: { triggerId: string }, b: { triggerId: string }): number {
  return a.triggerId < b.triggerId ? -1 : a.triggerId > b.triggerId ? 1 : 0;
}
