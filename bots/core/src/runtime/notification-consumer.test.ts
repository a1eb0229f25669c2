import { InMemoryBus } from "@tickerbell/bus";
import { createLogger } from "@tickerbell/config";
import { deadLetterTopicOf, type Notification, TOPIC_CATALOG } from "@tickerbell/contracts";
import { afterEach, describe, expect, it } from "vitest";
import { ApiError } from "../clients/http.ts";
import { InMemoryDeliveryLog } from "../delivery/memory-log.ts";
import { DeliveryPipeline } from "../delivery/pipeline.ts";
import type { Notifier } from "../delivery/ports.ts";
import { RateLimiter } from "../delivery/rate-limiter.ts";
import { consumeNotifications } from "./notification-consumer.ts";

const logger = createLogger({ service: "test", level: "silent" });

const NOTIFICATION: Notification = {
  v: 1,
  type: "triggered",
  triggerId: "0f8fad5b-d9cb-469f-a165-70867728950e:0",
  alertId: "0f8fad5b-d9cb-469f-a165-70867728950e",
  generation: 0,
  userId: "7c9e6679-7425-40de-944b-e07fc1f90ae7",
  origin: { platform: "telegram", chatId: "42" },
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

/** The delivery log answering `status` until `downUntil` (a 500 while the alert service's database restarts). */
class FailingDeliveryLog extends InMemoryDeliveryLog {
  readonly downUntil: number;
  readonly status: number;
  constructor(downForMs: number, status: number) {
    super();
    this.downUntil = Date.now() + downForMs;
    this.status = status;
  }
  override async stateOf(triggerId: string) {
    if (Date.now() < this.downUntil)
      throw new ApiError("GET", `/v1/deliveries/${triggerId}`, this.status, "x", `answered ${this.status}`);
    return super.stateOf(triggerId);
  }
}

class RecordingNotifier implements Notifier {
  readonly platform = "telegram" as const;
  readonly sent: string[] = [];
  async send(n: Notification): Promise<void> {
    this.sent.push(n.triggerId);
  }
}

let bus: InMemoryBus<typeof TOPIC_CATALOG> | undefined;
afterEach(async () => {
  await bus?.close();
});

async function consumeWith(log: InMemoryDeliveryLog): Promise<RecordingNotifier> {
  bus = new InMemoryBus({ catalog: TOPIC_CATALOG, logger });
  await bus.start();
  const notifier = new RecordingNotifier();
  const pipeline = new DeliveryPipeline({
    notifier,
    log,
    limiter: new RateLimiter({ globalPerSecond: 30, perChatPerSecond: 1 }),
    logger,
  });
  await consumeNotifications({ bus, platform: "telegram", pipeline });
  await bus.publish("notifications.telegram", [{ key: NOTIFICATION.userId, value: NOTIFICATION }]);
  return notifier;
}

async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

const deadLetters = () => bus!.retainedMessages(deadLetterTopicOf("notifications.telegram"));

describe("consumeNotifications", () => {
  // Found by the fault suite (shared/testkit/test/faults): with only the bus's quick retries (about 1.5 s) a
  // PostgreSQL restart under the alert service dead-lettered the notifications in flight, so they were lost.
  it("rides out a delivery log that answers 500 for a few seconds instead of dead-lettering the notification", async () => {
    const log = new FailingDeliveryLog(3_000, 500);
    const notifier = await consumeWith(log);
    await until(() => notifier.sent.length > 0 || deadLetters() > 0);
    expect(notifier.sent).toEqual([NOTIFICATION.triggerId]);
    expect(deadLetters()).toBe(0);
    expect(await log.stateOf(NOTIFICATION.triggerId)).toBe("sent");
  }, 20_000);

  it("dead-letters at once what the delivery log refuses (4xx), so it does not hold up the partition", async () => {
    const notifier = await consumeWith(new FailingDeliveryLog(60_000, 404));
    await until(() => deadLetters() > 0);
    expect(deadLetters()).toBe(1);
    expect(notifier.sent).toEqual([]);
  }, 20_000);
});
