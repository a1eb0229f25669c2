import { createLogger } from "@tickerbell/config";
import type { Notification } from "@tickerbell/contracts";
import { describe, expect, it } from "vitest";
import type { TimeDisplay } from "../format/time.ts";
import { InMemoryDeliveryLog } from "./memory-log.ts";
import { DeliveryPipeline } from "./pipeline.ts";
import type { NotificationBatch, Notifier, NotifyOptions, QuietHoursGate } from "./ports.ts";
import { RateLimiter } from "./rate-limiter.ts";

const ALERT = "0f8fad5b-d9cb-469f-a165-70867728950e";

function notification(n: number, extra: Partial<Notification> = {}): Notification {
  return {
    v: 1,
    type: "triggered",
    triggerId: `${ALERT}:${n}`,
    alertId: ALERT,
    generation: n,
    userId: "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    origin: { platform: "telegram", chatId: "chat-1" },
    symbol: "AAPL",
    condition: { kind: "price", direction: "above", target: 200 },
    price: 201,
    referencePrice: 190,
    moveAbs: 11,
    movePercent: 5.79,
    note: null,
    repeating: true,
    firedAt: "2026-12-03T22:00:00.000Z",
    ...extra,
  };
}

/** A notifier that keeps what it was asked to send, and how. */
class RecordingNotifier implements Notifier {
  readonly platform = "telegram" as const;
  readonly maxBatch = 8;
  readonly sent: Array<{ triggerIds: string[]; display: TimeDisplay | undefined }> = [];
  async send(batch: NotificationBatch, options?: NotifyOptions): Promise<undefined> {
    this.sent.push({ triggerIds: batch.map((n) => n.triggerId), display: options?.display });
  }
}

/** A gate with quiet hours on or off, holding in memory (the real one holds in the alert service). */
class Gate implements QuietHoursGate {
  quiet = true;
  /** How many of the next holds fail, and of the next decisions (the alert service down for a while). */
  failHolds = 0;
  failDecisions = 0;
  readonly held: string[] = [];
  readonly display: TimeDisplay = { kind: "zone", timeZone: "Europe/Berlin" };
  async decide() {
    if (this.failDecisions-- > 0) throw new Error("the alert service is down");
    return { hold: this.quiet, display: this.display };
  }
  async hold(n: Notification): Promise<void> {
    if (this.failHolds-- > 0) throw new Error("the alert service is down");
    this.held.push(n.triggerId);
  }
}

function pipeline(gate: Gate, notifier: RecordingNotifier) {
  return new DeliveryPipeline({
    notifier,
    log: new InMemoryDeliveryLog(),
    limiter: new RateLimiter({ globalPerSecond: 1000, perChatPerSecond: 1000 }),
    logger: createLogger({ service: "test", level: "silent" }),
    quietHours: gate,
    retry: { attempts: 4, baseDelayMs: 1, maxDelayMs: 2 },
  });
}

describe("the delivery pipeline with quiet hours", () => {
  it("holds instead of sending while the gate says quiet; sends urgent ones and everything once it is not", async () => {
    const gate = new Gate();
    const notifier = new RecordingNotifier();
    const p = pipeline(gate, notifier);
    expect(await p.deliver(notification(1))).toEqual({ status: "held" });
    expect(await p.deliver(notification(2, { urgent: true }))).toEqual({ status: "sent", attempts: 1 });
    gate.quiet = false;
    expect(await p.deliver(notification(3))).toEqual({ status: "sent", attempts: 1 });
    expect(gate.held).toEqual([`${ALERT}:1`]);
    expect(notifier.sent).toEqual([
      { triggerIds: [`${ALERT}:2`], display: gate.display },
      { triggerIds: [`${ALERT}:3`], display: gate.display },
    ]);
  });

  it("rides out an alert service that fails holds and quiet-hours checks for a while, within the retry budget", async () => {
    const gate = new Gate();
    gate.failHolds = 3;
    gate.failDecisions = 3;
    const notifier = new RecordingNotifier();
    expect(await pipeline(gate, notifier).deliver(notification(5))).toEqual({ status: "held" });
    expect(gate.held).toEqual([`${ALERT}:5`]);
    expect(notifier.sent).toEqual([]);
  });

  it("a hold that cannot be stored through the budget fails the notification (dead-lettered): never dropped, never sent", async () => {
    const gate = new Gate();
    gate.failHolds = 4;
    const notifier = new RecordingNotifier();
    await expect(pipeline(gate, notifier).deliver(notification(4))).rejects.toThrow(/down/);
    expect(notifier.sent).toEqual([]);
  });
});
