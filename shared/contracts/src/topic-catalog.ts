import type { z } from "zod";
import { AlertChangeEventSchema, NotificationSchema, PriceTickSchema } from "./events.ts";
import { notificationTopicOf, TOPIC_ALERT_CHANGES, TOPIC_PRICE_TICKS } from "./topics.ts";

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
 * prices.ticks and alerts.changes are co-partitioned (same key, same partition count, same partitioner) so a
 * matcher instance that owns partition p of both sees every tick and every alert change of its symbols.
 */
export const CO_PARTITIONED_PARTITIONS = 6;

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
  [notificationTopicOf("discord")]: topic({
    name: notificationTopicOf("discord"),
    key: "userId",
    keyOf: (notification) => notification.userId,
    schema: NotificationSchema,
    partitions: 3,
  }),
  [notificationTopicOf("telegram")]: topic({
    name: notificationTopicOf("telegram"),
    key: "userId",
    keyOf: (notification) => notification.userId,
    schema: NotificationSchema,
    partitions: 3,
  }),
  [notificationTopicOf("console")]: topic({
    name: notificationTopicOf("console"),
    key: "userId",
    keyOf: (notification) => notification.userId,
    schema: NotificationSchema,
    partitions: 1,
  }),
} as const satisfies TopicCatalog;

export type TopicName = keyof typeof TOPIC_CATALOG;
