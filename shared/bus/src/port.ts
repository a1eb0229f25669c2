import type { RetryPolicy } from "@tickerbell/config";
import type { TopicCatalog } from "@tickerbell/contracts";
import type { z } from "zod";

/** Message headers. Values are strings on the wire API; binary payloads do not belong in headers. */
export type MessageHeaders = Record<string, string>;

export type TopicOf<C extends TopicCatalog> = keyof C & string;
/** What a producer hands in (before the schema's transforms). */
export type PublishValueOf<C extends TopicCatalog, T extends TopicOf<C>> = z.input<C[T]["schema"]>;
/** What a consumer gets (parsed by the schema). */
export type ValueOf<C extends TopicCatalog, T extends TopicOf<C>> = z.output<C[T]["schema"]>;

export interface OutgoingMessage<V> {
  /** Defaults to the catalog's `keyOf(value)`; give it only when the key is not derivable from the value. */
  key?: string;
  value: V;
  headers?: MessageHeaders;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface IncomingMessage<T extends string, V> {
  topic: T;
  partition: number;
  /** Kafka offset as a decimal string (offsets are 64-bit). */
  offset: string;
  key: string | null;
  value: V;
  headers: MessageHeaders;
  /** Broker/append time, epoch milliseconds. */
  timestamp: number;
}

/** One message of any of the topics T, discriminated by `topic`. */
export type IncomingMessageOf<C extends TopicCatalog, T extends TopicOf<C>> = {
  [K in T]: IncomingMessage<K, ValueOf<C, K>>;
}[T];

/** A message that could not be parsed or handled, as it sits in `<topic>.dlq`. */
export interface DeadLetter {
  /** The dead-letter topic it was read from. */
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  /** The original payload, unparsed. */
  rawValue: string;
  /** The original headers, without the dead-letter ones. */
  headers: MessageHeaders;
  originalTopic: string;
  originalPartition: number;
  originalOffset: string;
  reason: DeadLetterReason;
  error: string;
  attempts: number;
}

/** `invalid`: the payload did not parse against the topic's schema. `failed`: the handler kept failing. */
export type DeadLetterReason = "invalid" | "failed";

/** A subscription's retry: `attempts` handler attempts before the message is dead-lettered (1 = no retry). */
export type { RetryPolicy };

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 100,
  maxDelayMs: 5_000,
};

/**
 * Which partitions a group member owns, reported after every (re)assignment and once more when it stops
 * (everything revoked). Partitions listed in `revoked` may already be processed elsewhere by the time this
 * runs; partitions in `assigned` are not delivered to the handler before the callback's promise settles.
 */
export interface PartitionsChange {
  assigned: TopicPartition[];
  revoked: TopicPartition[];
  owned: TopicPartition[];
}

export interface SubscribeOptions<C extends TopicCatalog, T extends TopicOf<C>> {
  /** Consumer group: members of one group split the partitions, each message goes to one of them. */
  groupId: string;
  topics: readonly T[];
  /**
   * Called once per message, started in offset order per partition (with the default `maxInFlight` of 1 one at a
   * time, so in order per key). Resolving marks the message done (its offset may be committed); throwing retries
   * it with backoff, then dead-letters it (a dead-lettered message is done too).
   */
  handler: (message: IncomingMessageOf<C, T>) => Promise<void>;
  /** Where a group without committed offsets starts: the earliest message (default) or only new ones. */
  fromBeginning?: boolean;
  retry?: Partial<RetryPolicy>;
  onPartitionsChanged?: (change: PartitionsChange) => void | Promise<void>;
  /**
   * How many messages of one partition may be handled at the same time (default 1; a positive integer).
   * Handlers start in offset order; each message is validated, retried and dead-lettered on its own. Above 1,
   * messages of one key may overlap and finish out of order: a consumer that needs per-key order serializes
   * per key itself. Offsets still become committable only up to the first message that is not done, so a crash
   * never skips one; a restart redelivers everything from there, including later messages that were done.
   */
  maxInFlight?: number;
  /**
   * `"auto"` (default): the bus commits done offsets by itself (periodically, after each batch, on stop and on
   * a rebalance). `"manual"`: the bus never commits; the consumer calls {@link Subscription.commit} with the
   * positions it has made durable. Until then a restart or a partition hand-over redelivers from the last
   * commit (or from the group's start position when nothing was committed yet). Kafka also rewinds a partition
   * this member keeps through a rebalance to its last commit. The member itself reads on past what it handled.
   */
  commit?: "auto" | "manual";
}

