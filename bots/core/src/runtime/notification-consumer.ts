import type { Bus, Subscription } from "@tickerbell/bus";
import {
  type Notification,
  notificationTopicOf,
  type Platform,
  type TOPIC_CATALOG,
} from "@tickerbell/contracts";
import type { DeliveryPipeline } from "../delivery/pipeline.ts";

/**
 * Feeds `notifications.<platform>` into the delivery pipeline. The topic is keyed by user, so one user's
 * notifications arrive in order; a send that keeps failing is retried by the bus, then dead-lettered.
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
}): Promise<Subscription> {
  const topic = notificationTopicOf(options.platform);
  return options.bus.subscribe({
    groupId: options.groupId ?? `${options.platform}-bot`,
    topics: [topic],
    fromBeginning: options.fromBeginning ?? true,
    handler: async (message) => {
      // The bus parsed it with this topic's schema; TypeScript cannot narrow a template-literal topic name.
      await options.pipeline.deliver(message.value as Notification);
    },
  });
}
