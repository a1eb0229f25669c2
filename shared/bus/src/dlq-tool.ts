import { randomBytes } from "node:crypto";
import { deadLetterTopicOf } from "@tickerbell/contracts";
import { type Admin, Kafka, type KafkaMessage, logLevel } from "kafkajs";
import { DLQ_HEADERS } from "./codec.ts";
import { headersToStrings } from "./kafka-message.ts";
import type { MessageHeaders } from "./port.ts";

/**
 * The operator's view of the dead-letter topics (`npm run dlq`): list, show and redrive. Redriving commits its
 * progress as the consumer group {@link REDRIVE_GROUP} on the DLQ, so a dead letter is republished once however
 * often the tool runs; only a crash between a republish and its commit can send that batch again, which the
 * consumers absorb (they de-duplicate on triggerId and alert versions).
 */
export const REDRIVE_GROUP = "tickerbell-dlq-redrive";
/** Added to every redriven message: where it came from, so a dead letter that comes back shows its history. */
export const REDRIVEN_FROM_HEADER = "x-redriven-from";

/** A refusal the operator can act on; `exitCode` 2 is a usage error, 1 anything else. */
export class DlqToolError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = "DlqToolError";
    this.exitCode = exitCode;
  }
}

export interface DeadLetterEntry {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  /** The message's own headers, without the dead-letter ones. */
  headers: MessageHeaders;
  originalTopic: string;
  originalPartition: string;
  originalOffset: string;
  reason: string;
  error: string;
  attempts: string;
  group: string;
  /** When it was dead-lettered (the header; else the DLQ append time), ISO 8601. */
  failedAt: string;
  /** Below the redrive group's position: already republished. */
  redriven: boolean;
  /**
   * `partition:offset` of an earlier dead letter of the same original message (same topic, partition and
   * offset): the bus delivers at least once, so a rebalance or a retried send can dead-letter a message twice.
   * A redrive republishes each original once and passes its repeats over. Null for the first (or only) one.
   */
  repeatOf: string | null;
}

export interface DeadLetterListing {
  topic: string;
  deadLetterTopic: string;
  messages: DeadLetterEntry[];
  /** Messages a redrive would republish: neither redriven nor a repeat. */
  pending: number;
  /** Dead letters that repeat an earlier one's original message. */
  repeats: number;
}

export interface RedriveReport {
  deadLetterTopic: string;
  topic: string;
  redriven: DeadLetterEntry[];
  /** Repeats of a message republished before (in this redrive or an earlier one): passed over, not sent again. */
  skippedRepeats: DeadLetterEntry[];
}

export interface DlqToolOptions {
  brokers: string[];
  /** Longest a read may take (joining the group included) before the tool gives up (default 60 s). */
  timeoutMs?: number;
}

/** `prices.ticks` or `prices.ticks.dlq` → both names. */
export function dlqTopicNames(topic: string): { topic: string; deadLetterTopic: string } {
  const base = topic.endsWith(".dlq") ? topic.slice(0, -".dlq".length) : topic;
  return { topic: base, deadLetterTopic: deadLetterTopicOf(base) };
}

type Range = { partition: number; from: bigint; end: bigint };

export class DlqTool {
  readonly #brokers: string[];
  readonly #kafka: Kafka;
  readonly #timeoutMs: number;
  #admin: Admin | undefined;

