import type { Bus, Subscription } from "@tickerbell/bus";
import {
  type Notification,
  notificationTopicOf,
  type Platform,
  type TOPIC_CATALOG,
} from "@tickerbell/contracts";
import type { DeliveryPipeline } from "../delivery/pipeline.ts";

/**
 * Messages of one partition handled at once. Each waits for its chat's rate-limit slot and then for its outcome's
 * group write (about 50 ms), so the partition needs many in flight to keep the platform's limit busy; one chat's
 * order is kept by the pipeline's mailboxes.
 */
export const DEFAULT_NOTIFICATIONS_IN_FLIGHT = 500;

/**
 * Feeds `notifications.<platform>` into the delivery pipeline, many messages of a partition at once (the topic
 * is keyed by user; the pipeline keeps each chat's order). On every assignment it tells the pipeline where the
 * new partitions ended, so only what their previous owner may have handled is checked against the delivery log.
 * A send that keeps failing is retried by the bus, then dead-lettered.
 */
export function consumeNotifications(options: {
  bus: Bus<typeof TOPIC_CATALOG>;
  platform: Platform;
  pipeline: DeliveryPipeline;
  groupId?: string;
  /**
   * Where a group with no committed offsets starts: the oldest notification (default, so a new deployment
   * delivers what is pending) or only new ones.
   */
  fromBeginning?: boolean;
  maxInFlight?: number;
}): Promise<Subscription> {
  const { bus, pipeline } = options;
  const topic = notificationTopicOf(options.platform);
  return bus.subscribe({
    groupId: options.groupId ?? `${options.platform}-bot`,
    topics: [topic],
    fromBeginning: options.fromBeginning ?? true,
    maxInFlight: options.maxInFlight ?? DEFAULT_NOTIFICATIONS_IN_FLIGHT,
    onPartitionsChanged: async ({ assigned, revoked }) => {
      pipeline.partitionsRevoked(revoked.map((tp) => tp.partition));
      if (assigned.length === 0) return;
      // Read after the assignment: anything below was written before this process owned the partition. If the
      // offsets cannot be read, the pipeline checks every notification of these partitions (safe, only slower).
      const ends = await bus.endOffsets(topic).catch(() => new Map<number, string>());
      pipeline.partitionsAssigned(
        assigned.map((tp) => ({ partition: tp.partition, endOffset: ends.get(tp.partition) })),
      );
    },
    // Not async: the pipeline must take the message into its chat's mailbox in the order the bus starts them.
    handler: (message) =>
      // The bus parsed it with this topic's schema; TypeScript cannot narrow a template-literal topic name.
      pipeline
        .deliver(message.value as Notification, { partition: message.partition, offset: message.offset })
        .then(() => undefined),
  });
}
