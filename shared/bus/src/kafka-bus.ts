import type { Logger, Registry } from "@tickerbell/config";
import { deadLetterTopicOf, type TopicCatalog } from "@tickerbell/contracts";
import {
  type Admin,
  AssignerProtocol,
  type EachBatchPayload,
  Kafka,
  type LogEntry,
  logLevel,
  type PartitionAssigner,
  Partitioners,
  type Producer,
} from "kafkajs";
import { assignCoPartitioned, diffAssignment, topicPartitionId } from "./assignment.ts";
import { encodeBatch } from "./codec.ts";
import { consumeOne, StopSignal } from "./consume.ts";
import {
  type ConsumerSpec,
  catalogConsumer,
  commitPositionsFor,
  deadLetterConsumer,
  knownTopic,
} from "./consumer-spec.ts";
import { PartitionDispatcher } from "./in-flight.ts";
import { toRawMessage } from "./kafka-message.ts";
import { quietKafkajsNegativeTimeouts } from "./kafkajs-warning.ts";
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

/**
 * Consumer knobs that trade latency against throughput and broker load. The defaults favour latency (a tick
 * should reach the matcher in milliseconds, not after a 5 s long-poll); the e2e bench measures them.
 */
export interface KafkaConsumerTuning {
  /** Longest the broker holds a fetch when fewer than minBytes are ready (kafkajs default 5000; here 100). */
  maxWaitTimeInMs?: number;
  /** Bytes the broker waits for before answering a fetch (default 1: answer as soon as anything arrives). */
  minBytes?: number;
  /** Upper bound of one fetch per partition (default 1 MiB). */
  maxBytesPerPartition?: number;
  /** Group session timeout: how long a silent member keeps its partitions (default 30000). */
  sessionTimeout?: number;
  /** Heartbeat period; also how fast a member notices a rebalance (default 3000). */
  heartbeatInterval?: number;
  /** How long the coordinator waits for members to rejoin during a rebalance (default 60000). */
  rebalanceTimeout?: number;
  /** Partitions one member processes in parallel (order stays per partition; default 1 for a 2-core box). */
  partitionsConsumedConcurrently?: number;
  /** Within a long batch, commit at least this often (ms). Offsets are always committed after each batch. */
  commitIntervalMs?: number;
}

export interface KafkaBusOptions<C extends TopicCatalog> {
  catalog: C;
  brokers: string[];
  clientId?: string;
  /** Partition count per topic when the bus creates it, overriding the catalog's default. */
  partitions?: Partial<Record<TopicOf<C>, number>>;
  /** Replication factor of the topics the bus creates (default 1, a single-broker cluster). */
  replicationFactor?: number;
  /** Partitions of each `<topic>.dlq` (default 1). */
  deadLetterPartitions?: number;
  /** Create missing topics on start (default true); false where topics are managed outside the services. */
  createTopics?: boolean;
  /** Producer acknowledgement: -1 = all in-sync replicas (default), 1 = leader only. */
  acks?: -1 | 1;
  /** The service's choice, with the operator's overrides (consumerTuningOf its env) spread over it. */
  consumer?: KafkaConsumerTuning;
  metrics?: Registry;
  /** kafkajs's own log lines go here at warn level and above; without a logger they are dropped. */
  logger?: Logger;
}

const DEFAULT_TUNING: Required<KafkaConsumerTuning> = {
  maxWaitTimeInMs: 100,
  minBytes: 1,
  maxBytesPerPartition: 1024 * 1024,
  sessionTimeout: 30_000,
  heartbeatInterval: 3_000,
  rebalanceTimeout: 60_000,
  partitionsConsumedConcurrently: 1,
  commitIntervalMs: 1_000,
};

const ASSIGNER_NAME = "TickerbellCoPartitioned";
/** How often `caughtUp` looks at the partitions' progress. */
const CAUGHT_UP_POLL_MS = 25;