  constructor(options: DlqToolOptions) {
    this.#brokers = options.brokers;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#kafka = new Kafka({
      clientId: "tickerbell-dlq",
      brokers: options.brokers,
      // An unreachable broker should be reported in seconds, not after kafkajs's minute of retries.
      connectionTimeout: 3_000,
      retry: { retries: 2, initialRetryTime: 300, maxRetryTime: 2_000 },
      logLevel: logLevel.NOTHING,
    });
  }

  async list(topic: string): Promise<DeadLetterListing> {
    const names = dlqTopicNames(topic);
    const ranges = await this.#ranges(names.deadLetterTopic, "earliest");
    const redrivenUpTo = await this.#redrivePositions(names.deadLetterTopic);
    const messages = markRepeats(await this.#read(names.deadLetterTopic, ranges, redrivenUpTo));
    return {
      ...names,
      messages,
      pending: messages.filter((m) => !m.redriven && m.repeatOf === null).length,
      repeats: messages.filter((m) => m.repeatOf !== null).length,
    };
  }

  async show(topic: string, at: { partition: number; offset: bigint }): Promise<DeadLetterEntry> {
    const { deadLetterTopic } = dlqTopicNames(topic);
    const ranges = await this.#ranges(deadLetterTopic, "earliest");
    const range = ranges.find((r) => r.partition === at.partition);
    if (!range || at.offset < range.from || at.offset >= range.end) {
      const holds = range
        ? range.end > range.from
          ? `it holds offsets ${range.from}-${range.end - 1n}`
          : "it is empty"
        : `it has partitions 0-${ranges.length - 1}`;
      throw new DlqToolError(
        `no message at offset ${at.offset} in partition ${at.partition} of ${deadLetterTopic} (${holds})`,
      );
    }
    const redrivenUpTo = await this.#redrivePositions(deadLetterTopic);
    // Everything kept before it too, to tell whether it repeats an earlier dead letter.
    const before = ranges.map((r) => (r.partition === at.partition ? { ...r, end: at.offset + 1n } : r));
    const entry = markRepeats(await this.#read(deadLetterTopic, before, redrivenUpTo)).find(
      (m) => m.partition === at.partition && m.offset === at.offset.toString(),
    );
    if (!entry) throw new DlqToolError(`offset ${at.offset} of ${deadLetterTopic} could not be read`);
    return entry;
  }

  /**
   * Republishes every dead letter past the redrive group's position to the original topic (same key, payload
   * and headers, plus {@link REDRIVEN_FROM_HEADER}), in order, committing the position after each batch is
   * acknowledged. Messages dead-lettered while it runs wait for the next redrive. Each original message is
   * republished once: a repeat of one republished before (see {@link DeadLetterEntry.repeatOf}) is passed over.
   */
  async redrive(topic: string): Promise<RedriveReport> {
    const names = dlqTopicNames(topic);
    const ranges = await this.#ranges(names.deadLetterTopic, "redrive");
    if (!(await (await this.#connectAdmin()).listTopics()).includes(names.topic))
      throw new DlqToolError(`the original topic ${names.topic} does not exist on the broker`);
    const redriven: DeadLetterEntry[] = [];
    const skippedRepeats: DeadLetterEntry[] = [];
    if (ranges.every((r) => r.from >= r.end)) return { ...names, redriven, skippedRepeats };
    // The originals an earlier redrive republished (the dead letters kept below the group's position).
    const sent = new Map<string, string>();
    const earlier = (await this.#ranges(names.deadLetterTopic, "earliest")).map((r) => ({
      ...r,
      end: ranges.find((p) => p.partition === r.partition)?.from ?? r.end,
    }));
    for (const m of await this.#read(names.deadLetterTopic, earlier, new Map())) {
      const original = originalOf(m);
      if (original !== null && !sent.has(original)) sent.set(original, `${m.partition}:${m.offset}`);
    }
    const producer = this.#kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      await this.#consume(REDRIVE_GROUP, names.deadLetterTopic, ranges, async (partition, batch, commit) => {
        const messages: KafkaMessage[] = [];
        for (const m of batch) {
          const entry = toEntry(partition, m, true);
          const original = originalOf(entry);
          const republished = original === null ? undefined : sent.get(original);
          if (republished === undefined) {
            if (original !== null) sent.set(original, `${partition}:${m.offset}`);
            messages.push(m);
          } else skippedRepeats.push({ ...entry, repeatOf: republished });
        }
        if (messages.length > 0)
          await producer.send({
            topic: names.topic,
            acks: -1,
            messages: messages.map((m) => ({
              key: m.key,
              value: m.value,
              headers: {
                ...ownHeaders(headersToStrings(m.headers)),
                [REDRIVEN_FROM_HEADER]: `${names.deadLetterTopic}/${partition}/${m.offset}`,
              },
            })),
          });
        // Only once the republish is acknowledged: a crash before this sends the batch again, never loses it.
        await commit();
        for (const m of messages) redriven.push(toEntry(partition, m, true));
      });
    } finally {
      await producer.disconnect();
    }
    return { ...names, redriven, skippedRepeats };
  }

  async close(): Promise<void> {
    await this.#admin?.disconnect();
    this.#admin = undefined;
  }

  async #connectAdmin(): Promise<Admin> {
    if (this.#admin) return this.#admin;
    const admin = this.#kafka.admin();
    try {
      await admin.connect();
    } catch (error) {
      throw new DlqToolError(`cannot reach Kafka at ${this.#brokers.join(",")}: ${causeOf(error)}`);
    }
    this.#admin = admin;
    return admin;
  }

  /** Per partition, where to start (the oldest retained message, or the redrive group's position) and the end. */
  async #ranges(deadLetterTopic: string, from: "earliest" | "redrive"): Promise<Range[]> {
    const admin = await this.#connectAdmin();
    const topics = await admin.listTopics();
    if (!topics.includes(deadLetterTopic)) {
      const known = topics.filter((t) => t.endsWith(".dlq")).sort();
      throw new DlqToolError(
        `no dead-letter topic ${deadLetterTopic} on the broker at ${this.#brokers.join(",")}; ${
          known.length > 0 ? `its dead-letter topics are ${known.join(", ")}` : "it has no dead-letter topics"
        }`,
      );
    }
    const offsets = await admin.fetchTopicOffsets(deadLetterTopic);
    const positions = from === "redrive" ? await this.#redrivePositions(deadLetterTopic) : new Map();
    return offsets
      .map(({ partition, low, high }) => {
        const committed = positions.get(partition) ?? -1n;
        // Retention may have dropped messages the redrive never reached: those are gone, start at the oldest kept.
        const start = committed > BigInt(low) ? committed : BigInt(low);
        return { partition, from: start, end: BigInt(high) };
      })
      .sort((a, b) => a.partition - b.partition);
  }

  async #redrivePositions(deadLetterTopic: string): Promise<Map<number, bigint>> {
    const admin = await this.#connectAdmin();
    const [group] = await admin.fetchOffsets({ groupId: REDRIVE_GROUP, topics: [deadLetterTopic] });
    const out = new Map<number, bigint>();
    for (const { partition, offset } of group?.partitions ?? []) {
      if (BigInt(offset) >= 0n) out.set(partition, BigInt(offset));
    }
    return out;
  }

  /** Reads the ranges with a throwaway group that commits nothing, and removes the group afterwards. */
  async #read(
    deadLetterTopic: string,
    ranges: Range[],
    redrivenUpTo: Map<number, bigint>,
  ): Promise<DeadLetterEntry[]> {
    const out: DeadLetterEntry[] = [];
    if (ranges.every((r) => r.from >= r.end)) return out;
    const groupId = `tickerbell-dlq-inspect-${randomBytes(4).toString("hex")}`;
    try {
      await this.#consume(groupId, deadLetterTopic, ranges, async (partition, messages) => {
        const upTo = redrivenUpTo.get(partition) ?? -1n;
        for (const m of messages) out.push(toEntry(partition, m, BigInt(m.offset) < upTo));
      });
    } finally {
      await (await this.#connectAdmin()).deleteGroups([groupId]).catch(() => {});
    }
    return out.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  }

  /**
   * Consumes each partition from `from` up to (not including) `end` as `groupId`, handing over each batch's
   * messages within the range; `commit` stores the position after the batch (only the redrive uses it).
   */
  async #consume(
    groupId: string,
    topic: string,
    ranges: Range[],
    onBatch: (partition: number, messages: KafkaMessage[], commit: () => Promise<void>) => Promise<void>,
  ): Promise<void> {
    const remaining = new Map(ranges.filter((r) => r.from < r.end).map((r) => [r.partition, r]));
    const consumer = this.#kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 200,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
    });
    let finish!: () => void;
    let fail!: (error: unknown) => void;
    const done = new Promise<void>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    const timer = setTimeout(
      () =>
        fail(
          new DlqToolError(
            `gave up reading ${topic} after ${Math.round(this.#timeoutMs / 1000)} s (is another "npm run dlq" holding its partitions?)`,
          ),
        ),
      this.#timeoutMs,
    );
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
          const range = remaining.get(batch.partition);
          if (!range) return;
          const wanted = batch.messages.filter((m) => {
            const offset = BigInt(m.offset);
            return offset >= range.from && offset < range.end;
          });
          const last = wanted.at(-1);
          if (last) {
            const next = BigInt(last.offset) + 1n;
            await onBatch(batch.partition, wanted, () =>
              consumer.commitOffsets([{ topic, partition: batch.partition, offset: next.toString() }]),
            );
            resolveOffset(last.offset);
            range.from = next;
          }
          await heartbeat();
          if (range.from >= range.end) remaining.delete(batch.partition);
          if (remaining.size === 0) finish();
        },
      });
      // Start each partition where asked, whatever the group committed before (or nothing, for a new group).
      for (const r of remaining.values())
        consumer.seek({ topic, partition: r.partition, offset: r.from.toString() });
      await done;
    } catch (error) {
      if (error instanceof DlqToolError) throw error;
      throw new DlqToolError(`reading ${topic} failed: ${causeOf(error)}`);
    } finally {
      clearTimeout(timer);
      await consumer.disconnect().catch(() => {});
    }
  }
}

