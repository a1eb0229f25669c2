import type { Logger, Registry } from "@tickerbell/config";
import { deadLetterTopicOf, type TopicCatalog } from "@tickerbell/contracts";
import { assignCoPartitioned, diffAssignment, topicPartitionId } from "./assignment.ts";
import { encodeBatch, type RawMessage } from "./codec.ts";
import { consumeOne, StopSignal } from "./consume.ts";
import {
  type ConsumerSpec,
  catalogConsumer,
  commitPositionsFor,
  deadLetterConsumer,
  knownTopic,
} from "./consumer-spec.ts";
import { PartitionDispatcher } from "./in-flight.ts";
import { BusMetrics } from "./metrics.ts";
import { partitionForKey } from "./partitioner.ts";
import type {
  Bus,
  DeadLetterSubscribeOptions,
  MessageHeaders,
  OutgoingMessage,
  PublishValueOf,
  SubscribeOptions,
  Subscription,
  TopicOf,
  TopicPartition,
} from "./port.ts";

export interface InMemoryBusOptions<C extends TopicCatalog> {
  catalog: C;
  /** Partition count per topic, overriding the catalog's default. */
  partitions?: Partial<Record<TopicOf<C>, number>>;
  /**
   * Messages kept per partition that no consumer group reads yet (default 10000), so a topic nobody consumes
   * does not grow without bound. Once groups read a partition, what every one of them has committed is dropped.
   */
  retainUnconsumed?: number;
  metrics?: Registry;
  logger?: Logger;
}

/** How often (in commits per partition) consumed messages are dropped. */
const TRIM_EVERY = 256;
/** With maxInFlight > 1: how far past the first unfinished message a partition reads ahead at most. */
const MAX_LOOK_AHEAD = 1_000;

interface StoredMessage {
  key: string | null;
  value: string | null;
  headers: MessageHeaders;
  timestamp: number;
}

/**
 * One partition's messages. Offsets keep counting from 0 while consumed messages are dropped from the front,
 * so a long-running standalone process does not keep every tick it ever saw.
 */
class PartitionLog {
  /** Offset of the first retained message. */
  #base = 0;
  #messages: StoredMessage[] = [];
  readonly #waiters = new Set<() => void>();

  get startOffset(): number {
    return this.#base;
  }

  /** The offset the next appended message gets (Kafka's high watermark). */
  get endOffset(): number {
    return this.#base + this.#messages.length;
  }

  get retained(): number {
    return this.#messages.length;
  }

  at(offset: number): StoredMessage | undefined {
    return offset < this.#base ? undefined : this.#messages[offset - this.#base];
  }

  append(message: StoredMessage): void {
    this.#messages.push(message);
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
  }

  /** Drops every message before `offset`. */
  trimBefore(offset: number): void {
    const drop = Math.min(offset, this.endOffset) - this.#base;
    if (drop <= 0) return;
    this.#messages = this.#messages.slice(drop);
    this.#base += drop;
  }

  /** Resolves on the next append, or when the signal stops. */
  waitForAppend(signal: StopSignal): Promise<void> {
    if (signal.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        this.#waiters.delete(wake);
        unsubscribe();
        resolve();
      };
      const unsubscribe = signal.onStop(wake);
      this.#waiters.add(wake);
    });
  }
}

/** One member working one partition: starts messages in offset order, commits the contiguous done prefix. */
class PartitionWorker {
  readonly signal = new StopSignal();
  readonly done: Promise<void>;

  constructor(run: (signal: StopSignal) => Promise<void>) {
    this.done = run(this.signal);
  }

  stop(): Promise<void> {
    this.signal.stop();
    return this.done;
  }
}

interface Member {
  id: string;
  spec: ConsumerSpec;
  owned: TopicPartition[];
  workers: Map<string, PartitionWorker>;
  /** Per owned partition: every message below this offset is done (handled or dead-lettered). */
  doneUpTo: Map<string, number>;
  /** Wakes `caughtUp()` callers when `doneUpTo` or the ownership changes. */
  progressed: Wakeup;
}

/** Resolves everyone waiting in `next()` on each `wake()`. */
class Wakeup {
  #waiters: (() => void)[] = [];

  wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }

  next(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

class Group {
  readonly members: Member[] = [];
  /** Next offset to process, per topic:partition. */
  readonly committed = new Map<string, number>();
  memberSeq = 0;
  /** Membership changes are applied one at a time, like a group coordinator would. */
  queue: Promise<void> = Promise.resolve();
}

/**
 * The bus for the standalone single-process mode, with Kafka's semantics: topics split into partitions by the
 * same key hash, consumer groups whose members split the partitions (co-partitioned), offsets committed after
 * the handler succeeded, a leaving member's partitions handed over at their committed offsets, DLQs.
 * Nothing survives the process.
 */
export class InMemoryBus<C extends TopicCatalog> implements Bus<C> {
  readonly catalog: C;
  readonly #partitionOverrides: Partial<Record<string, number>>;
  readonly #topics = new Map<string, PartitionLog[]>();
  readonly #groups = new Map<string, Group>();
  readonly #subscriptions = new Set<Subscription>();
  readonly #metrics: BusMetrics;
  readonly #logger: Logger | undefined;
  readonly #retainUnconsumed: number;

  constructor(options: InMemoryBusOptions<C>) {
    this.catalog = options.catalog;
    this.#partitionOverrides = options.partitions ?? {};
    this.#metrics = new BusMetrics(options.metrics);
    this.#logger = options.logger;
    this.#retainUnconsumed = options.retainUnconsumed ?? 10_000;
  }

  async start(): Promise<void> {
    for (const name of Object.keys(this.catalog)) {
      this.#ensureTopic(name, this.partitionsOf(name));
      this.#ensureTopic(deadLetterTopicOf(name), 1);
    }
  }

  partitionsOf(topic: TopicOf<C>): number {
    const { partitions } = knownTopic(this.catalog, topic);
    return this.#partitionOverrides[topic] ?? partitions;
  }

  partitionOf(topic: TopicOf<C>, key: string): number {
    return partitionForKey(key, this.partitionsOf(topic));
  }

  async endOffsets(topic: TopicOf<C>): Promise<Map<number, string>> {
    knownTopic(this.catalog, topic);
    return new Map(this.#logsOf(topic).map((log, partition) => [partition, String(log.endOffset)]));
  }

  async publish<T extends TopicOf<C>>(
    topic: T,
    messages: readonly OutgoingMessage<PublishValueOf<C, T>>[],
  ): Promise<void> {
    const encoded = encodeBatch(knownTopic(this.catalog, topic), messages);
    this.#append(topic, encoded);
    this.#metrics.published.inc({ topic }, encoded.length);
  }

  /**
   * Appends payloads as they are, without validation, like a foreign or buggy producer would. For tests and
   * tools that need to put a poison message on a topic.
   */
  async publishUnvalidated(
    topic: string,
    messages: readonly { key: string | null; value: string | null; headers?: MessageHeaders }[],
  ): Promise<void> {
    this.#append(
      topic,
      messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers ?? {} })),
    );
  }

  subscribe<T extends TopicOf<C>>(options: SubscribeOptions<C, T>): Promise<Subscription> {
    return this.#join(catalogConsumer(this.catalog, options));
  }

  subscribeDeadLetters<T extends TopicOf<C>>(
    options: DeadLetterSubscribeOptions<C, T>,
  ): Promise<Subscription> {
    return this.#join(deadLetterConsumer(this.catalog, options));
  }

  async close(): Promise<void> {
    await Promise.all([...this.#subscriptions].map((s) => s.stop()));
  }

  #ensureTopic(name: string, partitions: number): PartitionLog[] {
    let logs = this.#topics.get(name);
    if (!logs) {
      logs = Array.from({ length: partitions }, () => new PartitionLog());
      this.#topics.set(name, logs);
    }
    return logs;
  }

  #logsOf(topic: string): PartitionLog[] {
    const known = this.#topics.get(topic);
    if (known) return known;
    const spec = this.catalog[topic];
    return this.#ensureTopic(topic, spec ? this.partitionsOf(topic) : 1);
  }

  #append(
    topic: string,
    messages: readonly { key: string | null; value: string | null; headers: MessageHeaders }[],
  ) {
    const logs = this.#logsOf(topic);
    let roundRobin = 0;
    for (const m of messages) {
      const partition = m.key === null ? roundRobin++ % logs.length : partitionForKey(m.key, logs.length);
      const log = logs[partition];
      if (!log) continue;
      log.append({ key: m.key, value: m.value, headers: { ...m.headers }, timestamp: Date.now() });
      if (
        log.retained > this.#retainUnconsumed + TRIM_EVERY &&
        this.#committedByAll({ topic, partition }) === undefined
      ) {
        log.trimBefore(log.endOffset - this.#retainUnconsumed);
      }
    }
  }

  /** Messages currently held for a topic (all partitions); for diagnostics and tests. */
  retainedMessages(topic: string): number {
    return (this.#topics.get(topic) ?? []).reduce((sum, log) => sum + log.retained, 0);
  }

  /** The lowest offset every group reading the partition has committed; undefined when no group reads it. */
  #committedByAll(tp: TopicPartition): number | undefined {
    const id = topicPartitionId(tp);
    let lowest: number | undefined;
    for (const group of this.#groups.values()) {
      // A group with no members does not hold messages back; if it returns, it resumes at the oldest kept one.
      if (group.members.length === 0) continue;
      const committed = group.committed.get(id);
      if (committed !== undefined && (lowest === undefined || committed < lowest)) lowest = committed;
    }
    return lowest;
  }

  #trim(tp: TopicPartition, log: PartitionLog): void {
    const committed = this.#committedByAll(tp);
    if (committed !== undefined) log.trimBefore(committed);
  }

  async #join(spec: ConsumerSpec): Promise<Subscription> {
    for (const topic of spec.topics) this.#logsOf(topic);
    let group = this.#groups.get(spec.groupId);
    if (!group) {
      group = new Group();
      this.#groups.set(spec.groupId, group);
    }
    const g = group;
    const member: Member = {
      id: `member-${String(++g.memberSeq).padStart(6, "0")}`,
      spec,
      owned: [],
      workers: new Map(),
      doneUpTo: new Map(),
      progressed: new Wakeup(),
    };
    await this.#changeMembership(g, () => g.members.push(member));

    let stopping: Promise<void> | undefined;
    const subscription: Subscription = {
      groupId: spec.groupId,
      stop: () => {
        stopping ??= (async () => {
          member.progressed.wake();
          await this.#changeMembership(g, () => g.members.splice(g.members.indexOf(member), 1));
          this.#subscriptions.delete(subscription);
        })();
        return stopping;
      },
      caughtUp: async () => {
        const targets = member.owned.map((tp) => ({
          id: topicPartitionId(tp),
          end: this.#logsOf(tp.topic)[tp.partition]?.endOffset ?? 0,
        }));
        for (;;) {
          if (stopping)
            throw new Error(`the subscription of group ${spec.groupId} stopped before it caught up`);
          const owned = new Set(member.owned.map(topicPartitionId));
          // A partition whose worker has not started yet counts from the group's committed offset.
          const behind = targets.filter(
            ({ id, end }) => owned.has(id) && (member.doneUpTo.get(id) ?? g.committed.get(id) ?? -1) < end,
          );
          if (behind.length === 0) return;
          await member.progressed.next();
        }
      },
      commit: async (positions) => {
        const mine = commitPositionsFor(spec, positions, member.owned);
        if (stopping) return;
        for (const { topic, partition, offset } of mine) {
          const tp = { topic, partition };
          g.committed.set(topicPartitionId(tp), Number(offset));
          const log = this.#topics.get(topic)?.[partition];
          if (log) this.#trim(tp, log);
        }
      },
    };
    this.#subscriptions.add(subscription);
    return subscription;
  }

  /** Applies a membership change and rebalances: revoked partitions drain first, then the new owners start. */
  #changeMembership(group: Group, change: () => void): Promise<void> {
    const next = group.queue.then(async () => {
      const before = new Set(group.members);
      change();
      const leavers = [...before].filter((m) => !group.members.includes(m));
      const counts = new Map<string, number>();
      for (const m of group.members) for (const t of m.spec.topics) counts.set(t, this.#logsOf(t).length);
      const assignment = assignCoPartitioned(
        group.members.map((m) => ({ memberId: m.id, topics: m.spec.topics })),
        counts,
      );
      const changes = [...group.members, ...leavers].map((member) => {
        const owned = assignment.get(member.id) ?? [];
        return { member, owned, ...diffAssignment(member.owned, owned) };
      });
      // Drain everything that moves before anyone starts on it, so no partition is worked twice at once.
      await Promise.all(
        changes.flatMap(({ member, revoked }) =>
          revoked.map(async (tp) => {
            const worker = member.workers.get(topicPartitionId(tp));
            member.workers.delete(topicPartitionId(tp));
            await worker?.stop();
          }),
        ),
      );
      await Promise.all(
        changes.map(async ({ member, owned, assigned, revoked }) => {
          member.owned = owned;
          for (const tp of revoked) member.doneUpTo.delete(topicPartitionId(tp));
          member.progressed.wake();
          if (assigned.length === 0 && revoked.length === 0) return;
          await member.spec.onPartitionsChanged?.({ assigned, revoked, owned });
          for (const tp of assigned) {
            member.workers.set(
              topicPartitionId(tp),
              new PartitionWorker((signal) => this.#work(group, member, tp, signal)),
            );
          }
        }),
      );
    });
    // A failing hook must not wedge the group for everyone after it.
    group.queue = next.catch((error: unknown) =>
      this.#logger?.error({ err: error }, "in-memory rebalance failed"),
    );
    return next;
  }

  async #work(group: Group, member: Member, tp: TopicPartition, signal: StopSignal): Promise<void> {
    const { spec } = member;
    const log = this.#logsOf(tp.topic)[tp.partition];
    if (!log) return;
    const id = topicPartitionId(tp);
    if (!group.committed.has(id))
      group.committed.set(id, spec.fromBeginning ? log.startOffset : log.endOffset);
    const lag = { topic: tp.topic, partition: String(tp.partition), group: spec.groupId };
    try {
      await this.#consume(group, member, tp, log, signal, lag);
    } finally {
      // The partition's next owner reports its lag from now on.
      this.#metrics.consumerLag.remove(lag);
    }
  }

  /**
   * Delivers one partition from the group's committed offset on: up to `maxInFlight` at once, started in offset
   * order, committing the contiguous done prefix. On stop nothing new starts and the running ones finish.
   */
  async #consume(
    group: Group,
    member: Member,
    tp: TopicPartition,
    log: PartitionLog,
    signal: StopSignal,
    lag: { topic: string; partition: string; group: string },
  ): Promise<void> {
    const { spec } = member;
    const id = topicPartitionId(tp);
    let next = Math.max(group.committed.get(id) ?? 0, log.startOffset);
    let doneUpTo = next;
    member.doneUpTo.set(id, doneUpTo);
    member.progressed.wake();
    const dispatcher = new PartitionDispatcher({
      limit: spec.maxInFlight,
      parent: signal,
      onPrefix: (lastDone) => {
        const before = doneUpTo;
        doneUpTo = Number(lastDone) + 1;
        member.doneUpTo.set(id, doneUpTo);
        member.progressed.wake();
        this.#metrics.consumerLag.set(lag, log.endOffset - doneUpTo);
        if (spec.commit === "manual") return;
        group.committed.set(id, doneUpTo);
        if (Math.floor(doneUpTo / TRIM_EVERY) > Math.floor(before / TRIM_EVERY)) this.#trim(tp, log);
      },
    });
    let appended: Promise<void> | undefined;
    try {
      while (!dispatcher.signal.stopped) {
        // Like a fetched Kafka batch, the look-ahead behind an unfinished message is bounded.
        if (!dispatcher.hasRoom() || next - doneUpTo >= MAX_LOOK_AHEAD) {
          await dispatcher.whenOneSettles();
          continue;
        }
        next = Math.max(next, log.startOffset);
        const stored = log.at(next);
        if (dispatcher.inFlight === 0) this.#metrics.consumerLag.set(lag, log.endOffset - doneUpTo);
        if (!stored) {
          appended ??= log.waitForAppend(dispatcher.signal).then(() => {
            appended = undefined;
          });
          await dispatcher.whenOneSettles(appended);
          continue;
        }
        const raw: RawMessage = { topic: tp.topic, partition: tp.partition, offset: String(next), ...stored };
        dispatcher.start(raw.offset, () =>
          consumeOne(spec, raw, {
            metrics: this.#metrics,
            logger: this.#logger,
            isStopping: () => dispatcher.signal.stopped,
            pause: (ms) => dispatcher.signal.sleep(ms),
            deadLetter: async (topic, message) => this.#append(topic, [message]),
          }),
        );
        next++;
      }
    } finally {
      await dispatcher.drain();
    }
  }
}
