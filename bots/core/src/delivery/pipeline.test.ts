import { createLogger } from "@tickerbell/config";
import type { Notification } from "@tickerbell/contracts";
import { describe, expect, it } from "vitest";
import { InMemoryDeliveryLog } from "./memory-log.ts";
import { DeliveryPipeline } from "./pipeline.ts";
import { DeliveryError, type Notifier } from "./ports.ts";
import { RateLimiter } from "./rate-limiter.ts";

/** Virtual time: sleeping advances the clock instantly, so pacing is checked without waiting. */
function virtualTime() {
  let now = 0;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
  };
}

function notification(n: number, chatId = "chat-1"): Notification {
  return {
    v: 1,
    type: "triggered",
    triggerId: `0f8fad5b-d9cb-469f-a165-70867728950e:${n}`,
    alertId: "0f8fad5b-d9cb-469f-a165-70867728950e",
    generation: n,
    userId: "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    origin: { platform: "telegram", chatId },
    symbol: "AAPL",
    condition: { kind: "price", direction: "above", target: 200 },
    description: "above $200.00",
    price: 201,
    referencePrice: 190,
    moveAbs: 11,
    movePercent: 5.79,
    note: null,
    repeating: false,
    firedAt: "2026-11-24T15:00:00.000Z",
  };
}

/** A platform that answers from a script of outcomes and records when each send happened. */
class ScriptedNotifier implements Notifier {
  readonly platform = "telegram" as const;
  readonly sentAt: Array<{ triggerId: string; at: number }> = [];
  private readonly script: Array<DeliveryError | "ok">;
  private readonly clock: () => number;
  constructor(clock: () => number, script: Array<DeliveryError | "ok"> = []) {
    this.clock = clock;
    this.script = script;
  }
  async send(n: Notification): Promise<void> {
    const next = this.script.shift() ?? "ok";
    if (next !== "ok") throw next;
    this.sentAt.push({ triggerId: n.triggerId, at: this.clock() });
  }
}

const logger = createLogger({ service: "test", level: "silent" });

function setup(
  script: Array<DeliveryError | "ok"> = [],
  limits = { globalPerSecond: 30, perChatPerSecond: 1 },
) {
  const time = virtualTime();
  const notifier = new ScriptedNotifier(time.now, script);
  const log = new InMemoryDeliveryLog();
  const undeliverable: string[] = [];
  const pipeline = new DeliveryPipeline({
    notifier,
    log,
    limiter: new RateLimiter(limits, time.now, time.sleep),
    logger,
    sleep: time.sleep,
    retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000 },
    onUndeliverable: (n) => void undeliverable.push(n.triggerId),
  });
  return { time, notifier, log, pipeline, undeliverable };
}

describe("DeliveryPipeline", () => {
  it("sends once and skips a redelivered triggerId", async () => {
    const { pipeline, notifier } = setup();
    expect(await pipeline.deliver(notification(1))).toEqual({ status: "sent", attempts: 1 });
    expect(await pipeline.deliver(notification(1))).toEqual({ status: "duplicate" });
    expect(notifier.sentAt).toHaveLength(1);
  });

  it("paces a burst to one chat at the per-chat limit", async () => {
    const { pipeline, notifier } = setup();
    for (let i = 0; i < 5; i++) await pipeline.deliver(notification(i));
    const gaps = notifier.sentAt.slice(1).map((s, i) => s.at - notifier.sentAt[i]!.at);
    expect(gaps).toEqual([1000, 1000, 1000, 1000]);
  });

  it("paces different chats at the global limit only", async () => {
    const { pipeline, notifier } = setup([], { globalPerSecond: 10, perChatPerSecond: 1 });
    for (let i = 0; i < 4; i++) await pipeline.deliver(notification(i, `chat-${i}`));
    expect(notifier.sentAt.map((s) => s.at)).toEqual([0, 100, 200, 300]);
  });

  it("honours retry-after, then delivers", async () => {
    const tooMany = new DeliveryError("429", { retryable: true, code: "429", retryAfterMs: 5000 });
    const { pipeline, notifier } = setup([tooMany, tooMany]);
    expect(await pipeline.deliver(notification(1))).toEqual({ status: "sent", attempts: 3 });
    expect(notifier.sentAt[0]!.at).toBeGreaterThanOrEqual(10_000);
  });

  it("marks a permanent failure undeliverable without retrying", async () => {
    const blocked = new DeliveryError("blocked", { retryable: false, code: "blocked_by_user" });
    const { pipeline, log, undeliverable } = setup([blocked]);
    expect(await pipeline.deliver(notification(7))).toEqual({
      status: "undeliverable",
      reason: "blocked_by_user",
    });
    expect(await log.stateOf(notification(7).triggerId)).toBe("undeliverable");
    expect(undeliverable).toEqual([notification(7).triggerId]);
    expect(await pipeline.deliver(notification(7))).toEqual({ status: "duplicate" });
  });

  it("gives up after the retry budget and throws so the bus can retry later", async () => {
    const down = new DeliveryError("503", { retryable: true, code: "503" });
    const { pipeline, log } = setup([down, down, down, down]);
    await expect(pipeline.deliver(notification(2))).rejects.toThrow("503");
    expect(await log.stateOf(notification(2).triggerId)).toBe("new");
    expect(await pipeline.deliver(notification(2))).toEqual({ status: "sent", attempts: 1 });
  });

  it("treats unknown errors (network) as retryable", async () => {
    const { pipeline } = setup([new Error("ECONNRESET") as DeliveryError]);
    expect(await pipeline.deliver(notification(3))).toEqual({ status: "sent", attempts: 2 });
  });

  it("records a send whose log write failed without sending again", async () => {
    const time = virtualTime();
    const notifier = new ScriptedNotifier(time.now);
    const log = new FlakyLog(2);
    const pipeline = new DeliveryPipeline({
      notifier,
      log,
      limiter: new RateLimiter({ globalPerSecond: 30, perChatPerSecond: 1 }, time.now, time.sleep),
      logger,
      sleep: time.sleep,
      retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000 },
    });
    expect(await pipeline.deliver(notification(4))).toEqual({ status: "sent", attempts: 1 });
    expect(notifier.sentAt).toHaveLength(1);
    expect(log.failuresLeft).toBe(0);
    expect(await log.stateOf(notification(4).triggerId)).toBe("sent");
  });

  it("counts a send as delivered even when the log stays unreachable, and does not resend", async () => {
    const time = virtualTime();
    const notifier = new ScriptedNotifier(time.now);
    const pipeline = new DeliveryPipeline({
      notifier,
      log: new FlakyLog(Number.POSITIVE_INFINITY),
      limiter: new RateLimiter({ globalPerSecond: 30, perChatPerSecond: 1 }, time.now, time.sleep),
      logger,
      sleep: time.sleep,
      retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 1000 },
    });
    expect(await pipeline.deliver(notification(5))).toEqual({ status: "sent", attempts: 1 });
    expect(notifier.sentAt).toHaveLength(1);
  });
});

/** A delivery log whose first `failures` writes of "sent" fail, like an alert service that is restarting. */
class FlakyLog extends InMemoryDeliveryLog {
  failuresLeft: number;
  constructor(failures: number) {
    super();
    this.failuresLeft = failures;
  }
  override async markSent(n: Notification): Promise<void> {
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new Error("ECONNREFUSED");
    }
    await super.markSent(n);
  }
}
