import { backoffMs, type Logger } from "@tickerbell/config";
import { ApiError } from "../clients/http.ts";
import { type StopLatch, StoppedError } from "./backoff.ts";
import type { DeliveryLog, DeliveryOutcomeRecord } from "./ports.ts";

export interface OutcomeRecorderOptions {
  log: DeliveryLog;
  logger: Logger;
  stop: StopLatch;
  /** A record waits at most this long for others to join its write (default 50 ms). */
  flushEveryMs?: number;
  /** A write goes out as soon as this many records wait (default 200). */
  maxBatch?: number;
  /** Writes in flight at once (default 4); more records wait and go in the next ones. */
  maxConcurrentWrites?: number;
  /** Backoff while the log is unreachable; writes retry until taken or stopped. */
  backoff?: { baseDelayMs: number; maxDelayMs: number };
}

interface Waiting {
  record: DeliveryOutcomeRecord;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for delivery outcomes: at most one write per `flushEveryMs` (the first after a quiet spell at
 * once), or sooner when `maxBatch` records wait; up to `maxConcurrentWrites` writes in flight. `record` resolves
 * once its write was taken, so the caller acknowledges the notification (commits its offset) only after its
 * outcome is durable. While the log is unreachable writes are
 * retried with backoff; a stop gives up on them (their notifications stay uncommitted and come again).
 */
export class OutcomeRecorder {
  readonly #log: DeliveryLog;
  readonly #logger: Logger;
  readonly #stop: StopLatch;
  readonly #flushEveryMs: number;
  readonly #maxBatch: number;
  readonly #maxWrites: number;
  readonly #backoff: { baseDelayMs: number; maxDelayMs: number };
  #waiting: Waiting[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #soon: ReturnType<typeof setImmediate> | undefined;
  #lastFlushAt = Number.NEGATIVE_INFINITY;
  #writes = 0;
  /** Writes attempted, for tests and metrics. */
  requests = 0;

  constructor(options: OutcomeRecorderOptions) {
    this.#log = options.log;
    this.#logger = options.logger;
    this.#stop = options.stop;
    this.#flushEveryMs = options.flushEveryMs ?? 50;
    this.#maxBatch = options.maxBatch ?? 200;
    this.#maxWrites = options.maxConcurrentWrites ?? 4;
    this.#backoff = options.backoff ?? { baseDelayMs: 250, maxDelayMs: 10_000 };
  }

  record(record: DeliveryOutcomeRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ record, resolve, reject });
      this.#schedule();
    });
  }

  /** Writes what waits now, window or not: the caller knows nothing else is about to be recorded. */
  flushSoon(): void {
    if (this.#waiting.length === 0 || this.#soon) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#soon = setImmediate(() => this.#flush());
  }

  /**
   * The next write: at once when the last one started at least `flushEveryMs` ago (a quiet bot records right
   * away, with whatever else this turn of the event loop records), else when that much time has passed since;
   * as soon as `maxBatch` wait in any case.
   */
  #schedule(): void {
    if (this.#waiting.length === 0) return;
    if (this.#waiting.length >= this.#maxBatch) {
      this.#flush();
      return;
    }
    if (this.#timer || this.#soon) return;
    const wait = this.#lastFlushAt + this.#flushEveryMs - Date.now();
    if (wait <= 0) this.#soon = setImmediate(() => this.#flush());
    else this.#timer = setTimeout(() => this.#flush(), wait);
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    clearImmediate(this.#soon);
    this.#soon = undefined;
    this.#lastFlushAt = Date.now();
    while (this.#waiting.length > 0 && this.#writes < this.#maxWrites) {
      const batch = this.#waiting.splice(0, this.#maxBatch);
      this.#writes++;
      void this.#write(batch).finally(() => {
        this.#writes--;
        // Records that waited for a free write (all were busy) get their turn.
        this.#schedule();
      });
    }
  }

  async #write(batch: Waiting[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        this.requests++;
        const refused = await this.#log.record(batch.map((w) => w.record));
        // Nothing to retry: the alert is gone, or it never notified on this platform.
        for (const r of refused) this.#logger.warn(r, "delivery log refused the record; not recording it");
        for (const w of batch) w.resolve();
        return;
      } catch (error) {
        if (isRefusedWhole(error)) {
          // Sending the same body again cannot help; the DMs went out, only their record is missing.
          this.#logger.error(
            { err: error, records: batch.length },
            "delivery log refused a batch of records",
          );
          for (const w of batch) w.resolve();
          return;
        }
        if (this.#stop.stopped) {
          this.#logger.warn({ err: error, records: batch.length }, "stopping: giving up recording outcomes");
          for (const w of batch) w.reject(new StoppedError("recording the delivery outcome"));
          return;
        }
        const delayMs = backoffMs(this.#backoff, attempt);
        this.#logger.warn(
          { err: error, attempt, delayMs, records: batch.length },
          "delivery log write failed, retrying",
        );
        await this.#stop.sleep(delayMs);
      }
    }
  }
}

/** A 4xx that is about the body, not about who or when (401, 403, 408 and 429 may pass, so they are retried). */
function isRefusedWhole(error: unknown): boolean {
  return (
    error instanceof ApiError &&
    error.status >= 400 &&
    error.status < 500 &&
    ![401, 403, 408, 429].includes(error.status)
  );
}
