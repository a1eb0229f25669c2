import { Backoff, type Counter, counterIn, gaugeIn, type Logger, type Registry } from "@tickerbell/config";
import { type AlertChangeEvent, AlertChangeEventSchema, TOPIC_ALERT_CHANGES } from "@tickerbell/contracts";
import type { z } from "zod";
import type { OutboxRow, OutboxStore } from "./domain/ports.ts";

/** Where relayed changes go: the Bus port of @tickerbell/bus satisfies this (KafkaBus or InMemoryBus). */
export interface AlertChangePublisher {
  /** Resolves once the bus has acknowledged every message of the batch. */
  publish(
    topic: typeof TOPIC_ALERT_CHANGES,
    messages: readonly { key: string; value: z.input<typeof AlertChangeEventSchema> }[],
  ): Promise<void>;
}

/** What wakes an idle relay: commits of outbox rows, in this process or (through the database) in another. */
export interface RelayWakeups {
  /** Calls `wake` after such commits from now on; resolves to the function that stops it. */
  subscribe(wake: () => void): Promise<() => Promise<void>>;
}

export interface OutboxRelayOptions {
  store: OutboxStore;
  publisher: AlertChangePublisher;
  /** Without it the relay only polls (and wakes on notify()). */
  wakeups?: RelayWakeups;
  /** Rows per claim and per publish (default 200). */
  batchSize?: number;
  /**
   * How long an idle relay waits before looking again (default 2 s). Wake-ups end the wait early; this poll
   * only covers a wake-up that got lost.
   */
  idleWaitMs?: number;
  /**
   * How long a relay that found another one holding the lease stands by before trying again (default: as
   * idleWaitMs). Wake-ups do not end it: the relay holding the lease publishes what they announce.
   */
  standbyWaitMs?: number;
  /** Cap of the backoff after failures (default 10 s; it starts at 100 ms and doubles). */
  maxBackoffMs?: number;
  logger?: Logger;
  metrics?: Registry;
}

/**
 * Publishes the outbox to `alerts.changes`, oldest row first, keyed by symbol, and marks rows published only
 * after the bus acknowledged them. A crash between the two re-publishes the batch on the next run: consumers
 * see duplicates (and drop them by `seq`), never a gap, and per symbol the order stays the commit order
 * because batches go out one after the other and a failed batch is retried before anything after it.
 * Every replica may run one: each batch is published under the store's lease, so only one relay of the
 * database publishes at a time; the others stand by and poll.
 */
export class OutboxRelay {
  readonly #store: OutboxStore;
  readonly #publisher: AlertChangePublisher;
  readonly #wakeups: RelayWakeups | undefined;
  readonly #batchSize: number;
  readonly #idleWaitMs: number;
  readonly #standbyWaitMs: number;
  readonly #maxBackoffMs: number;
  readonly #logger: Logger | undefined;
  readonly #relayed: Counter<never>;
  readonly #failures: Counter<never>;
  #running: Promise<void> | undefined;
  #stopping = false;
  #wake: (() => void) | undefined;
  /** A wake-up that came while the relay was busy: its next wait ends at once. */
  #woken = false;
  /** False while standing by or backing off: wake-ups then do not cut the wait short. */
  #wakeable = true;
  #unsubscribe: (() => Promise<void>) | undefined;

  constructor(options: OutboxRelayOptions) {
    this.#store = options.store;
    this.#publisher = options.publisher;
    this.#wakeups = options.wakeups;
    this.#batchSize = options.batchSize ?? 200;
    this.#idleWaitMs = options.idleWaitMs ?? 2000;
    this.#standbyWaitMs = options.standbyWaitMs ?? this.#idleWaitMs;
    this.#maxBackoffMs = options.maxBackoffMs ?? 10_000;
    this.#logger = options.logger;
    this.#relayed = counterIn(options.metrics, {
      name: "tickerbell_outbox_relayed_total",
      help: "Outbox rows published and marked",
    });
    this.#failures = counterIn(options.metrics, {
      name: "tickerbell_outbox_relay_failures_total",
      help: "Relay rounds that failed (publish or mark) and will be retried",
    });
    // Read from the database at each scrape: every replica reports the same backlog, whichever holds the lease.
    const store = this.#store;
    gaugeIn(options.metrics, {
      name: "tickerbell_outbox_pending_rows",
      help: "Outbox rows not yet published to alerts.changes",
      async collect() {
        this.set((await store.backlog()).rows);
      },
    });
    gaugeIn(options.metrics, {
      name: "tickerbell_outbox_oldest_pending_age_seconds",
      help: "Age of the oldest unpublished outbox row (0: none); growing means the relay is stuck",
      async collect() {
        const { oldestCreatedAt } = await store.backlog();
        this.set(oldestCreatedAt === null ? 0 : Math.max(0, (Date.now() - oldestCreatedAt.getTime()) / 1000));
      },
    });
  }

  /**
   * One round under the lease: publish the oldest unpublished rows, then mark them. Returns how many were
   * relayed, or null when another relay holds the lease. Throws when publishing or marking fails; the rows then
   * stay unpublished and the next round retries them.
   */
  async drainOnce(): Promise<number | null> {
    const relayed = await this.#store.relayBatch(this.#batchSize, (rows) =>
      this.#publisher.publish(TOPIC_ALERT_CHANGES, rows.map(toMessage)),
    );
    if (relayed) this.#relayed.inc(relayed);
    return relayed;
  }

  /** Relays until stop(): drains while there is a backlog, then waits for a wake-up (or the next poll). */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#stopping = false;
    this.#running = this.#loop();
    try {
      this.#unsubscribe = await this.#wakeups?.subscribe(() => this.notify());
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** Wakes an idle relay at once, e.g. right after the service committed a change. */
  notify(): void {
    this.#woken = true;
    if (this.#wakeable) this.#wake?.();
  }

  /** Finishes the round in progress and stops. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    const unsubscribe = this.#unsubscribe;
    this.#unsubscribe = undefined;
    await unsubscribe?.();
    await this.#running;
    this.#running = undefined;
  }

  async #loop(): Promise<void> {
    const backoff = new Backoff({ baseDelayMs: 100, maxDelayMs: this.#maxBackoffMs });
    while (!this.#stopping) {
      try {
        this.#woken = false;
        const relayed = await this.drainOnce();
        backoff.reset();
        if (relayed === null) {
          // Standing by: the relay holding the lease publishes what the wake-ups announce.
          await this.#sleep(this.#standbyWaitMs, { wakeable: false });
        } else if (relayed < this.#batchSize) {
          await this.#sleep(this.#idleWaitMs);
        }
      } catch (error) {
        this.#failures.inc();
        const retryInMs = backoff.next();
        this.#logger?.error({ err: error, retryInMs }, "outbox relay round failed; retrying");
        await this.#sleep(retryInMs, { wakeable: false });
      }
    }
  }

  #sleep(ms: number, { wakeable = true } = {}): Promise<void> {
    if (this.#stopping || (wakeable && this.#woken)) return Promise.resolve();
    this.#wakeable = wakeable;
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const relay = this;
      function done() {
        clearTimeout(timer);
        relay.#wake = undefined;
        resolve();
      }
      this.#wake = done;
    });
  }
}

function toMessage(row: OutboxRow): { key: string; value: AlertChangeEvent } {
  if (row.topic !== TOPIC_ALERT_CHANGES) {
    throw new Error(
      `outbox row ${row.id} is for ${row.topic}; this relay only publishes ${TOPIC_ALERT_CHANGES}`,
    );
  }
  return { key: row.key, value: AlertChangeEventSchema.parse(row.payload) };
}
