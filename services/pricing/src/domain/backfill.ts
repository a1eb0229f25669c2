import type { Logger } from "@tickerbell/config";
import type { Bar, BarResolution } from "@tickerbell/contracts";
import {
  type BarPart,
  DAY_MS,
  MINUTE_MS,
  minuteStart,
  rollUpDaily,
  toBar,
  tradingDay,
  tradingDayBounds,
} from "./bars.ts";
import type { BackfillMark, BarStore } from "./ports.ts";

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
  /**
   * Minute bars with `from <= t < to`. `recorded`: the minutes stored in that span, oldest first; a source that
   * makes its past up fits it between them (a real one has no need: its minutes are the ones recorded).
   */
  minutes(symbol: string, from: number, to: number, recorded?: readonly Bar[]): Promise<BarPart[]>;
  /** Daily bars (`t` at 00:00 UTC of the trading day) with `from <= t < to`. */
  days(symbol: string, from: number, to: number): Promise<BarPart[]>;
}

interface StoredSpans {
  minutes: { first: number; last: number } | null;
  days: { first: number; last: number } | null;
  /** How far the symbol's earlier back-fills reached (null: none finished, or the store cannot say). */
  backfilledUntil: number | null;
  /** The minutes stored from where the back-fill starts (see {@link gapStart}), as it was asked for. */
  recorded: readonly Bar[];
}

/** The minutes a back-fill fetches, as of `now`: the trading days it keeps (today included), up to this minute. */
function minuteSpan(symbol: string, now: number, minuteDays: number): { from: number; to: number } {
  const today = tradingDay(symbol, now);
  return { from: tradingDayBounds(symbol, today - (minuteDays - 1) * DAY_MS).start, to: minuteStart(now) };
}

/**
 * Where a back-fill's minutes start: since the last back-fill that finished; without one, since the latest minute
 * stored before this process.
 */
