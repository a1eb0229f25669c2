import type { AlertChangeEvent, Notification, PriceTick, TOPIC_CATALOG } from "@tickerbell/contracts";
import { describe, expectTypeOf, it } from "vitest";
import type { IncomingMessageOf, PublishValueOf, TopicOf } from "./port.ts";

// Type-level checks (run by `tsc`): subscribing to several catalog topics gives a union narrowed by `topic`.
describe("Bus port types", () => {
  it("narrows a consumed message's value by its topic", () => {
    type Message = IncomingMessageOf<typeof TOPIC_CATALOG, "prices.ticks" | "alerts.changes">;
    expectTypeOf<Extract<Message, { topic: "prices.ticks" }>["value"]>().toEqualTypeOf<PriceTick>();
    expectTypeOf<Extract<Message, { topic: "alerts.changes" }>["value"]>().toEqualTypeOf<AlertChangeEvent>();
    type Notifications = IncomingMessageOf<
      typeof TOPIC_CATALOG,
      "notifications.discord" | "notifications.telegram"
    >;
    expectTypeOf<Notifications["value"]>().toEqualTypeOf<Notification>();
  });

  it("only accepts catalog topics and their payloads", () => {
    expectTypeOf<"prices.ticks">().toExtend<TopicOf<typeof TOPIC_CATALOG>>();
    expectTypeOf<"prices.tick">().not.toExtend<TopicOf<typeof TOPIC_CATALOG>>();
    expectTypeOf<PublishValueOf<typeof TOPIC_CATALOG, "prices.ticks">>().toHaveProperty("symbol");
  });
});
