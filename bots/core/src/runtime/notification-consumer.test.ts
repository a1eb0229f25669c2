import { InMemoryBus } from "@tickerbell/bus";
import { createLogger } from "@tickerbell/config";
import { deadLetterTopicOf, type Notification, TOPIC_CATALOG } from "@tickerbell/contracts";
import { afterEach, describe, expect, it } from "vitest";
import { ApiError } from "../clients/http.ts";
import { InMemoryDeliveryLog } from "../delivery/memory-log.ts";
import { DeliveryPipeline } from "../delivery/pipeline.ts";
import {
  DeliveryError,
  type DeliveryOutcomeRecord,
  type NotificationBatch,
  type Notifier,
  type RefusedRecord,
} from "../delivery/ports.ts";
import { RateLimiter } from "../delivery/rate-limiter.ts";
import { consumeNotifications } from "./notification-consumer.ts";

const logger = createLogger({ service: "test", level: "silent" });
const USERS = ["7c9e6679-7425-40de-944b-e07fc1f90ae7", "16fd2706-8baf-433b-82eb-8c7fada847da"];

function notification(generation: number, user = 0): Notification {
  const alertId = "0f8fad5b-d9cb-469f-a165-70867728950e";
  return {
    v: 1,
    type: "triggered",
    triggerId: `${alertId}:${generation}`,
    alertId,
    generation,
    userId: USERS[user]!,
    origin: { platform: "telegram", chatId: `chat-${user}` },
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

/** The delivery log answering `status` to writes until `downUntil` (a 500 while the alert service restarts). */
class FailingDeliveryLog extends InMemoryDeliveryLog {
  readonly downUntil: number;
  readonly status: number;
  constructor(downForMs: number, status: number) {
    super();
    this.downUntil = Date.now() + downForMs;
    this.status = status;
  }
  override async record(records: readonly DeliveryOutcomeRecord[]): Promise<RefusedRecord[]> {
    if (Date.now() < this.downUntil)
      throw new ApiError({
        service: "the alert service",
        method: "PUT",
        path: "/v1/deliveries",
        status: this.status,
        code: "x",
        message: `answered ${this.status}`,
      });
    return super.record(records);
  }
}

/** The delivery log in memory, whose writes a test can hold back, and which keeps what it was asked. */
class GatedLog extends InMemoryDeliveryLog {
  gate: Promise<void> | undefined;
  readonly asked: string[] = [];
  override async lookup(triggerIds: readonly string[]) {
    this.asked.push(...triggerIds);
    return super.lookup(triggerIds);
  }
  override async record(records: readonly DeliveryOutcomeRecord[]): Promise<RefusedRecord[]> {
    await this.gate;
    return super.record(records);
  }
}

/** A platform that answers 503 to every send. */
class DownNotifier implements Notifier {
  readonly platform = "telegram" as const;
  readonly maxBatch = 10;
  sends = 0;
  async send(): Promise<undefined> {
    this.sends += 1;
    throw new DeliveryError("503", { retryable: true, code: "503" });
  }
}

class RecordingNotifier implements Notifier {
  readonly platform = "telegram" as const;
  readonly maxBatch = 10;
  readonly messages: string[][] = [];
  async send(batch: NotificationBatch): Promise<undefined> {
    this.messages.push(batch.map((n) => n.triggerId));
  }
  sent(): string[] {
    return this.messages.flat();
  }
}

let bus: InMemoryBus<typeof TOPIC_CATALOG> | undefined;
afterEach(async () => {
  await bus?.close();
  bus = undefined;
});

async function consumeWith(
  log: InMemoryDeliveryLog,
  limits = { globalPerSecond: 1000, perChatPerSecond: 1000 },
) {
  bus ??= new InMemoryBus({ catalog: TOPIC_CATALOG, logger });
  await bus.start();
  const notifier = new RecordingNotifier();
  const pipeline = new DeliveryPipeline({ notifier, log, limiter: new RateLimiter(limits), logger });
  const subscription = await consumeNotifications({ bus, platform: "telegram", pipeline });
  return { notifier, pipeline, subscription };
}

const publish = (notifications: Notification[]) =>
  bus!.publish(
    "notifications.telegram",
    notifications.map((value) => ({ key: value.userId, value })),
  );

async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

const deadLetters = () => bus!.retainedMessages(deadLetterTopicOf("notifications.telegram"));

describe("consumeNotifications", () => {
  it("spends one retry budget on a send that keeps failing, then dead-letters it (no retries nested in retries)", async () => {
    bus = new InMemoryBus({ catalog: TOPIC_CATALOG, logger });
    await bus.start();
    const notifier = new DownNotifier();
    const pipeline = new DeliveryPipeline({
      notifier,
      log: new InMemoryDeliveryLog(),
      limiter: new RateLimiter({ globalPerSecond: 1000, perChatPerSecond: 1000 }),
      logger,
      retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
    });
    await consumeNotifications({ bus, platform: "telegram", pipeline });
    await publish([notification(1)]);
    await until(() => deadLetters() > 0);
    expect(deadLetters()).toBe(1);
    expect(notifier.sends).toBe(3);
  }, 20_000);

  it("rides out a delivery log that answers 500 for a few seconds instead of dead-lettering the notification", async () => {
    const log = new FailingDeliveryLog(2_000, 500);
    const { notifier } = await consumeWith(log);
    await publish([notification(1)]);
    await until(() => log.states.size > 0 || deadLetters() > 0);
    expect(notifier.sent()).toEqual([notification(1).triggerId]);
    expect(log.states.get(notification(1).triggerId)).toBe("sent");
    expect(deadLetters()).toBe(0);
  }, 20_000);

  it("checks with the delivery log only what was on the partition before it was assigned", async () => {
    bus = new InMemoryBus({ catalog: TOPIC_CATALOG, logger });
    await bus.start();
    const log = new InMemoryDeliveryLog();
    // The previous owner sent generation 1; generation 2 was left over.
    log.states.set(notification(1).triggerId, "sent");
    await publish([notification(1), notification(2)]);
    const { notifier } = await consumeWith(log);
    await until(() => log.states.size === 2);
    expect(notifier.sent()).toEqual([notification(2).triggerId]);
    expect(log.calls.lookup).toBe(1);

    // From now on this process is the owner: a new notification is sent without asking.
    await publish([notification(3)]);
    await until(() => log.states.size === 3);
    expect(notifier.sent()).toEqual([notification(2).triggerId, notification(3).triggerId]);
    expect(log.calls.lookup).toBe(1);
  }, 20_000);

  it("commits an offset only once its outcome is recorded: the next owner gets what was not, and finds it in the log", async () => {
    const log = new GatedLog();
    const first = await consumeWith(log);
    await publish([notification(40)]);
    await until(() => log.states.size === 1);
    await new Promise((r) => setTimeout(r, 500)); // a commit round
    // The next one is sent, but its outcome cannot be written before this member leaves.
    const gate = Promise.withResolvers<void>();
    log.gate = gate.promise;
    await publish([notification(41)]);
    await until(() => first.notifier.sent().length === 2);
    await first.subscription.stop();
    gate.resolve();
    await until(() => log.states.size === 2);

    const next = await consumeWith(log);
    await until(() => log.asked.length > 0);
    await new Promise((r) => setTimeout(r, 500));
    // Only the unrecorded one came again; the log knew it was sent, so nobody got it twice.
    expect(log.asked).toEqual([notification(41).triggerId]);
    expect(next.notifier.sent()).toEqual([]);
  }, 20_000);

  it("delivers many notifications of a partition at once, each chat's in order", async () => {
    const log = new InMemoryDeliveryLog();
    const { notifier } = await consumeWith(log, { globalPerSecond: 1000, perChatPerSecond: 20 });
    const batch = Array.from({ length: 20 }, (_, i) => notification(10 + i, i % 2));
    await publish(batch);
    await until(() => log.states.size === batch.length);
    const sent = notifier.sent();
    expect(sent.sort()).toEqual(batch.map((n) => n.triggerId).sort());
    for (const user of [0, 1]) {
      const chat = notifier.messages
        .flat()
        .filter((id) => batch.find((n) => n.triggerId === id)!.userId === USERS[user]);
      expect(chat).toEqual(batch.filter((n) => n.userId === USERS[user]).map((n) => n.triggerId));
    }
    // Several firings per chat, so fewer messages than notifications.
    expect(notifier.messages.length).toBeLessThan(batch.length);
  }, 20_000);
});
