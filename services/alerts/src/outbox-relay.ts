import { Counter, type Logger, type Registry } from "@tickerbell/config";
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

export interface OutboxRelayOptions {
  store: OutboxStore;
  publisher: AlertChangePublisher;
  /** Rows per claim and per publish (default 200). */
  batchSize?: number;
  /** How long an idle relay waits before looking again, unless notify() wakes it (default 250 ms). */
  idleWaitMs?: number;
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
 * Run one relay per database (the store's claim is not exclusive).
 */
export class OutboxRelay {
  readonly #store: OutboxStore;
  readonly #publisher: AlertChangePublisher;
  readonly #batchSize: number;
  readonly #idleWaitMs: number;
  readonly #maxBackoffMs: number;
  readonly #logger: Logger | undefined;
  readonly #relayed: Counter<never>;
  readonly #failures: Counter<never>;
  #running: Promise<void> | undefined;
  #stopping = false;
  #wake: (() => void) | undefined;

  constructor(options: OutboxRelayOptions) {
    this.#store = options.store;
    this.#publisher = options.publisher;
    this.#batchSize = options.batchSize ?? 200;
    this.#idleWaitMs = options.idleWaitMs ?? 250;
    this.#maxBackoffMs = options.maxBackoffMs ?? 10_000;
    this.#logger = options.logger;
    const registers = options.metrics ? [options.metrics] : [];
    this.#relayed =
      (options.metrics?.getSingleMetric("tickerbell_outbox_relayed_total") as Counter<never> | undefined) ??
      new Counter({
        name: "tickerbell_outbox_relayed_total",
        help: "Outbox rows published and marked",
        registers,
      });
    this.#failures =
      (options.metrics?.getSingleMetric("tickerbell_outbox_relay_failures_total") as
        | Counter<never>
        | undefined) ??
      new Counter({
        name: "tickerbell_outbox_relay_failures_total",
        help: "Relay rounds that failed (publish or mark) and will be retried",
        registers,
      });
  }

  /**
   * One round: claim the oldest unpublished rows, publish them, mark them. Returns how many were relayed.
   * Throws when publishing or marking fails; the rows then stay unpublished and the next round retries them.
   */
  async drainOnce(): Promise<number> {
    const rows = await this.#store.claimBatch(this.#batchSize);
    if (rows.length === 0) return 0;
    await this.#publisher.publish(TOPIC_ALERT_CHANGES, rows.map(toMessage));
    await this.#store.markPublished(rows.map((r) => r.id));
    this.#relayed.inc(rows.length);
    return rows.length;
  }

  /** Relays until stop(): drains while there is a backlog, then polls (or waits for notify()). */
  start(): void {
    if (this.#running) return;
    this.#stopping = false;
    this.#running = this.#loop();
  }

  /** Wakes an idle relay at once, e.g. right after the service committed a change. */
  notify(): void {
    this.#wake?.();
  }

  /** Finishes the round in progress and stops. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#running;
    this.#running = undefined;
  }

  async #loop(): Promise<void> {
    let backoff = 100;
    while (!this.#stopping) {
      try {
        const relayed = await this.drainOnce();
        backoff = 100;
        if (relayed < this.#batchSize) await this.#sleep(this.#idleWaitMs);
      } catch (error) {
        this.#failures.inc();
        this.#logger?.error({ err: error, retryInMs: backoff }, "outbox relay round failed; retrying");
        await this.#sleep(backoff);
        backoff = Math.min(this.#maxBackoffMs, backoff * 2);
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    if (this.#stopping) return Promise.resolve();
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
