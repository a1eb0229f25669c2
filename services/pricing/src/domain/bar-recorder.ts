import type { Logger } from "@tickerbell/config";
import type { PriceTick } from "@tickerbell/contracts";
import { type BarPart, DAY_MS, MinuteBarBuilder, mergeBarParts } from "./bars.ts";
import type { BarStore } from "./ports.ts";

export interface BarRecorderObserver {
  /** Minute bar parts the store accepted. */
  barsWritten(parts: number): void;
  barWriteFailed(): void;
  /** Parts given up because the buffer was full (the database has been too slow or away for that long). */
  barsDropped(parts: number): void;
  barsBuffered(parts: number): void;
  barsSwept(resolution: "1m" | "1d", bars: number): void;
}

export interface BarRetention {
  minuteDays: number;
  dailyDays: number;
}

export interface BarRecorderOptions {
  store: BarStore;
  log: Logger;
  retention: BarRetention;
  /** How often built bars go to the store (default 2 s). */
  flushEveryMs?: number;
  /** Most symbol-minutes waiting for the store; beyond it the oldest are dropped (default 100 000). */
  maxBuffered?: number;
  /** Most parts per store write (default 5 000). */
  maxBatch?: number;
  /** How often the retention sweep runs (default hourly). */
  sweepEveryMs?: number;
  now?: () => number;
  observer?: BarRecorderObserver;
}

/**
 * Records minute bars off the hot path: a tick only updates a bar in memory; a timer hands what was built to
 * the store in batches, one write at a time. A slow or absent database grows a bounded buffer, never the tick
 * path's latency; when the buffer is full the oldest parts are dropped, counted and logged.
 */
export class BarRecorder {
  readonly #o: BarRecorderOptions;
  readonly #builder = new MinuteBarBuilder();
  /** Parts waiting for the store, oldest first, one per symbol-minute. */
  #buffer = new Map<string, BarPart>();
  #writing: Promise<void> | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  #sweepTimer: NodeJS.Timeout | undefined;
  #failing = false;
  #stopped = false;
  #written = 0;
  /** When the oldest tick not yet handed to the buffer arrived (undefined: none since the last hand-over). */
  #builtSince: number | undefined;
  /** When the oldest tick behind what is buffered arrived (undefined: the buffer is empty). */
  #bufferedSince: number | undefined;

  constructor(options: BarRecorderOptions) {
    this.#o = options;
  }

  /** The hot path: no I/O, no await. */
  offer(tick: PriceTick): void {
    this.#builder.add(tick);
    this.#builtSince ??= this.#now();
  }

  start(): void {
    this.#flushTimer = setInterval(() => void this.flush(), this.#o.flushEveryMs ?? 2_000);
    this.#flushTimer.unref();
    this.#sweepTimer = setInterval(() => void this.sweep(), this.#o.sweepEveryMs ?? 3_600_000);
    this.#sweepTimer.unref();
    void this.sweep();
  }

  /** Parts the store has accepted since start. */
  get written(): number {
    return this.#written;
  }

  get buffered(): number {
    return this.#buffer.size;
  }

  /**
   * How long the oldest tick whose bar is not yet in the store has waited (0: everything is written). Between
   * flushes it climbs to the flush interval and falls back; a value that keeps climbing is writes falling behind.
   */
  unwrittenForMs(): number {
    const since = Math.min(this.#bufferedSince ?? Infinity, this.#builtSince ?? Infinity);
    return since === Infinity ? 0 : Math.max(0, this.#now() - since);
  }

  /** Writes what was built so far (one write in flight at a time); resolves when this round is done. */
  async flush(): Promise<void> {
    const built = this.#builder.drain();
    if (built.length > 0) this.#bufferedSince ??= this.#builtSince;
    this.#builtSince = undefined;
    this.#take(built);
    if (this.#writing) return this.#writing;
    this.#writing = this.#writeBuffered().finally(() => {
      this.#writing = undefined;
    });
    return this.#writing;
  }

  /** Deletes bars older than the retention periods. */
  async sweep(): Promise<void> {
    if (this.#stopped) return;
    const now = this.#now();
    const { minuteDays, dailyDays } = this.#o.retention;
    try {
      const gone = await this.#o.store.sweep({
        minuteBefore: now - minuteDays * DAY_MS,
        dailyBefore: now - dailyDays * DAY_MS,
      });
      this.#o.observer?.barsSwept("1m", gone.minute);
      this.#o.observer?.barsSwept("1d", gone.daily);
      if (gone.minute + gone.daily > 0) this.#o.log.info(gone, "swept price history past its retention");
    } catch (error) {
      // Cut short by stopping (the store closing under it) is no failure: the next start sweeps again.
      if (this.#stopped) return;
      this.#o.log.warn({ err: error }, "price history retention sweep failed; next try at the next sweep");
    }
  }

  /** Stops the timers and writes what is left, trying for at most `timeoutMs`. */
  async stop(timeoutMs = 5_000): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#flushTimer);
    clearInterval(this.#sweepTimer);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      (async () => {
        await this.flush();
        if (this.#buffer.size > 0 && !this.#failing) await this.flush();
      })(),
      new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (this.#buffer.size > 0) this.#o.log.warn({ parts: this.#buffer.size }, "stopping with unwritten bars");
  }

  #now(): number {
    return (this.#o.now ?? Date.now)();
  }

  /** Adds parts behind what is buffered, merging per symbol-minute, and enforces the bound. */
  #take(parts: readonly BarPart[]): void {
    for (const part of parts) {
      const key = `${part.symbol} ${part.t}`;
      const before = this.#buffer.get(key);
      this.#buffer.set(key, before ? mergeBarParts(before, part) : part);
    }
    const max = this.#o.maxBuffered ?? 100_000;
    const excess = this.#buffer.size - max;
    if (excess > 0) {
      let dropped = 0;
      const oldest: BarPart[] = [];
      for (const [key, part] of this.#buffer) {
        if (dropped >= excess) break;
        this.#buffer.delete(key);
        oldest.push(part);
        dropped++;
      }
      this.#o.observer?.barsDropped(dropped);
      this.#o.log.error(
        { dropped, from: oldest[0]?.t, to: oldest[oldest.length - 1]?.t, maxBuffered: max },
        "bar buffer full: the database is too slow or away; dropped the oldest minute bars",
      );
    }
    this.#o.observer?.barsBuffered(this.#buffer.size);
  }

  async #writeBuffered(): Promise<void> {
    const maxBatch = this.#o.maxBatch ?? 5_000;
    while (this.#buffer.size > 0) {
      const batch: BarPart[] = [];
      for (const [key, part] of this.#buffer) {
        if (batch.length >= maxBatch) break;
        batch.push(part);
        this.#buffer.delete(key);
      }
      try {
        await this.#o.store.write(batch);
        this.#written += batch.length;
        if (this.#buffer.size === 0) this.#bufferedSince = undefined;
        this.#o.observer?.barsWritten(batch.length);
        if (this.#failing) this.#o.log.info("writing price history again");
        this.#failing = false;
      } catch (error) {
        this.#o.observer?.barWriteFailed();
        if (!this.#failing)
          this.#o.log.error({ err: error }, "writing price history failed; buffering and retrying");
        this.#failing = true;
        // Back in front of what came since, for the next flush to retry.
        const newer = this.#buffer;
        this.#buffer = new Map();
        this.#take([...batch, ...newer.values()]);
        return;
      } finally {
        this.#o.observer?.barsBuffered(this.#buffer.size);
      }
    }
  }
}
