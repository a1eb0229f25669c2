import type { ChartOutcome } from "@tickerbell/charts";
import { createLogger, createMetricsRegistry } from "@tickerbell/config";
import type { Notification } from "@tickerbell/contracts";
import { describe, expect, it } from "vitest";
import type { ChartAnswer, ChartMaker } from "../charts/chart-maker.ts";
import { StoppedError } from "./backoff.ts";
import { InMemoryDeliveryLog } from "./memory-log.ts";
import { DeliveryMetrics } from "./metrics.ts";
import { type DeliveryOutcome, DeliveryPipeline, type DeliveryPipelineDeps } from "./pipeline.ts";
import {
  type ChartEdit,
  DeliveryError,
  type DeliveryOutcomeRecord,
  type NotificationBatch,
  type Notifier,
  type RefusedRecord,
  type SentMessage,
} from "./ports.ts";
import { RateLimiter, type RateLimits } from "./rate-limiter.ts";

/**
 * Virtual time: a sleep is a timer on a virtual clock, and the clock jumps to the next timer once everything
 * runnable has run (setImmediate), so pacing is checked exactly and without waiting, also with many chats
 * sleeping at once.
 */
function virtualTime() {
  let now = 0;
  let seq = 0;
  const timers: Array<{ at: number; seq: number; wake: () => void }> = [];
  let scheduled = false;
  const fireNext = () => {
    scheduled = false;
    timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = timers.shift();
    if (!next) return;
    now = Math.max(now, next.at);
    next.wake();
    if (timers.length > 0) schedule();
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(fireNext);
  };
  return {
    now: () => now,
    sleep: (ms: number) =>
      new Promise<void>((wake) => {
        timers.push({ at: now + Math.max(0, ms), seq: seq++, wake });
        schedule();
      }),
  };
}

const ALERT = "0f8fad5b-d9cb-469f-a165-70867728950e";

function notification(n: number, chatId = "chat-1"): Notification {
  return {
    v: 1,
    type: "triggered",
    triggerId: `${ALERT}:${n}`,
    alertId: ALERT,
    generation: n,
    userId: "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    origin: { platform: "telegram", chatId },
    symbol: "AAPL",
    condition: { kind: "price", direction: "above", target: 200 },
    price: 201,
    referencePrice: 190,
    moveAbs: 11,
    movePercent: 5.79,
    note: null,
    repeating: false,
    firedAt: "2026-11-24T15:00:00.000Z",
  };
}

const idOf = (n: number) => `${ALERT}:${n}`;