/** The bus on Apache Kafka through kafkajs. */
export class KafkaBus<C extends TopicCatalog> implements Bus<C> {
  readonly catalog: C;
  readonly #options: KafkaBusOptions<C>;
  readonly #tuning: Required<KafkaConsumerTuning>;
  readonly #kafka: Kafka;
  readonly #producer: Producer;
  readonly #metrics: BusMetrics;
  readonly #logger: Logger | undefined;
  readonly #subscriptions = new Set<Subscription>();
  /** Partition counts as found on the cluster at start (what the producer's partitioner uses). */
  readonly #partitionCounts = new Map<string, number>();
  #started: Promise<void> | undefined;
  #adminClient: Promise<Admin> | undefined;

  constructor(options: KafkaBusOptions<C>) {
    this.catalog = options.catalog;
    this.#options = options;
    this.#tuning = { ...DEFAULT_TUNING, ...options.consumer };
    this.#metrics = new BusMetrics(options.metrics);
    this.#logger = options.logger;
    const logger = options.logger;
    quietKafkajsNegativeTimeouts();
    this.#kafka = new Kafka({
      clientId: options.clientId ?? "tickerbell",
      brokers: options.brokers,
      logLevel: logger ? logLevel.WARN : logLevel.NOTHING,
      ...(logger ? { logCreator: () => (entry: LogEntry) => logKafkajs(logger, entry) } : {}),
    });
    this.#producer = this.#kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
  }

  start(): Promise<void> {
    this.#started ??= (async () => {
      const admin = this.#kafka.admin();
      await admin.connect();
      try {
        if (this.#options.createTopics ?? true) await this.#createTopics(admin);
        const existing = new Set(await admin.listTopics());
        const names = Object.keys(this.catalog).filter((name) => existing.has(name));
        const missing = Object.keys(this.catalog).filter((name) => !existing.has(name));
        // Topics managed outside the services may appear later; until then the catalog's count is assumed.
        if (missing.length > 0)
          this.#logger?.warn({ topics: missing }, "topics do not exist (createTopics is off)");
        const { topics } =
          names.length > 0 ? await admin.fetchTopicMetadata({ topics: names }) : { topics: [] };
        for (const t of topics) this.#partitionCounts.set(t.name, t.partitions.length);
      } finally {
        await admin.disconnect();
      }
      await this.#producer.connect();
    })();
    this.#started.catch(() => {
      this.#started = undefined;
    });
    return this.#started;
  }

  partitionsOf(topic: TopicOf<C>): number {
    const { partitions } = knownTopic(this.catalog, topic);
    return this.#partitionCounts.get(topic) ?? this.#options.partitions?.[topic] ?? partitions;
  }

  partitionOf(topic: TopicOf<C>, key: string): number {
    return partitionForKey(key, this.partitionsOf(topic));
  }

  async endOffsets(topic: TopicOf<C>): Promise<Map<number, string>> {
    knownTopic(this.catalog, topic);
    const offsets = await (await this.#admin()).fetchTopicOffsets(topic);
    return new Map(offsets.map(({ partition, high }) => [partition, high]));
  }

  /**
   * For `caughtUp`: each partition's end offset now, and where the group stands on it before this member
   * handled anything there (its committed offset, else where a group without one starts).
   */
  async #startPositions(
    spec: ConsumerSpec,
    targets: readonly { topic: string; partition: number; id: string }[],
  ): Promise<{ ends: Map<string, bigint>; positions: Map<string, bigint> }> {
    const admin = await this.#admin();
    const topics = [...new Set(targets.map((tp) => tp.topic))];
    const ends = new Map<string, bigint>();
    const starts = new Map<string, bigint>();
    for (const topic of topics) {
      for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
        const id = topicPartitionId({ topic, partition });
        ends.set(id, BigInt(high));
        starts.set(id, BigInt(spec.fromBeginning ? low : high));
      }
    }
    const positions = new Map(starts);
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId: spec.groupId, topics })) {
      for (const { partition, offset } of partitions) {
        if (BigInt(offset) >= 0n) positions.set(topicPartitionId({ topic, partition }), BigInt(offset));
      }
    }
    return { ends, positions };
  }

  /** One admin connection for the bus's lifetime (offset look-ups), opened on first use. */
  #admin(): Promise<Admin> {
    if (!this.#adminClient) {
      const connecting = (async () => {
        await this.start();
        const admin = this.#kafka.admin();
        await admin.connect();
        return admin;
      })();
      this.#adminClient = connecting;
      connecting.catch(() => {
        if (this.#adminClient === connecting) this.#adminClient = undefined;
      });
    }
    return this.#adminClient;
  }

  async publish<T extends TopicOf<C>>(
    topic: T,
    messages: readonly OutgoingMessage<PublishValueOf<C, T>>[],
  ): Promise<void> {
    const encoded = encodeBatch(knownTopic(this.catalog, topic), messages);
    if (encoded.length === 0) return;
    await this.start();
    await this.#producer.send({ topic, messages: encoded, acks: this.#options.acks ?? -1 });
    this.#metrics.published.inc({ topic }, encoded.length);
  }

  /**
   * Sends payloads as they are, without validation, like a foreign or buggy producer would. For tests and
   * tools that need to put a poison message on a topic.
   */
  async publishUnvalidated(
    topic: string,
    messages: readonly { key: string | null; value: string | null; headers?: MessageHeaders }[],
  ): Promise<void> {
    await this.start();
    await this.#producer.send({
      topic,
      messages: messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers ?? {} })),
      acks: this.#options.acks ?? -1,
    });
  }

  subscribe<T extends TopicOf<C>>(options: SubscribeOptions<C, T>): Promise<Subscription> {
    return this.#run(catalogConsumer(this.catalog, options));
  }

  subscribeDeadLetters<T extends TopicOf<C>>(
    options: DeadLetterSubscribeOptions<C, T>,
  ): Promise<Subscription> {
    return this.#run(deadLetterConsumer(this.catalog, options));
  }

  async close(): Promise<void> {
    await Promise.all([...this.#subscriptions].map((s) => s.stop()));
    const admin = this.#adminClient;
    this.#adminClient = undefined;
    if (admin) await (await admin.catch(() => undefined))?.disconnect();
    if (this.#started) {
      await this.#started.catch(() => {});
      await this.#producer.disconnect();
    }
    this.#started = undefined;
  }

  async #createTopics(admin: Admin): Promise<void> {
    const replicationFactor = this.#options.replicationFactor ?? 1;
    const wanted = Object.entries(this.catalog).flatMap(([name, spec]) => [
      { topic: name, numPartitions: this.#options.partitions?.[name as TopicOf<C>] ?? spec.partitions },
      { topic: deadLetterTopicOf(name), numPartitions: this.#options.deadLetterPartitions ?? 1 },
    ]);
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t.topic));
    if (missing.length === 0) return;
    try {
      await admin.createTopics({
        topics: missing.map((t) => ({ ...t, replicationFactor })),
        waitForLeaders: true,
      });
    } catch (error) {
      // Another process created them between listTopics and createTopics: that is the idempotent outcome.
      if (!String((error as Error).message).includes("already exists")) throw error;
    }
  }

  async #run(spec: ConsumerSpec): Promise<Subscription> {
    await this.start();
    const tuning = this.#tuning;
    const consumer = this.#kafka.consumer({
      groupId: spec.groupId,
      partitionAssigners: [coPartitionedAssigner],
      sessionTimeout: tuning.sessionTimeout,
      heartbeatInterval: tuning.heartbeatInterval,
      rebalanceTimeout: tuning.rebalanceTimeout,
      maxWaitTimeInMs: tuning.maxWaitTimeInMs,
      minBytes: tuning.minBytes,
      maxBytesPerPartition: tuning.maxBytesPerPartition,
      allowAutoTopicCreation: false,
    });
    const signal = new StopSignal();
    let owned: TopicPartition[] = [];
    /** Per owned partition: every message below this offset is done (what `caughtUp` waits for). */
    const doneUpTo = new Map<string, bigint>();
    let assignmentReady: Promise<void> = Promise.resolve();
    const reportChange = (now: TopicPartition[]) => {
      const { assigned, revoked } = diffAssignment(owned, now);
      owned = now;
      for (const tp of revoked) doneUpTo.delete(topicPartitionId(tp));
      // Another member reports lag for these from now on.
      for (const tp of revoked) {
        this.#metrics.consumerLag.remove({
          topic: tp.topic,
          partition: String(tp.partition),
          group: spec.groupId,
        });
      }
      const hook = spec.onPartitionsChanged;
      if (!hook || (assigned.length === 0 && revoked.length === 0)) return;
      assignmentReady = assignmentReady
        .then(() => hook({ assigned, revoked, owned: now }))
        .catch((error: unknown) => this.#logger?.error({ err: error }, "onPartitionsChanged failed"));
    };
    let memberId: string | undefined;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      // A new member id means this member was expelled (e.g. a session timeout) and joined again: others may
      // have owned its partitions in between, so everything it held counts as lost before the new assignment.
      if (memberId !== undefined && payload.memberId !== memberId) reportChange([]);
      memberId = payload.memberId;
      reportChange(
        Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) =>
          partitions.map((partition) => ({ topic, partition })),
        ),
      );
    });

    await consumer.connect();
    try {
      await consumer.subscribe({ topics: spec.topics, fromBeginning: spec.fromBeginning });
      // Manual mode: kafkajs never commits (not on interval, after a batch or on a rebalance); resolved offsets
      // only move this member's fetch position on.
      const autoCommit = spec.commit === "auto";
      await consumer.run({
        autoCommit,
        autoCommitInterval: autoCommit ? tuning.commitIntervalMs : null,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: tuning.partitionsConsumedConcurrently,
        eachBatch: async (payload) => {
          await this.#untilAssignmentReady(() => assignmentReady, payload, signal);
          await this.#consumeBatch(spec, payload, signal, doneUpTo);
        },
      });
    } catch (error) {
      await consumer.disconnect().catch(() => {});
      throw error;
    }

    let stopping: Promise<void> | undefined;
    const subscription: Subscription = {
      groupId: spec.groupId,
      stop: () => {
        stopping ??= (async () => {
          signal.stop();
          // kafkajs waits for the in-flight batch handler, commits the resolved offsets, then leaves the group.
          await consumer.disconnect();
          reportChange([]);
          await assignmentReady;
          this.#subscriptions.delete(subscription);
        })();
        return stopping;
      },
      commit: async (positions) => {
        const mine = commitPositionsFor(spec, positions, owned);
        if (stopping || mine.length === 0) return;
        await consumer.commitOffsets(mine);
      },
      caughtUp: async () => {
        const targets = owned.map((tp) => ({ ...tp, id: topicPartitionId(tp) }));
        if (targets.length === 0) return;
        const stopped = () =>
          new Error(`the subscription of group ${spec.groupId} stopped before it caught up`);
        if (stopping) throw stopped();
        const { ends, positions } = await this.#startPositions(spec, targets);
        for (;;) {
          if (stopping) throw stopped();
          const ownedNow = new Set(owned.map(topicPartitionId));
          // What this member handled, else where the group stood when this was called.
          const behind = targets.filter(
            ({ id }) =>
              ownedNow.has(id) && (doneUpTo.get(id) ?? positions.get(id) ?? 0n) < (ends.get(id) ?? 0n),
          );
          if (behind.length === 0) return;
          await signal.sleep(CAUGHT_UP_POLL_MS);
        }
      },
    };
    this.#subscriptions.add(subscription);
    return subscription;
  }

  /**
   * Waits for the consumer's partition hook (e.g. the matcher loading its alerts) while heartbeating, so a slow
   * hook does not get this member expelled from its group while it still thinks it owns the partitions.
   */
  async #untilAssignmentReady(
    ready: () => Promise<void>,
    payload: EachBatchPayload,
    signal: StopSignal,
  ): Promise<void> {
    const heartbeatEveryMs = Math.max(100, Math.floor(this.#tuning.heartbeatInterval / 2));
    for (;;) {
      const current = ready();
      let done = false;
      void current.then(() => {
        done = true;
      });
      await Promise.race([current, signal.sleep(heartbeatEveryMs)]);
      if (done || signal.stopped) return;
      // The hook may take long (the alert service down); the next round waits on the latest chained change.
      await payload.heartbeat();
    }
  }

  /**
   * Works one fetched batch of one partition: up to `maxInFlight` deliveries at once, started in offset order;
   * only the contiguous done prefix is resolved (so only that can be committed). Returns when every message of
   * the batch is done, or, once stopping, when the running ones have finished; a heartbeat that reports a
   * rebalance (or a failed dead-letter send) stops the batch the same way, then comes out of here so kafkajs
   * rejoins the group.
   */
  async #consumeBatch(
    spec: ConsumerSpec,
    payload: EachBatchPayload,
    signal: StopSignal,
    doneUpTo: Map<string, bigint>,
  ): Promise<void> {
    const { batch } = payload;
    const id = topicPartitionId(batch);
    const lastInBatch = batch.messages.at(-1)?.offset;
    const highWatermark = BigInt(batch.highWatermark);
    const lagLabels = { topic: batch.topic, partition: String(batch.partition), group: spec.groupId };
    // While slow handlers run, wake up now and then to heartbeat.
    const heartbeatEveryMs = Math.max(100, Math.floor(this.#tuning.heartbeatInterval / 2));
    const dispatcher = new PartitionDispatcher({
      limit: spec.maxInFlight,
      parent: signal,
      wakeEveryMs: heartbeatEveryMs,
      onPrefix: (lastDone) => {
        // kafkajs maps the batch's last message to its last offset (transaction markers after it).
        payload.resolveOffset(lastDone);
        doneUpTo.set(id, BigInt(lastDone === lastInBatch ? batch.lastOffset() : lastDone) + 1n);
        this.#metrics.consumerLag.set(lagLabels, Number(highWatermark - BigInt(lastDone) - 1n));
      },
    });
    const isStopping = () => dispatcher.signal.stopped || !payload.isRunning() || payload.isStale();
    // After each message (and while waiting on slow ones): keep the membership alive, commit now and then.
    const tick = async () => {
      await payload.heartbeat();
      if (spec.commit === "auto") await payload.commitOffsetsIfNecessary();
    };
    try {
      for (const message of batch.messages) {
        while (!dispatcher.hasRoom() && !isStopping()) {
          await dispatcher.whenOneSettles();
          await tick().catch((error: unknown) => dispatcher.fail(error));
        }
        if (isStopping()) break;
        const raw = toRawMessage(batch.topic, batch.partition, message);
        dispatcher.start(message.offset, () =>
          consumeOne(spec, raw, {
            metrics: this.#metrics,
            logger: this.#logger,
            isStopping,
            pause: (ms) => dispatcher.signal.sleep(ms),
            keepAlive: () => payload.heartbeat(),
            deadLetter: async (topic, message) => {
              await this.#producer.send({ topic, messages: [message], acks: this.#options.acks ?? -1 });
            },
          }),
        );
      }
    } finally {
      // Also when starting failed: the running ones finish, and the ticker stops.
      await dispatcher.drain(tick);
    }
  }
}

/** kafkajs side of {@link assignCoPartitioned}: partition p of every subscribed topic to the same member. */
const coPartitionedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: ASSIGNER_NAME,
  version: 0,
  async assign({ members, topics }) {
    const subscriptions = members.map((m) => ({
      memberId: m.memberId,
      topics: AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.topics ?? topics,
    }));
    const counts = new Map(topics.map((t) => [t, cluster.findTopicPartitionMetadata(t).length]));
    const assignment = assignCoPartitioned(subscriptions, counts);
    return subscriptions.map(({ memberId }) => {
      const byTopic: Record<string, number[]> = {};
      for (const tp of assignment.get(memberId) ?? [])
        byTopic[tp.topic] = [...(byTopic[tp.topic] ?? []), tp.partition];
      return {
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 0,
          assignment: byTopic,
          userData: Buffer.alloc(0),
        }),
      };
    });
  },
  protocol({ topics }) {
    return {
      name: ASSIGNER_NAME,
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }),
    };
  },
});

function logKafkajs(logger: Logger, { level, log, namespace }: LogEntry): void {
  const { message, timestamp: _timestamp, logger: _logger, ...fields } = log;
  const entry = { component: "kafkajs", namespace, ...fields };
  if (level <= logLevel.ERROR) logger.error(entry, message);
  else if (level === logLevel.WARN) logger.warn(entry, message);
  else logger.debug(entry, message);
}
