import type { Logger } from "@tickerbell/config";
import { type BarPart, DAY_MS, MINUTE_MS, minuteStart, tradingDay, tradingDayBounds } from "./bars.ts";
import type { BarStore } from "./ports.ts";

/** The history provider will not give history with these credentials (Finnhub's free plan answers 403). */
export class HistoryUnavailableError extends Error {
  constructor(detail: string) {
    super(`price history is not available from the provider: ${detail}`);
    this.name = "HistoryUnavailableError";
  }
}

/** Complete bars from before the stream, oldest first. */
export interface HistorySource {
  readonly name: string;
  /** Minute bars with `from <= t < to`. */
  minutes(symbol: string, from: number, to: number): Promise<BarPart[]>;
  /** Daily bars (`t` at 00:00 UTC of the trading day) with `from <= t < to`. */
  days(symbol: string, from: number, to: number): Promise<BarPart[]>;
}

interface StoredSpans {
  minutes: { first: number; last: number } | null;
  days: { first: number; last: number } | null;
}

export interface BackfillerOptions {
  source: HistorySource;
  store: BarStore;
  log: Logger;
  /** Trading days of minute history to fetch, today included (default 5). */
  minuteDays?: number;
  /** Days of daily history to fetch (default 400). */
  dailyDays?: number;
  now?: () => number;
}

/**
 * Fetches a symbol's history the first time it is asked for, one symbol at a time, and stores it under what
 * the stream records: only minutes before the one being streamed, only days before the first minute fetched
 * (those days are rolled up from their minutes). Once the provider refuses history for the key, it stops
 * asking: history then starts when a symbol is first watched. History already stored (the process restarted)
 * is not fetched again: only the minutes since the latest stored one, and no days when the stored days reach
 * back as far as a back-fill's would (a restart costs the REST budget nothing, a day away one call per symbol).
 */
export class Backfiller {
  readonly #o: BackfillerOptions;
  readonly #done = new Map<string, Promise<void>>();
  /** Per symbol: resolves once the provider has answered (or failed), before what it gave is written. */
  readonly #fetched = new Map<string, Promise<void>>();
  /** Per symbol: what the store already holds, read as the back-fill is asked for (a local read). */
  readonly #stored = new Map<string, Promise<StoredSpans>>();
  /**
   * The minute this process began: minutes stored from it on are the stream's own, recorded since; the gap to
   * fill runs from the last minute stored before it.
   */
  readonly #startMinute: number;
  #queue: Promise<void> = Promise.resolve();
  #unavailable = false;

  constructor(options: BackfillerOptions) {
    this.#o = options;
    this.#startMinute = minuteStart((options.now ?? Date.now)());
  }

  /** True once the provider said no: nothing more is asked. */
  get unavailable(): boolean {
    return this.#unavailable;
  }

  /** The symbol's back-fill (started now if it was not yet); resolves when it is stored, failed or skipped. */
  request(symbol: string): Promise<void> {
    const known = this.#done.get(symbol);
    if (known) return known;
    let fetched!: () => void;
    this.#fetched.set(symbol, new Promise<void>((resolve) => (fetched = resolve)));
    const stored = this.#storedSpans(symbol);
    this.#stored.set(symbol, stored);
    const run = this.#queue.then(async () => this.#backfill(symbol, await stored, fetched)).finally(fetched);
    this.#queue = run;
    this.#done.set(symbol, run);
    return run;
  }

  /**
   * For a request that asks for the symbol's bars: its back-fill (started now if it was not yet), waited for while
   * the provider answers, at most `providerWaitMs` (a slow provider holds no request for long), then until what it
   * gave is stored, a local write, so the answer holds it however long a busy machine takes to write it.
   */
  async awaitHistory(symbol: string, providerWaitMs: number): Promise<void> {
    const stored = this.request(symbol).catch(() => {});
    // What the store holds is read first, locally: the wait is the provider's (and the queue before it).
    await this.#stored.get(symbol);
    const fetched = this.#fetched.get(symbol) ?? Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const answered = await Promise.race([
      fetched.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), providerWaitMs);
      }),
    ]);
    clearTimeout(timer);
    if (answered) await stored;
  }

  /** The spans of the symbol's stored minutes and days; unknown (null) when the store cannot say. */
  async #storedSpans(symbol: string): Promise<StoredSpans> {
    const { store } = this.#o;
    try {
      const [minutes, days] = await Promise.all([
        store.storedSpan(symbol, "1m", this.#startMinute),
        store.storedSpan(symbol, "1d"),
      ]);
      return { minutes, days };
    } catch {
      return { minutes: null, days: null };
    }
  }

  async #backfill(symbol: string, stored: StoredSpans, fetched: () => void): Promise<void> {
    if (this.#unavailable) return;
    const { source, store, log } = this.#o;
    const now = (this.#o.now ?? Date.now)();
    const today = tradingDay(symbol, now);
    const minuteFrom = tradingDayBounds(symbol, today - ((this.#o.minuteDays ?? 5) - 1) * DAY_MS).start;
    const minuteTo = minuteStart(now);
    try {
      const dailyDays = this.#o.dailyDays ?? 400;
      const { minutes: storedMinutes, days: storedDays } = stored;
      // Minutes stored inside the window before this process: only those since the latest of them are missing.
      const gapFrom =
        storedMinutes !== null && storedMinutes.last >= minuteFrom
          ? storedMinutes.last + MINUTE_MS
          : minuteFrom;
      const minutes = gapFrom < minuteTo ? await source.minutes(symbol, gapFrom, minuteTo) : [];
      const firstDay = minutes.length > 0 ? tradingDay(symbol, Math.min(...minutes.map((m) => m.t))) : today;
      // Days stored as far back as a back-fill would reach (a week's slack for weekends and holidays): none asked.
      const daysStored = storedDays !== null && storedDays.first <= firstDay - (dailyDays - 7) * DAY_MS;
      const days = daysStored ? [] : await source.days(symbol, firstDay - dailyDays * DAY_MS, firstDay);
      fetched();
      await store.writeHistory([
        ...minutes.filter((m) => m.t >= minuteFrom && m.t < minuteTo),
        ...days.filter((d) => d.t < firstDay),
      ]);
      log.info(
        { symbol, minutes: minutes.length, days: days.length, source: source.name },
        "back-filled price history",
      );
    } catch (error) {
      if (error instanceof HistoryUnavailableError) {
        this.#unavailable = true;
        log.warn(
          { err: error },
          "the market data key has no access to candles: no back-fill, price history starts when a symbol is first watched",
        );
        return;
      }
      // Asked again on the next demand (e.g. after a restart or when the network is back).
      this.#done.delete(symbol);
      log.warn(
        { err: error, symbol },
        "back-filling price history failed; it is tried again on the next demand",
      );
    }
  }
}