/** A platform that answers from a script of outcomes and records each message it took: which, to whom, when. */
class ScriptedNotifier implements Notifier {
  readonly platform = "telegram" as const;
  readonly maxBatch: number;
  readonly messages: Array<{ chatId: string; triggerIds: string[]; at: number }> = [];
  readonly attempts: string[][] = [];
  readonly #script: Array<DeliveryError | Error | "ok">;
  readonly #clock: () => number;
  /** Chats whose sends hang until released. */
  readonly held = new Map<string, PromiseWithResolvers<void>>();
  constructor(clock: () => number, script: Array<DeliveryError | Error | "ok"> = [], maxBatch = 10) {
    this.#clock = clock;
    this.#script = script;
    this.maxBatch = maxBatch;
  }
  hold(chatId: string): () => void {
    const gate = Promise.withResolvers<void>();
    this.held.set(chatId, gate);
    return () => gate.resolve();
  }
  async send(batch: NotificationBatch): Promise<SentMessage> {
    const chatId = batch[0].origin.chatId;
    this.attempts.push(batch.map((n) => n.triggerId));
    await this.held.get(chatId)?.promise;
    const next = this.#script.shift() ?? "ok";
    if (next !== "ok") throw next;
    this.messages.push({ chatId, triggerIds: batch.map((n) => n.triggerId), at: this.#clock() });
    return { chatId, messageId: `m-${batch[0].triggerId}` };
  }
  sentIds(): string[] {
    return this.messages.flatMap((m) => m.triggerIds);
  }
}

/** The delivery log in memory, whose answers a test can hold back or fail. */
class ControlledLog extends InMemoryDeliveryLog {
  readonly lookedUp: string[][] = [];
  readonly written: DeliveryOutcomeRecord[][] = [];
  lookupGate: Promise<void> | undefined;
  recordGate: Promise<void> | undefined;
  recordFailures = 0;
  lookupFailures = 0;
  recordCalls = 0;
  override async lookup(triggerIds: readonly string[]) {
    this.lookedUp.push([...triggerIds]);
    await this.lookupGate;
    if (this.lookupFailures > 0) {
      this.lookupFailures--;
      throw new Error("ECONNREFUSED");
    }
    return super.lookup(triggerIds);
  }
  override async record(records: readonly DeliveryOutcomeRecord[]): Promise<RefusedRecord[]> {
    this.recordCalls++;
    await this.recordGate;
    if (this.recordFailures > 0) {
      this.recordFailures--;
      throw new Error("ECONNREFUSED");
    }
    this.written.push([...records]);
    return super.record(records);
  }
}

const logger = createLogger({ service: "test", level: "silent" });

function setup(
  options: {
    script?: Array<DeliveryError | Error | "ok">;
    limits?: RateLimits;
    maxBatch?: number;
    deps?: Partial<DeliveryPipelineDeps>;
  } = {},
) {
  const time = virtualTime();
  const notifier = new ScriptedNotifier(time.now, options.script, options.maxBatch);
  const log = new ControlledLog();
  const undeliverable: string[] = [];
  const pipeline = new DeliveryPipeline({
    notifier,
    log,
    limiter: new RateLimiter(
      options.limits ?? { globalPerSecond: 30, perChatPerSecond: 1 },
      time.now,
      time.sleep,
    ),
    logger,
    sleep: time.sleep,
    now: time.now,
    retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000 },
    onUndeliverable: (n) => void undeliverable.push(n.triggerId),
    recording: { flushEveryMs: 1 },
    ...options.deps,
  });
  // Partition 0 was handed over ending at offset 100; what comes after is this process's own.
  pipeline.partitionsAssigned([{ partition: 0, endOffset: "100" }]);
  return { time, notifier, log, pipeline, undeliverable };
}

/** Where a notification read after the hand-over comes from. */
let nextOffset = 1000;
const steady = () => ({ partition: 0, offset: String(nextOffset++) });

describe("DeliveryPipeline: de-duplication", () => {
  it("sends once, skips a redelivered triggerId from its own memory, and asks nobody in the steady state", async () => {
    const { pipeline, notifier, log } = setup();
    expect(await pipeline.deliver(notification(1), steady())).toEqual({ status: "sent", attempts: 1 });
    expect(await pipeline.deliver(notification(1), steady())).toEqual({ status: "duplicate" });
    expect(notifier.sentIds()).toEqual([idOf(1)]);
    expect(log.lookedUp).toEqual([]);
    expect(pipeline.logRequests.lookups).toBe(0);
  });

  it("sends a notification redelivered while the first is still in flight only once", async () => {
    const { pipeline, notifier } = setup();
    const release = notifier.hold("chat-1");
    const first = pipeline.deliver(notification(2), steady());
    const again = pipeline.deliver(notification(2), steady());
    release();
    expect(await Promise.all([first, again])).toEqual([
      { status: "sent", attempts: 1 },
      { status: "duplicate" },
    ]);
    expect(notifier.sentIds()).toEqual([idOf(2)]);
  });

  it("asks the delivery log only about notifications below the end offset at assignment", async () => {
    const { pipeline, notifier, log } = setup();
    // Both were delivered by the previous owner; only the one it may have handled is checked.
    log.states.set(idOf(3), "sent");
    log.states.set(idOf(4), "sent");
    const inherited = pipeline.deliver(notification(3), { partition: 0, offset: "99" });
    const own = pipeline.deliver(notification(4, "chat-2"), { partition: 0, offset: "100" });
    expect(await inherited).toEqual({ status: "duplicate" });
    expect(await own).toEqual({ status: "sent", attempts: 1 });
    expect(log.lookedUp).toEqual([[idOf(3)]]);
    expect(notifier.sentIds()).toEqual([idOf(4)]);
    // Learnt from the log: a second redelivery is skipped without asking again.
    expect(await pipeline.deliver(notification(3), { partition: 0, offset: "50" })).toEqual({
      status: "duplicate",
    });
    expect(log.lookedUp).toHaveLength(1);
  });

  it("asks about a notification published again (a matcher's replay, a re-emission) even in the steady state", async () => {
    const { pipeline, notifier, log } = setup();
    // This process restarted since it sent 5: its memory is empty, the log knows.
    log.states.set(idOf(5), "sent");
    expect(await pipeline.deliver({ ...notification(5), again: true }, steady())).toEqual({
      status: "duplicate",
    });
    expect(await pipeline.deliver({ ...notification(6, "chat-2"), again: true }, steady())).toEqual({
      status: "sent",
      attempts: 1,
    });
    expect(log.lookedUp.flat().sort()).toEqual([idOf(5), idOf(6)].sort());
    expect(notifier.sentIds()).toEqual([idOf(6)]);
  });

  it("asks about every notification of a partition whose end offset is unknown, and when the source is unknown", async () => {
    const { pipeline, log } = setup();
    pipeline.partitionsAssigned([{ partition: 1, endOffset: undefined }]);
    await pipeline.deliver(notification(5), { partition: 1, offset: "100000" });
    await pipeline.deliver(notification(6, "chat-2"), { partition: 2, offset: "7" });
    await pipeline.deliver(notification(7, "chat-3"));
    expect(log.lookedUp.flat()).toEqual([idOf(5), idOf(6), idOf(7)]);
  });

  it("forgets a revoked partition's end offset: taken back later, it is checked again", async () => {
    const { pipeline, log } = setup();
    pipeline.partitionsRevoked([0]);
    await pipeline.deliver(notification(8), { partition: 0, offset: "5000" });
    expect(log.lookedUp.flat()).toEqual([idOf(8)]);
  });

  it("gathers the lookups of a handed-over backlog into one request", async () => {
    const { pipeline, notifier, log } = setup({ limits: { globalPerSecond: 1000, perChatPerSecond: 1000 } });
    for (let i = 0; i < 40; i += 2) log.states.set(idOf(i), "sent");
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        pipeline.deliver(notification(i, `chat-${i}`), { partition: 0, offset: String(i) }),
      ),
    );
    expect(log.lookedUp).toHaveLength(1);
    expect(log.lookedUp[0]).toHaveLength(40);
    expect(outcomes.filter((o) => o.status === "duplicate")).toHaveLength(20);
    expect(notifier.sentIds().sort()).toEqual(Array.from({ length: 20 }, (_, i) => idOf(2 * i + 1)).sort());
  });