function toEntry(partition: number, m: KafkaMessage, redriven: boolean): DeadLetterEntry {
  const headers = headersToStrings(m.headers);
  return {
    partition,
    offset: m.offset,
    key: m.key === null ? null : m.key.toString("utf8"),
    value: m.value === null ? null : m.value.toString("utf8"),
    headers: ownHeaders(headers),
    originalTopic: headers[DLQ_HEADERS.originalTopic] ?? "",
    originalPartition: headers[DLQ_HEADERS.originalPartition] ?? "",
    originalOffset: headers[DLQ_HEADERS.originalOffset] ?? "",
    reason: headers[DLQ_HEADERS.reason] ?? "unknown",
    error: headers[DLQ_HEADERS.error] ?? "",
    attempts: headers[DLQ_HEADERS.attempts] ?? "",
    group: headers[DLQ_HEADERS.group] ?? "",
    failedAt: headers[DLQ_HEADERS.failedAt] ?? new Date(Number(m.timestamp)).toISOString(),
    redriven,
    repeatOf: null,
  };
}

/** The original message a dead letter holds (`topic/partition/offset`); null when its headers do not say. */
function originalOf(entry: DeadLetterEntry): string | null {
  const { originalTopic, originalPartition, originalOffset } = entry;
  return originalTopic && originalPartition && originalOffset
    ? `${originalTopic}/${originalPartition}/${originalOffset}`
    : null;
}

/** Marks each dead letter (in DLQ order) that repeats an earlier one's original message. */
function markRepeats(entries: DeadLetterEntry[]): DeadLetterEntry[] {
  const first = new Map<string, string>();
  for (const entry of entries) {
    const original = originalOf(entry);
    if (original === null) continue;
    const earlier = first.get(original);
    if (earlier === undefined) first.set(original, `${entry.partition}:${entry.offset}`);
    else entry.repeatOf = earlier;
  }
  return entries;
}

/** The headers the message had before it was dead-lettered. */
function ownHeaders(headers: MessageHeaders): MessageHeaders {
  const dlq = new Set<string>(Object.values(DLQ_HEADERS));
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !dlq.has(name)));
}

/** kafkajs wraps the network error a few times; the innermost says what actually happened. */
function causeOf(error: unknown): string {
  let current = error as { message?: string; cause?: unknown; originalError?: unknown } | undefined;
  let message = String(current?.message ?? error);
  for (let depth = 0; current && depth < 5; depth++) {
    if (current.message) message = current.message;
    current = (current.originalError ?? current.cause) as typeof current;
  }
  return message;
}