/** A consumer position to commit: `offset` is the NEXT offset to read (the handled message's offset + 1). */
export interface CommitPosition {
  topic: string;
  partition: number;
  /** Decimal string, as {@link IncomingMessage.offset}. */
  offset: string;
}

export interface DeadLetterSubscribeOptions<C extends TopicCatalog, T extends TopicOf<C>> {
  groupId: string;
  /** The original topics whose dead letters to read. */
  topics: readonly T[];
  handler: (deadLetter: DeadLetter) => Promise<void>;
  fromBeginning?: boolean;
}

export interface Subscription {
  readonly groupId: string;
  /**
   * Leaves the group gracefully: no new message is started, the in-flight ones finish, the offsets up to the
   * first message that is not done are committed (auto commit mode; manual mode commits nothing), and the
   * partitions pass to the remaining members. A message still being retried is not dead-lettered: it stays
   * uncommitted and is delivered again later.
   */
  stop(): Promise<void>;
  /**
   * Commits positions for the group; only with `commit: "manual"` (in `"auto"` mode it rejects: the bus commits
   * by itself and a manual commit would race it). Positions of partitions this member does not own right now
   * are ignored, and so is every call once `stop()` has begun (kafkajs cannot commit for a member that is
   * leaving: commit before stopping). Rejects when an offset is not a non-negative integer.
   */
  commit(positions: readonly CommitPosition[]): Promise<void>;
  /**
   * Resolves once, for every partition this member owns at the time of the call, every message below the
   * partition's end offset read at call time is done (handled or dead-lettered; in manual commit mode whether
   * or not it was committed). For an orderly shutdown: `await sub.caughtUp(); await sub.stop()`. Resolves at
   * once when nothing is owned or nothing is pending; a partition revoked meanwhile no longer counts (its new
   * owner carries on). Rejects when the subscription stops first. Kafka polls (every 25 ms); a group without
   * committed offsets that starts at the end (`fromBeginning: false`) counts there as caught up until it has
   * handled a message of the partition.
   */
  caughtUp(): Promise<void>;
}

/**
 * The message bus. Publishing validates every message against the topic's schema and either accepts the whole
 * batch or throws before sending anything. Consuming is at-least-once per consumer group.
 */
export interface Bus<C extends TopicCatalog> {
  readonly catalog: C;
  /** Creates missing topics (and their dead-letter topics) and connects. Idempotent. */
  start(): Promise<void>;
  publish<T extends TopicOf<C>>(
    topic: T,
    messages: readonly OutgoingMessage<PublishValueOf<C, T>>[],
  ): Promise<void>;
  subscribe<T extends TopicOf<C>>(options: SubscribeOptions<C, T>): Promise<Subscription>;
  subscribeDeadLetters<T extends TopicOf<C>>(
    options: DeadLetterSubscribeOptions<C, T>,
  ): Promise<Subscription>;
  /** The partition a key lands in (same function as Kafka's default partitioner). */
  partitionOf(topic: TopicOf<C>, key: string): number;
  /** Partition count of a topic as the bus uses it. */
  partitionsOf(topic: TopicOf<C>): number;
  /**
   * Per partition, the offset the next appended message gets (Kafka's high watermark; "0" on an empty
   * partition), as a decimal string.
   */
  endOffsets(topic: TopicOf<C>): Promise<Map<number, string>>;
  /** Stops every subscription gracefully, then disconnects. */
  close(): Promise<void>;
}
