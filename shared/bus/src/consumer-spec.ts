import type { TopicCatalog } from "@tickerbell/contracts";
import { deadLetterTopicOf } from "@tickerbell/contracts";
import { topicPartitionId } from "./assignment.ts";
import { type Decoded, decodeValue, fromDeadLetter, type RawMessage } from "./codec.ts";
import {
  type CommitPosition,
  DEFAULT_RETRY_POLICY,
  type DeadLetterSubscribeOptions,
  type PartitionsChange,
  type RetryPolicy,
  type SubscribeOptions,
  type TopicOf,
} from "./port.ts";

/** The catalog's entry for a topic; a topic outside the catalog is a programming error, thrown at once. */
export function knownTopic<C extends TopicCatalog>(catalog: C, topic: string): NonNullable<C[keyof C]> {
  const spec = catalog[topic];
  if (!spec) throw new Error(`unknown topic ${topic}`);
  return spec as NonNullable<C[keyof C]>;
}

/** What an adapter needs to run one group member, whatever the adapter. */
export interface ConsumerSpec {
  groupId: string;
  topics: string[];
  fromBeginning: boolean;
  retry: RetryPolicy;
  decode: (raw: RawMessage) => Decoded;
  handle: (raw: RawMessage, value: unknown) => Promise<void>;
  /** Whether messages that fail go to `<topic>.dlq` (false when reading the DLQs themselves). */
  deadLetterFailures: boolean;
  onPartitionsChanged: ((change: PartitionsChange) => void | Promise<void>) | undefined;
  /** Messages of one partition handled at the same time (1 = strictly one after the other). */
  maxInFlight: number;
  /** Who commits offsets: the bus (`auto`) or the consumer through `Subscription.commit` (`manual`). */
  commit: "auto" | "manual";
}

export function catalogConsumer<C extends TopicCatalog, T extends TopicOf<C>>(
  catalog: C,
  options: SubscribeOptions<C, T>,
): ConsumerSpec {
  for (const topic of options.topics) knownTopic(catalog, topic);
  const maxInFlight = options.maxInFlight ?? 1;
  if (!Number.isSafeInteger(maxInFlight) || maxInFlight < 1)
    throw new Error(`maxInFlight must be a positive integer, got ${String(options.maxInFlight)}`);
  const commit = options.commit ?? "auto";
  if (commit !== "auto" && commit !== "manual")
    throw new Error(`commit must be "auto" or "manual", got ${String(options.commit)}`);
  return {
    groupId: options.groupId,
    topics: [...options.topics],
    fromBeginning: options.fromBeginning ?? true,
    retry: { ...DEFAULT_RETRY_POLICY, ...options.retry },
    decode: (raw) => {
      const spec = catalog[raw.topic];
      return spec ? decodeValue(spec, raw.value) : { ok: false, error: `unknown topic ${raw.topic}` };
    },
    handle: (raw, value) =>
      options.handler({
        topic: raw.topic,
        partition: raw.partition,
        offset: raw.offset,
        key: raw.key,
        value,
        headers: raw.headers,
        timestamp: raw.timestamp,
      } as Parameters<typeof options.handler>[0]),
    deadLetterFailures: true,
    onPartitionsChanged: options.onPartitionsChanged,
    maxInFlight,
    commit,
  };
}

/** Dead letters are never dropped: a failing dead-letter handler is retried (capped backoff) until it succeeds. */
export function deadLetterConsumer<C extends TopicCatalog, T extends TopicOf<C>>(
  catalog: C,
  options: DeadLetterSubscribeOptions<C, T>,
): ConsumerSpec {
  for (const topic of options.topics) knownTopic(catalog, topic);
  return {
    groupId: options.groupId,
    topics: options.topics.map((t) => deadLetterTopicOf(t)),
    fromBeginning: options.fromBeginning ?? true,
    retry: { attempts: Number.POSITIVE_INFINITY, baseDelayMs: 200, maxDelayMs: 10_000 },
    decode: (raw) => ({ ok: true, value: fromDeadLetter(raw) }),
    handle: (_raw, value) => options.handler(value as ReturnType<typeof fromDeadLetter>),
    deadLetterFailures: false,
    onPartitionsChanged: undefined,
    maxInFlight: 1,
    commit: "auto",
  };
}

const MAX_OFFSET = 2n ** 63n - 1n;

/**
 * What `Subscription.commit` may send: it rejects in auto mode and on malformed offsets, and keeps only the
 * partitions the member owns (the last position per partition wins).
 */
export function commitPositionsFor(
  spec: ConsumerSpec,
  positions: readonly CommitPosition[],
  owned: readonly { topic: string; partition: number }[],
): CommitPosition[] {
  if (spec.commit !== "manual")
    throw new Error(
      `commit() needs the subscription option commit: "manual" (group ${spec.groupId} commits by itself)`,
    );
  for (const { topic, partition, offset } of positions) {
    if (typeof offset !== "string" || !/^\d{1,19}$/.test(offset) || BigInt(offset) > MAX_OFFSET)
      throw new Error(
        `cannot commit ${topic}:${partition} at offset ${String(offset)}: not a non-negative integer`,
      );
  }
  const ownedIds = new Set(owned.map(topicPartitionId));
  const byPartition = new Map<string, CommitPosition>();
  for (const position of positions) {
    const id = topicPartitionId(position);
    if (ownedIds.has(id))
      byPartition.set(id, {
        topic: position.topic,
        partition: position.partition,
        offset: BigInt(position.offset).toString(),
      });
  }
  return [...byPartition.values()];
}
