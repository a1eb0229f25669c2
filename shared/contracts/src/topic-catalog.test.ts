import { describe, expect, it } from "vitest";
import { TOPIC_CATALOG, type TopicName } from "./topic-catalog.ts";
import {
  notificationTopicOf,
  TOPIC_ALERT_CHANGES,
  TOPIC_ALERT_RUNTIME,
  TOPIC_PRICE_TICKS,
} from "./topics.ts";

describe("TOPIC_CATALOG", () => {
  it("names every topic after its key in the catalog", () => {
    for (const [name, spec] of Object.entries(TOPIC_CATALOG)) expect(spec.name).toBe(name);
    expect(Object.keys(TOPIC_CATALOG).sort()).toEqual(
      [
        TOPIC_PRICE_TICKS,
        TOPIC_ALERT_CHANGES,
        TOPIC_ALERT_RUNTIME,
        notificationTopicOf("discord"),
        notificationTopicOf("telegram"),
        notificationTopicOf("console"),
      ].sort(),
    );
  });

  it("co-partitions prices.ticks, alerts.changes and alerts.runtime (same partition count, keyed by symbol)", () => {
    expect(TOPIC_CATALOG[TOPIC_PRICE_TICKS].partitions).toBe(TOPIC_CATALOG[TOPIC_ALERT_CHANGES].partitions);
    expect(TOPIC_CATALOG[TOPIC_PRICE_TICKS].partitions).toBe(TOPIC_CATALOG[TOPIC_ALERT_RUNTIME].partitions);
    const tick = TOPIC_CATALOG[TOPIC_PRICE_TICKS].schema.parse({ v: 1, symbol: "AAPL", price: 190.5, ts: 1 });
    expect(TOPIC_CATALOG[TOPIC_PRICE_TICKS].keyOf(tick)).toBe("AAPL");
  });

  it("rejects a tick without its version field", () => {
    expect(
      TOPIC_CATALOG[TOPIC_PRICE_TICKS].schema.safeParse({ symbol: "AAPL", price: 1, ts: 1 }).success,
    ).toBe(false);
  });

  it("keeps every topic name a literal key, so each topic keeps its own schema type", () => {
    const name: TopicName = "notifications.discord";
    // @ts-expect-error: not a topic of the catalog (TopicName must not widen to string)
    const wrong: TopicName = "notifications.sms";
    expect([name, wrong]).toEqual(["notifications.discord", "notifications.sms"]);
  });
});