function gapStart(stored: Omit<StoredSpans, "recorded">, minuteFrom: number): number {
  if (stored.backfilledUntil !== null) return Math.max(stored.backfilledUntil, minuteFrom);
  const last = stored.minutes?.last;
  return last !== undefined && last >= minuteFrom ? last + MINUTE_MS : minuteFrom;
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
 * is not fetched again: only the minutes since the last back-fill that finished (the first time, since the latest
 * stored minute), of which only those not stored are written, and no days when the stored days reach back as far
 * as a back-fill's would (a restart within the minute costs the REST budget nothing, later one call per symbol).
 * Starting from the last finished back-fill, not the latest minute, is what closes the hole a run leaves when
 * it streams a symbol and stops (or dies) before that symbol's back-fill is stored: its streamed minutes would
 * otherwise stand after the hole and hide it.
 */
export class Backfiller {
  readonly #o: BackfillerOptions;
  readonly #done = new Map<string, Promise<void>>();
  /** Per symbol: resolves once the provider has answered (or failed), before what it gave is written. */
  readonly #fetched = new Map<string, Promise<void>>();
  /** Per symbol: what the store already holds, read as the back-fill is asked for (a local read). */
  readonly #stored = new Map<string, Promise<StoredSpans>>();
  /** Per symbol: the history the provider gave that is still being written (see BackfillingBarStore). */
  readonly #unwritten = new Map<string, readonly BarPart[]>();
  /**
   * The minute this process began: minutes stored from it on are the stream's own, recorded since; the gap to
   * fill runs from the last minute stored before it.
   */
  readonly #startMinute: number;
  #queue: Promise<void> = Promise.resolve();
  #unavailable = false;
  #stopping = false;

  constructor(options: BackfillerOptions) {
    this.#o = options;
    this.#startMinute = minuteStart((options.now ?? Date.now)());
  }

  /**
   * Lets the back-fill under way finish storing (cut short, the next run would ask for it all again) and begins
   * no other (the next run's demand asks again, from where the symbol's last finished back-fill reached).
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#queue.catch(() => {});
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
   * the provider answers, at most `providerWaitMs` (a slow provider holds no request for long). Not for the write
   * that follows (seconds, for ten days of minutes into an embedded database): a read through
   * {@link BackfillingBarStore} holds what the provider gave meanwhile.
   */
  async awaitHistory(symbol: string, providerWaitMs: number): Promise<void> {
    const fetched = this.fetched(symbol);
    // What the store holds is read first, locally: the wait is the provider's (and the queue before it).
    await this.#stored.get(symbol);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      fetched,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, providerWaitMs);
      }),
    ]);
    clearTimeout(timer);
  }

  /**
   * Resolves once the provider has answered the symbol's back-fill (started now if it was not yet), or it failed
   * or was skipped: what it gave is readable through {@link BackfillingBarStore} from then on.
   */
  async fetched(symbol: string): Promise<void> {
    const run = this.request(symbol);
    // What the store holds is read first, locally: the wait is the provider's (and the queue before it).
    await this.#stored.get(symbol);
    await Promise.race([this.#fetched.get(symbol) ?? run, run]);
  }

  /** What the provider gave for the symbol that is not stored yet (written in batches); empty when none. */
  unwritten(symbol: string): readonly BarPart[] {
    return this.#unwritten.get(symbol) ?? [];
  }

  /**
   * What the store holds of the symbol (its spans, its mark, the minutes from where the back-fill starts); unknown
   * (null, none) when the store cannot say. All local reads, done before the provider is asked.
   */
  async #storedSpans(symbol: string): Promise<StoredSpans> {
    const { store } = this.#o;
    try {
      const [minutes, days, backfilledUntil] = await Promise.all([
        store.storedSpan(symbol, "1m", this.#startMinute),
        store.storedSpan(symbol, "1d"),
        store.backfilledUntil(symbol),
      ]);
      const spans = { minutes, days, backfilledUntil };
      const { from } = minuteSpan(symbol, (this.#o.now ?? Date.now)(), this.#o.minuteDays ?? 5);
      const recorded = await store.read(symbol, "1m", gapStart(spans, from), Number.MAX_SAFE_INTEGER);
      return { ...spans, recorded };
    } catch {
      return { minutes: null, days: null, backfilledUntil: null, recorded: [] };
    }
  }

  async #backfill(symbol: string, stored: StoredSpans, fetched: () => void): Promise<void> {
    if (this.#unavailable || this.#stopping) return;
    const { source, store, log } = this.#o;
    const now = (this.#o.now ?? Date.now)();
    const today = tradingDay(symbol, now);
    const { from: minuteFrom, to: minuteTo } = minuteSpan(symbol, now, this.#o.minuteDays ?? 5);
    try {
      const dailyDays = this.#o.dailyDays ?? 400;
      const storedDays = stored.days;
      const gapFrom = gapStart(stored, minuteFrom);
      const recorded = stored.recorded.filter((bar) => bar.t >= gapFrom && bar.t < minuteTo);
      const given = gapFrom < minuteTo ? await source.minutes(symbol, gapFrom, minuteTo, recorded) : [];
      // What the stream recorded stands (writeHistory would keep it too): only the holes around it are written.
      const recordedAt = new Set(recorded.map((bar) => bar.t));
      const minutes = given.filter((m) => !recordedAt.has(m.t));
      const firstDay = given.length > 0 ? tradingDay(symbol, Math.min(...given.map((m) => m.t))) : today;
      // Days stored as far back as a back-fill would reach (a week's slack for weekends and holidays): none asked.
      const daysStored = storedDays !== null && storedDays.first <= firstDay - (dailyDays - 7) * DAY_MS;
      const days = daysStored ? [] : await source.days(symbol, firstDay - dailyDays * DAY_MS, firstDay);
      const history = [
        ...minutes.filter((m) => m.t >= minuteFrom && m.t < minuteTo),
        ...days.filter((d) => d.t < firstDay),
      ];
      // Readable before it is stored: the bars of a first chart or dry run need not wait for the write.
      this.#unwritten.set(symbol, history);
      fetched();
      try {
        await store.writeHistory(history, { symbol, backfilledUntil: minuteTo });
      } finally {
        this.#unwritten.delete(symbol);
      }
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

/** Stored minutes with the fetched ones no stored minute holds (writeHistory keeps what is stored), oldest first. */
function withFetched(symbol: string, stored: readonly Bar[], fetched: readonly BarPart[]): BarPart[] {
  const byTime = new Map<number, BarPart>();
  for (const part of fetched) byTime.set(part.t, part);
  // A stored minute's first and last trades are inside it: its place among the minutes is all a roll-up reads.
  for (const bar of stored)
    byTime.set(bar.t, { ...bar, symbol, resolution: "1m", openTs: bar.t, closeTs: bar.t + MINUTE_MS - 1 });
  return [...byTime.values()].sort((a, b) => a.t - b.t);
}

/** Days before a trading day searched for its previous close among the bars being written (holidays, weekends). */
const PREVIOUS_CLOSE_SEARCH_MS = 14 * DAY_MS;

/**
 * The bar store as reads see it while a back-fill is being written: the history the provider gave is added to
 * what is stored, as writeHistory will store it. A stored minute, or a stored day the provider's days reach, wins;
 * a day the fetched minutes fall in is rolled up again from all its minutes, stored and fetched, so a write cut
 * part-way through reads the same. Writes go straight to the store.
 */
export class BackfillingBarStore implements BarStore {
  readonly #store: BarStore;
  readonly #backfiller: Pick<Backfiller, "unwritten">;

  constructor(store: BarStore, backfiller: Pick<Backfiller, "unwritten">) {
    this.#store = store;
    this.#backfiller = backfiller;
  }

  async read(symbol: string, resolution: BarResolution, from: number, to: number): Promise<Bar[]> {
    // Taken before the store is read: a write that ends meanwhile shows in both, and the stored bar wins.
    const pending = this.#backfiller.unwritten(symbol);
    if (pending.length === 0) return this.#store.read(symbol, resolution, from, to);
    const inRange = (bar: Bar) => bar.t >= from && bar.t < to;
    const fetchedMinutes = pending.filter((part) => part.resolution === "1m");
    if (resolution === "1m") {
      const stored = await this.#store.read(symbol, "1m", from, to);
      return withFetched(symbol, stored, fetchedMinutes.filter(inRange)).map(toBar);
    }
    // The days the fetched minutes fall in are rolled up again from all their minutes, stored and fetched, as
    // writeHistory does; the provider's days stand where no day is stored.
    const touched = new Set(
      fetchedMinutes.map((m) => tradingDay(symbol, m.t)).filter((t) => t >= from && t < to),
    );
    const byTime = new Map((await this.#store.read(symbol, "1d", from, to)).map((bar) => [bar.t, bar]));
    for (const day of pending)
      if (day.resolution === "1d" && inRange(day) && !byTime.has(day.t)) byTime.set(day.t, toBar(day));
    if (touched.size > 0) {
      const first = tradingDayBounds(symbol, Math.min(...touched)).start;
      const last = tradingDayBounds(symbol, Math.max(...touched)).end;
      const minutes = withFetched(symbol, await this.#store.read(symbol, "1m", first, last), fetchedMinutes);
      for (const day of rollUpDaily(minutes)) if (touched.has(day.t)) byTime.set(day.t, toBar(day));
    }
    return [...byTime.values()].sort((a, b) => a.t - b.t);
  }

  async previousClose(symbol: string, at: number): Promise<number | null> {
    if (this.#backfiller.unwritten(symbol).length === 0) return this.#store.previousClose(symbol, at);
    const day = tradingDay(symbol, at);
    const recent = await this.read(symbol, "1d", day - PREVIOUS_CLOSE_SEARCH_MS, day);
    return recent.at(-1)?.c ?? this.#store.previousClose(symbol, at);
  }

  write(parts: readonly BarPart[]): Promise<void> {
    return this.#store.write(parts);
  }
  writeHistory(bars: readonly BarPart[], mark?: BackfillMark): Promise<void> {
    return this.#store.writeHistory(bars, mark);
  }
  backfilledUntil(symbol: string): Promise<number | null> {
    return this.#store.backfilledUntil(symbol);
  }
  storedSpan(
    symbol: string,
    resolution: BarResolution,
    before?: number,
  ): Promise<{ first: number; last: number } | null> {
    return this.#store.storedSpan(symbol, resolution, before);
  }
  latestCloses(): Promise<Map<string, number>> {
    return this.#store.latestCloses();
  }
  sweep(cutoffs: { minuteBefore: number; dailyBefore: number }): Promise<{ minute: number; daily: number }> {
    return this.#store.sweep(cutoffs);
  }
  close(): Promise<void> {
    return this.#store.close();
  }
}
