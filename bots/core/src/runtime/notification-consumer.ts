import type { Bus, RetryPolicy, Subscription } from "@tickerbell/bus";
import {
  type Notification,
  notificationTopicOf,
  type Platform,
  type TOPIC_CATALOG,
} from "@tickerbell/contracts";
import type { DeliveryPipeline } from "../delivery/pipeline.ts";
import { CommitTracker } from "./commit-tracker.ts";

/**
 * Messages of one partition in delivery at once: each waits for its chat's rate-limit slot, so the partition
 * needs many in flight to keep the platform's limit busy; one chat's order is kept by the pipeline's mailboxes.
 */
export const DEFAULT_NOTIFICATIONS_IN_FLIGHT = 500;

/** How often durable offsets are committed (a crash redelivers at most this much more, found in the log). */
const COMMIT_EVERY_MS = 200;

/**
 * The bus does not retry a notification: the pipeline's retries of its send (DEFAULT_RETRY: up to two minutes
 * of a platform failing) are its whole budget, and a send that fails through them is dead-lettered for a redrive.
 * Retrying here too would multiply the sends (five bus attempts of six sends each).
 */
const RETRY: RetryPolicy = { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 };

/**
 * Feeds `notifications.<platform>` into the delivery pipeline, many messages of a partition at once (the topic
 * is keyed by user; the pipeline keeps each chat's order). A message is done for the bus once it is sent (so the
 * next one is not held up by the delivery log's write), and its offset is committed only once its outcome is
 * recorded (manual commits): after a crash or a hand-over, the next owner starts at the first message whose
 * outcome may be missing. On every assignment the pipeline learns where the new partitions ended, so only what
 * their previous owner may have handled is checked against the delivery log. A send that keeps failing through
 * the pipeline's retries is dead-lettered.
 */
export async function consumeNotifications(options: {
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
  const tracker = new CommitTracker();
  const subscription = await bus.subscribe({
    groupId: options.groupId ?? `${options.platform}-bot`,
    topics: [topic],
    fromBeginning: options.fromBeginning ?? true,
    maxInFlight: options.maxInFlight ?? DEFAULT_NOTIFICATIONS_IN_FLIGHT,
    commit: "manual",
    retry: RETRY,
    onPartitionsChanged: async ({ assigned, revoked }) => {
      for (const tp of [...revoked, ...assigned]) tracker.forget(tp.partition);
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
    handler: (message) => {
      const { partition, offset } = message;
      tracker.started(partition, offset);
      // The bus parsed it with this topic's schema; TypeScript cannot narrow a template-literal topic name.
      const { handled, durable } = pipeline.accept(message.value as Notification, { partition, offset });
      durable.then(
        () => tracker.done(partition, offset),
        () => {},
      );
      return handled.then(
        () => {},
        (error: unknown) => {
          // The bus dead-letters it now (before the next commit): done, so the partition's commits go on. A
          // subscription that is stopping leaves it uncommitted instead, and commits nothing after that.
          tracker.done(partition, offset);
          throw error;
        },
      );
    },
  });

  let committing: Promise<void> = Promise.resolve();
  const commitDurable = () => {
    committing = committing.then(async () => {
      const positions = tracker.takePositions();
      if (positions.length === 0) return;
      await subscription
        .commit(positions.map((p) => ({ topic, ...p })))
        // A failed commit only widens what a restart redelivers (and finds in the delivery log).
        .catch(() => {});
    });
    return committing;
  };
  const timer = setInterval(() => void commitDurable(), COMMIT_EVERY_MS);
  timer.unref();

  return {
    groupId: subscription.groupId,
    commit: (positions) => subscription.commit(positions),
    caughtUp: () => subscription.caughtUp(),
    // Commits once more before leaving: the bus takes no commit once its stop has begun. What is recorded only
    // after that is found in the delivery log by the next owner.
    stop: async () => {
      clearInterval(timer);
      await commitDurable();
      await subscription.stop();
    },
  };
}