  it("rides out a delivery log that cannot be asked, then sends", async () => {
    const { pipeline, notifier, log } = setup();
    log.lookupFailures = 2;
    expect(await pipeline.deliver(notification(9), { partition: 0, offset: "1" })).toEqual({
      status: "sent",
      attempts: 1,
    });
    expect(notifier.sentIds()).toEqual([idOf(9)]);
    expect(log.lookedUp).toHaveLength(3);
  });
});

describe("DeliveryPipeline: outcomes recorded in groups", () => {
  it("writes outcomes in groups: the first at once, then what gathers in the window or fills a batch", async () => {
    const { pipeline, log } = setup({
      limits: { globalPerSecond: 1000, perChatPerSecond: 1000 },
      deps: { recording: { flushEveryMs: 20, maxBatch: 10 } },
    });
    // The first write hangs (a slow database): what is sent meanwhile gathers into a few full writes.
    const gate = Promise.withResolvers<void>();
    log.recordGate = gate.promise;
    const outcomes = Promise.all(
      Array.from({ length: 30 }, (_, i) => pipeline.deliver(notification(100 + i, `chat-${i}`), steady())),
    );
    while (log.recordCalls < 3) await new Promise((r) => setTimeout(r, 5));
    gate.resolve();
    expect((await outcomes).every((o) => o.status === "sent")).toBe(true);
    const sizes = log.written.map((w) => w.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(30);
    expect(sizes.every((n) => n <= 10)).toBe(true);
    expect(sizes.length).toBeLessThanOrEqual(6);
    expect(log.written.flat().map((r) => r.status)).toEqual(Array(30).fill("sent"));
  });

  it("resolves a delivery only once its outcome is recorded", async () => {
    const { pipeline, notifier, log } = setup();
    const gate = Promise.withResolvers<void>();
    log.recordGate = gate.promise;
    let settled = false;
    const delivery = pipeline.deliver(notification(10), steady()).then((o) => {
      settled = true;
      return o;
    });
    while (notifier.messages.length === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    gate.resolve();
    expect(await delivery).toEqual({ status: "sent", attempts: 1 });
    expect(log.states.get(idOf(10))).toBe("sent");
  });

  it("retries the write while the log is down, without sending again", async () => {
    const { pipeline, notifier, log } = setup();
    log.recordFailures = 2;
    expect(await pipeline.deliver(notification(11), steady())).toEqual({ status: "sent", attempts: 1 });
    expect(notifier.messages).toHaveLength(1);
    expect(log.recordFailures).toBe(0);
    expect(log.states.get(idOf(11))).toBe("sent");
  });
});

describe("DeliveryPipeline: per-chat mailboxes", () => {
  it("sends what arrives for a chat at once as one message", async () => {
    const { pipeline, notifier } = setup();
    await Promise.all(Array.from({ length: 3 }, (_, i) => pipeline.deliver(notification(20 + i), steady())));
    expect(notifier.messages.map((m) => m.triggerIds)).toEqual([[idOf(20), idOf(21), idOf(22)]]);
  });

  it("coalesces what queues for a chat during its per-chat interval into its next message", async () => {
    const { pipeline, notifier } = setup();
    await pipeline.deliver(notification(23), steady());
    const outcomes = await Promise.all(
      Array.from({ length: 4 }, (_, i) => pipeline.deliver(notification(24 + i), steady())),
    );
    expect(outcomes.every((o) => o.status === "sent")).toBe(true);
    expect(notifier.messages.map((m) => m.triggerIds)).toEqual([
      [idOf(23)],
      [idOf(24), idOf(25), idOf(26), idOf(27)],
    ]);
    expect(notifier.messages[1]!.at - notifier.messages[0]!.at).toBe(1000);
  });

  it("never puts more in one message than the notifier carries", async () => {
    const { pipeline, notifier } = setup({ maxBatch: 2 });
    await Promise.all(Array.from({ length: 5 }, (_, i) => pipeline.deliver(notification(30 + i), steady())));
    expect(notifier.messages.map((m) => m.triggerIds)).toEqual([
      [idOf(30), idOf(31)],
      [idOf(32), idOf(33)],
      [idOf(34)],
    ]);
    expect(notifier.messages.map((m) => m.at)).toEqual([0, 1000, 2000]);
  });

  it("keeps a chat's order while an earlier notification waits for the delivery log", async () => {
    const { pipeline, notifier, log } = setup();
    const gate = Promise.withResolvers<void>();
    log.lookupGate = gate.promise;
    const first = pipeline.deliver(notification(40), { partition: 0, offset: "98" });
    const second = pipeline.deliver(notification(41), steady());
    await new Promise((r) => setTimeout(r, 30));
    expect(notifier.attempts).toEqual([]);
    gate.resolve();
    await Promise.all([first, second]);
    expect(notifier.messages.map((m) => m.triggerIds)).toEqual([[idOf(40), idOf(41)]]);
  });

  it("delivers other chats while one chat's send hangs", async () => {
    const { pipeline, notifier } = setup();
    const release = notifier.hold("slow");
    const slow = pipeline.deliver(notification(50, "slow"), steady());
    const others = await Promise.all(
      [51, 52, 53].map((n) => pipeline.deliver(notification(n, `fast-${n}`), steady())),
    );
    expect(others.every((o) => o.status === "sent")).toBe(true);
    expect(notifier.sentIds()).toEqual([idOf(51), idOf(52), idOf(53)]);
    release();
    expect(await slow).toEqual({ status: "sent", attempts: 1 });
  });

  it("paces different chats at the global limit only", async () => {
    const { pipeline, notifier } = setup({ limits: { globalPerSecond: 10, perChatPerSecond: 1 } });
    await Promise.all([0, 1, 2, 3].map((i) => pipeline.deliver(notification(60 + i, `chat-${i}`), steady())));
    expect(notifier.messages.map((m) => m.at)).toEqual([0, 100, 200, 300]);
  });
});

describe("DeliveryPipeline: failures", () => {
  it("honours retry-after, then delivers", async () => {
    const tooMany = new DeliveryError("429", { retryable: true, code: "429", retryAfterMs: 5000 });
    const { pipeline, notifier } = setup({ script: [tooMany, tooMany] });
    expect(await pipeline.deliver(notification(70), steady())).toEqual({ status: "sent", attempts: 3 });
    expect(notifier.messages[0]!.at).toBeGreaterThanOrEqual(10_000);
  });

  it("marks a refused message undeliverable for every notification it carried, without retrying", async () => {
    const blocked = new DeliveryError("blocked", { retryable: false, code: "blocked_by_user" });
    const { pipeline, notifier, log, undeliverable } = setup({ script: ["ok", blocked] });
    expect(await pipeline.deliver(notification(80), steady())).toEqual({ status: "sent", attempts: 1 });
    const outcomes = await Promise.all([81, 82].map((n) => pipeline.deliver(notification(n), steady())));
    expect(outcomes).toEqual([
      { status: "undeliverable", reason: "blocked_by_user" },
      { status: "undeliverable", reason: "blocked_by_user" },
    ]);
    expect(notifier.attempts).toEqual([[idOf(80)], [idOf(81), idOf(82)]]);
    expect(log.written.flat().filter((r) => r.status === "undeliverable")).toEqual([
      { triggerId: idOf(81), alertId: ALERT, status: "undeliverable", reason: "blocked_by_user" },
      { triggerId: idOf(82), alertId: ALERT, status: "undeliverable", reason: "blocked_by_user" },
    ]);
    expect(undeliverable).toEqual([idOf(81), idOf(82)]);
    expect(await pipeline.deliver(notification(81), steady())).toEqual({ status: "duplicate" });
  });

  it("gives up when its deadline would pass, however many attempts are left", async () => {
    const down = new DeliveryError("503", { retryable: true, code: "503" });
    const { pipeline, notifier, time } = setup({
      script: Array.from({ length: 50 }, () => down),
      deps: {
        retry: { attempts: Number.POSITIVE_INFINITY, baseDelayMs: 100, maxDelayMs: 1000, withinMs: 5_000 },
      },
    });
    await expect(pipeline.deliver(notification(92), steady())).rejects.toThrow("503");
    // Waits of 50-100, 100-200, 200-400, 400-800 ms, then at most 1 s each: some 6 to 12 sends in 5 s, no more.
    expect(notifier.attempts.length).toBeGreaterThanOrEqual(6);
    expect(notifier.attempts.length).toBeLessThanOrEqual(12);
    expect(time.now()).toBeLessThanOrEqual(5_000);
  });

  it("gives up after the retry budget and rejects (the bus dead-letters it)", async () => {
    const down = new DeliveryError("503", { retryable: true, code: "503" });
    const { pipeline, log } = setup({ script: [down, down, down, down] });
    await expect(pipeline.deliver(notification(90), steady())).rejects.toThrow("503");
    expect(log.states.has(idOf(90))).toBe(false);
    expect(await pipeline.deliver(notification(90), steady())).toEqual({ status: "sent", attempts: 1 });
  });

  it("treats unknown errors (network) as retryable", async () => {
    const { pipeline } = setup({ script: [new Error("ECONNRESET")] });
    expect(await pipeline.deliver(notification(91), steady())).toEqual({ status: "sent", attempts: 2 });
  });
});

describe("DeliveryPipeline: metrics", () => {
  it("counts DMs sent, undeliverable and given up per platform, and times trade to DM for fresh firings", async () => {
    const registry = createMetricsRegistry("test");
    const metrics = new DeliveryMetrics(registry, "telegram");
    const blocked = new DeliveryError("blocked", { retryable: false, code: "blocked_by_user" });
    const down = new DeliveryError("503", { retryable: true, code: "503" });
    const firedAt = Date.parse(notification(0).firedAt);
    const { pipeline } = setup({
      script: ["ok", "ok", blocked, down, down, down, down],
      deps: { metrics, now: () => firedAt + 2500 },
    });
    await pipeline.deliver(notification(100), steady());
    // Published again (a replay): sent, but its trade-to-DM time would measure the replay, not the path.
    await pipeline.deliver({ ...notification(101, "chat-2"), again: true }, steady());
    await pipeline.deliver(notification(102, "chat-3"), steady());
    await expect(pipeline.deliver(notification(103, "chat-4"), steady())).rejects.toThrow("503");

    const text = await registry.metrics();
    const sample = (series: string) =>
      Number(new RegExp(`^${series.replace(/[{}]/g, "\\$&")} (\\S+)$`, "m").exec(text)?.[1]);
    expect(sample('tickerbell_bot_dms_total{platform="telegram",outcome="sent",service="test"}')).toBe(2);
    expect(
      sample('tickerbell_bot_dms_total{platform="telegram",outcome="undeliverable",service="test"}'),
    ).toBe(1);
    expect(sample('tickerbell_bot_dms_total{platform="telegram",outcome="failed",service="test"}')).toBe(1);
    expect(sample('tickerbell_trade_to_dm_seconds_count{service="test",platform="telegram"}')).toBe(1);
    expect(sample('tickerbell_trade_to_dm_seconds_sum{service="test",platform="telegram"}')).toBe(2.5);
    // A second bot in the same process (the standalone) shares the metrics under its own platform label.
    expect(() => new DeliveryMetrics(registry, "discord")).not.toThrow();
  });
});

describe("DeliveryPipeline: close", () => {
  it("lets what is in flight finish, then refuses new notifications", async () => {
    const { pipeline, notifier } = setup();
    const inFlight = pipeline.deliver(notification(95), steady());
    await pipeline.close(5_000);
    expect(await inFlight).toEqual({ status: "sent", attempts: 1 });
    expect(notifier.sentIds()).toEqual([idOf(95)]);
    await expect(pipeline.deliver(notification(96), steady())).rejects.toBeInstanceOf(StoppedError);
  });

  it("after the grace period gives up on what is still queued or unrecorded (it stays uncommitted)", async () => {
    const { pipeline, notifier, log } = setup();
    const release = notifier.hold("chat-1");
    const hanging = pipeline.deliver(notification(97), steady());
    while (notifier.attempts.length === 0) await new Promise((r) => setTimeout(r, 1));
    const queued = pipeline.deliver(notification(98), steady());
    log.recordFailures = Number.POSITIVE_INFINITY;
    const unrecorded = pipeline.deliver(notification(99, "chat-2"), steady());
    const settled: Array<Promise<DeliveryOutcome | unknown>> = [hanging, queued, unrecorded].map((p) =>
      p.catch((e: unknown) => e),
    );
    const closing = pipeline.close(50);
    setTimeout(release, 100);
    await closing;
    const [a, b, c] = await Promise.all(settled);
    // The hanging send went out in the end but could not be recorded; the queued one was never sent.
    expect(a).toBeInstanceOf(StoppedError);
    expect(b).toBeInstanceOf(StoppedError);
    expect(c).toBeInstanceOf(StoppedError);
    expect(notifier.sentIds()).not.toContain(idOf(98));
  });
});

/** A platform whose sent messages can be edited: records each chart edit, and fails those it is told to. */
class EditingNotifier extends ScriptedNotifier {
  readonly edits: Array<{ messageId: string; chart: ChartOutcome }> = [];
  failEdits = false;
  async attachChart(sent: SentMessage, _notification: Notification, options: ChartEdit): Promise<void> {
    if (this.failEdits)
      throw new DeliveryError("message to edit not found", { retryable: false, code: "400" });
    this.edits.push({ messageId: sent.messageId, chart: options.chart });
  }
}

/** Charts that are ready when the test says so. */
class GatedCharts implements ChartMaker {
  readonly asked: string[] = [];
  readonly gate = Promise.withResolvers<void>();
  readonly outcome: ChartOutcome;
  constructor(outcome: ChartOutcome) {
    this.outcome = outcome;
  }
  async chart(): Promise<ChartAnswer> {
    throw new Error("not used");
  }
  async forNotification(notification: Notification): Promise<ChartOutcome> {
    this.asked.push(notification.triggerId);
    await this.gate.promise;
    return this.outcome;
  }
}

describe("DeliveryPipeline: a chart edited in after the DM", () => {
  function chartSetup(outcome: ChartOutcome) {
    const registry = createMetricsRegistry("test");
    const charts = new GatedCharts(outcome);
    const time = virtualTime();
    const notifier = new EditingNotifier(time.now);
    const pipeline = new DeliveryPipeline({
      notifier,
      log: new InMemoryDeliveryLog(),
      limiter: new RateLimiter({ globalPerSecond: 30, perChatPerSecond: 1 }, time.now, time.sleep),
      logger,
      sleep: time.sleep,
      now: time.now,
      charts,
      metrics: new DeliveryMetrics(registry, "telegram"),
      recording: { flushEveryMs: 1 },
    });
    pipeline.partitionsAssigned([{ partition: 0, endOffset: "100" }]);
    const edits = async (outcome: string) =>
      Number(
        new RegExp(
          `^tickerbell_bot_chart_edits_total\\{platform="telegram",outcome="${outcome}",service="test"\\} (\\S+)$`,
          "m",
        ).exec(await registry.metrics())?.[1] ?? 0,
      );
    return { charts, notifier, pipeline, edits };
  }

  it("sends and records the DM before its chart is made, then edits the chart into that message", async () => {
    const { charts, notifier, pipeline, edits } = chartSetup({ png: Buffer.from("png"), missing: null });
    expect(await pipeline.deliver(notification(300), steady())).toEqual({ status: "sent", attempts: 1 });
    expect(notifier.sentIds()).toEqual([idOf(300)]);
    expect(notifier.edits).toEqual([]);
    charts.gate.resolve();
    await pipeline.close();
    expect(notifier.edits).toEqual([{ messageId: `m-${idOf(300)}`, chart: charts.outcome }]);
    expect(await edits("attached")).toBe(1);
  });

  it("an edit the platform refuses leaves the DM delivered, and is counted", async () => {
    const { charts, notifier, pipeline, edits } = chartSetup({ png: null, missing: "no bars yet" });
    notifier.failEdits = true;
    charts.gate.resolve();
    expect(await pipeline.deliver(notification(301), steady())).toEqual({ status: "sent", attempts: 1 });
    await pipeline.close();
    expect(notifier.sentIds()).toEqual([idOf(301)]);
    expect(await edits("failed")).toBe(1);
    expect(await edits("missing")).toBe(0);
  });
});
