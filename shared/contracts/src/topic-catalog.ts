import type { z } from "zod";
import { AlertChangeEventSchema, NotificationSchema, PriceTickSchema } from "./events.ts";
import { RuntimeTopicEventSchema } from "./runtime.ts";
import {
  type notificationTopicOf,
  TOPIC_ALERT_CHANGES,
  TOPIC_ALERT_RUNTIME,
  TOPIC_PRICE_TICKS,
} from "./topics.ts";

/**
 * One topic's contract: what its messages look like, what they are keyed by, and how many partitions it gets
 * when a bus creates it. Producers and consumers both validate with `schema`.
 */
export interface TopicSpec<S extends z.ZodType = z.ZodType> {
  name: string;
  /** What the message key is, in words (for docs and operators). */
  key: string;
  /**
   * Derives the key from a (parsed) message so that producers cannot key a topic inconsistently. (Method
   * syntax on purpose: it lets a catalog of specific topics count as a TopicCatalog.)
   */
  keyOf(value: z.output<S>): string;
  schema: S;
  /** Partitions a bus creates the topic with unless configured otherwise. */
  partitions: number;
}

/** A set of topics a bus knows, by name. The application uses TOPIC_CATALOG; tests may bring their own. */
export type TopicCatalog = Record<string, TopicSpec>;

function topic<S extends z.ZodType>(spec: TopicSpec<S>): TopicSpec<S> {
  return spec;
}

/**
 * prices.ticks, alerts.changes and alerts.runtime are co-partitioned (same key, same partition count, same
 * partitioner) so a matcher instance that owns partition p sees every tick and every alert change of its symbols,
 * and the runtime state it writes for them lands in partition p too.
 */
export const CO_PARTITIONED_PARTITIONS = 6;

// Literal names: a computed key of the union type `notifications.${Platform}` would turn the catalog's keys
// into `string` and lose each topic's schema type. The catalog test checks they match notificationTopicOf().
const NOTIFICATIONS_DISCORD = "notifications.discord" satisfies ReturnType<typeof notificationTopicOf>;
const NOTIFICATIONS_TELEGRAM = "notifications.telegram" satisfies ReturnType<typeof notificationTopicOf>;
const NOTIFICATIONS_CONSOLE = "notifications.console" satisfies ReturnType<typeof notificationTopicOf>;

export const TOPIC_CATALOG = {
  [TOPIC_PRICE_TICKS]: topic({
    name: TOPIC_PRICE_TICKS,
    key: "symbol",
    keyOf: (tick) => tick.symbol,
    schema: PriceTickSchema,
    partitions: CO_PARTITIONED_PARTITIONS,
  }),
  [TOPIC_ALERT_CHANGES]: topic({
    name: TOPIC_ALERT_CHANGES,
    key: "symbol of the alert",
    keyOf: (event) => event.alert.symbol,
    schema: AlertChangeEventSchema,
    partitions: CO_PARTITIONED_PARTITIONS,
  }),
  [TOPIC_ALERT_RUNTIME]: topic({
    name: TOPIC_ALERT_RUNTIME,
    key: "symbol of the alert (or of the window history)",
    keyOf: (event) => event.symbol,
    schema: RuntimeTopicEventSchema,
    partitions: CO_PARTITIONED_PARTITIONS,
  }),
  [NOTIFICATIONS_DISCORD]: topic({
    name: NOTIFICATIONS_DISCORD,
    key: "userId",
    keyOf: (notification) => notification.userId,
    schema: NotificationSchema,
    partitions: 3,
  }),
  [NOTIFICATIONS_TELEGRAM]: topic({
    name: NOTIFICATIONS_TELEGRAM,
    key: "userId",
    keyOf: (notification) => notification.userId,
    schema: NotificationSchema,
    partitions: 3,
  }),
  [NOTIFICATIONS_CONSOLE]: topic({
    name: NOTIFICATIONS_CONSOLE,
    key: "userId",
    keyOf: (notification) => notification.userId,
    schema: NotificationSchema,
    partitions: 1,
  }),
} as const satisfies TopicCatalog;

export type TopicName = keyof typeof TOPIC_CATALOG;
