import type { TopicPartition } from "./port.ts";

export interface GroupMemberSubscription {
  memberId: string;
  topics: readonly string[];
}

/**
 * Co-partitioned assignment: partition p of every topic goes to the same member (the p-th, round robin, among
 * the members subscribed to that topic, ordered by id). A matcher subscribed to prices.ticks and alerts.changes
 * thus owns whole symbols. Kafka's round-robin assignor would not guarantee that, so both buses use this.
 */
export function assignCoPartitioned(
  members: readonly GroupMemberSubscription[],
  partitionCounts: ReadonlyMap<string, number>,
): Map<string, TopicPartition[]> {
  const result = new Map<string, TopicPartition[]>(members.map((m) => [m.memberId, []]));
  const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
  for (const topic of topics) {
    const subscribers = members
      .filter((m) => m.topics.includes(topic))
      .map((m) => m.memberId)
      .sort();
    const count = partitionCounts.get(topic) ?? 0;
    for (let partition = 0; partition < count; partition++) {
      const owner = subscribers[partition % subscribers.length];
      if (owner !== undefined) result.get(owner)?.push({ topic, partition });
    }
  }
  return result;
}

export function topicPartitionId(tp: TopicPartition): string {
  return `${tp.topic}:${tp.partition}`;
}

/** What changed between two assignments of one member. */
export function diffAssignment(
  before: readonly TopicPartition[],
  after: readonly TopicPartition[],
): { assigned: TopicPartition[]; revoked: TopicPartition[] } {
  const beforeIds = new Set(before.map(topicPartitionId));
  const afterIds = new Set(after.map(topicPartitionId));
  return {
    assigned: after.filter((tp) => !beforeIds.has(topicPartitionId(tp))),
    revoked: before.filter((tp) => !afterIds.has(topicPartitionId(tp))),
  };
}
