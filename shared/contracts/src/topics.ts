import type { Platform } from "./common.ts";

/** Topic names. Partitions, keys and schemas live in the topic catalog. */
export const TOPIC_PRICE_TICKS = "prices.ticks";
export const TOPIC_ALERT_CHANGES = "alerts.changes";
export const TOPIC_ALERT_RUNTIME = "alerts.runtime";
export function notificationTopicOf(platform: Platform): `notifications.${Platform}` {
  return `notifications.${platform}`;
}
export function deadLetterTopicOf(topic: string): string {
  return `${topic}.dlq`;
}
