import type { Logger } from "@tickerbell/config";
import {
  type Bar,
  MIN_VOLUME_SESSIONS,
  type PriceTick,
  type StudyGap,
  type StudyKey,
  type TickStudies,
} from "@tickerbell/contracts";
import {
  assetClassOf,
  type CloseSeries,
  closesNeeded,
  dailyCloses,
  hasVolume,
  hourlyCloses,
  indicatorFor,
  indicatorShortfall,
  parseStudyKey,
  readsHourlyCloses,
  VolumeProfile,
} from "@tickerbell/rules";
import { DAY_MS } from "./bars.ts";
import type { BarStore } from "./ports.ts";

/** What a symbol's studies are read from: its daily bars and its minute bars (oldest first). */
export interface StudyHistory {
  daily: readonly Bar[];
  minutes: readonly Bar[];
}

/**
 * One symbol's demanded studies, built from its recorded bars and kept up to date by its ticks: daily closes
 * (the symbol's recorded trading days, as GET /v1/bars shows them), hourly closes (clock hours, from minute bars)
 * and the volume profile (the rule book's trading days). A tick costs O(1) per study.
 */
export class SymbolStudies {
  readonly symbol: string;
  readonly keys: readonly StudyKey[];
  readonly #daily: CloseSeries;
  readonly #hourly = hourlyCloses();
  readonly #volume: VolumeProfile | undefined;
  readonly #wantsVolume: boolean;

  constructor(symbol: string, keys: readonly StudyKey[], history: StudyHistory) {
    this.symbol = symbol;
    this.keys = keys;
    // Asked on every tick: the symbol's asset class is looked up once.
    const assetClass = assetClassOf(symbol);
    this.#daily = dailyCloses(assetClass);
    this.#wantsVolume = keys.includes("volume");
    this.#volume = this.#wantsVolume && hasVolume(symbol) ? new VolumeProfile(symbol) : undefined;
    for (const key of keys) {
      const spec = parseStudyKey(key);
      if ("error" in spec || spec.kind === "volume") continue;
      const series = readsHourlyCloses(spec) ? this.#hourly : this.#daily;
      series.indicators.set(key, indicatorFor(spec));
    }
    if (this.#daily.indicators.size > 0)
      for (const bar of history.daily) this.#daily.observeBucket(bar.t, bar.c);
    const hourly = this.#hourly.indicators.size > 0;
    if (hourly || this.#volume)
      for (const bar of history.minutes) {
        if (hourly) this.#hourly.observe(bar.t, bar.c);
        this.#volume?.add(bar.t, bar.v);
      }
  }

  /** A trade: its price moves the forming bars, its volume today's. */
  observe(tick: PriceTick): void {
    this.#daily.observe(tick.ts, tick.price);
    this.#hourly.observe(tick.ts, tick.price);
    if (tick.volume !== undefined) this.#volume?.add(tick.ts, tick.volume);
  }

  /**
   * The demanded studies with the forming bars closing at `price` at `ts`; those not known yet are left out. The
   * tick path: O(1) per study, no gap told.
   */
  at(price: number, ts: number): TickStudies {
    return this.#compute(price, ts, undefined);
  }

  /** The studies at `price` and `ts`, and why any demanded one has no value. */
  read(price: number, ts: number): { studies: TickStudies; missing: StudyGap[] } {
    const missing: StudyGap[] = [];
    const studies = this.#compute(price, ts, missing);
    return { studies, missing };
  }

  #compute(price: number, ts: number, missing: StudyGap[] | undefined): TickStudies {
    this.#daily.advance(ts);
    this.#hourly.advance(ts);
    const studies: TickStudies = {};
    for (const series of [this.#daily, this.#hourly]) {
      for (const [key, indicator] of series.indicators) {
        const value = indicator.live(price);
        if (value !== null && Number.isFinite(value)) {
          studies.values ??= {};
          studies.values[key] = value;
        } else if (missing) {
          const spec = parseStudyKey(key);
          const need = "error" in spec || spec.kind === "volume" ? 1 : closesNeeded(spec);
          // The forming bar counts as one of the closes.
          const have = indicator.closed + 1;
          missing.push({
            key,
            reason: "history_too_short",
            have,
            need,
            message: indicatorShortfall(key, have) ?? `${key} has too little history`,
          });
        }
      }
    }
    if (!this.#wantsVolume) return studies;
    if (!this.#volume) {
      missing?.push({
        key: "volume",
        reason: "no_volume",
        have: 0,
        need: MIN_VOLUME_SESSIONS,
        message: "no volume is reported for currency pairs",
      });
      return studies;
    }
    const volume = this.#volume.study(ts);
    if (!("shortOf" in volume)) studies.volume = volume;
    else
      missing?.push({
        key: "volume",
        reason: "history_too_short",
        have: volume.sessions,
        need: MIN_VOLUME_SESSIONS,
        message: volume.shortOf,
      });
    return studies;
  }
}

export interface StudiesBookOptions {
  store: BarStore;
  log: Logger;
  now?: () => number;
  /**
   * Awaited before a symbol's bars are read: its back-fill (the history port's daily bars for days not recorded)
   * and the bar recorder's flush (so today's volume so far is in the store).
   */
  beforeLoad?: (symbol: string) => Promise<void>;
  /** Days of daily bars read (default 800: an EMA 200 warmed up over twice its period, weekends included). */
  dailyDays?: number;
  /** Days of minute bars read (default 30: 20 sessions of volume, and the hourly RSI's bars). */
  minuteDays?: number;
}

/**
 * The studies of every symbol whose active alerts need them: loaded from the bar store when the demand names
 * them, kept current by the ticks, and attached to each tick of those symbols before it is published.
 */
export class StudiesBook {
  readonly #o: StudiesBookOptions;
  readonly #books = new Map<string, SymbolStudies>();
  /** The keys wanted per symbol (sorted) and a load generation: a load finishing for an older want is dropped. */
  readonly #wanted = new Map<string, { signature: string; generation: number }>();
  readonly #loads = new Map<string, Promise<void>>();
  /** Symbols whose studies failed on a tick (logged once). */
  readonly #failed = new Set<string>();
  #generation = 0;

  constructor(options: StudiesBookOptions) {
    this.#o = options;
  }

  /** Symbols with loaded studies. */
  symbols(): string[] {
    return [...this.#books.keys()];
  }

  /** Resolves once the symbol's latest wanted studies are loaded (or failed to). */
  async loaded(symbol: string): Promise<void> {
    for (;;) {
      const load = this.#loads.get(symbol);
      if (!load) return;
      await load;
    }
  }

  /** Demands `keys` for `symbol` (none: forgets it); a new set of keys loads the symbol's history again. */
  want(symbol: string, keys: readonly StudyKey[]): void {
    const valid = [...new Set(keys)].filter((k) => !("error" in parseStudyKey(k))).sort();
    const signature = valid.join(",");
    const before = this.#wanted.get(symbol);
    if (before?.signature === signature) return;
    if (valid.length === 0) {
      this.#wanted.delete(symbol);
      this.#books.delete(symbol);
      return;
    }
    const generation = ++this.#generation;
    this.#wanted.set(symbol, { signature, generation });
    const load = this.#load(symbol, valid, generation).finally(() => {
      if (this.#loads.get(symbol) === load) this.#loads.delete(symbol);
    });
    this.#loads.set(symbol, load);
  }

  /**
   * The hot path: a tick of a symbol with studies moves them and goes out carrying their values at its price;
   * any other tick passes as it came. No I/O.
   */
  decorate(tick: PriceTick): PriceTick {
    const book = this.#books.get(tick.symbol);
    if (!book) return tick;
    try {
      book.observe(tick);
      const studies = book.at(tick.price, tick.ts);
      if (studies.values === undefined && studies.volume === undefined) return tick;
      return { ...tick, studies };
    } catch (error) {
      // A tick goes out whatever its studies do: without them its study alerts wait, price alerts do not.
      if (!this.#failed.has(tick.symbol)) {
        this.#failed.add(tick.symbol);
        this.#o.log.error(
          { err: error, symbol: tick.symbol },
          "computing studies failed; ticks go out without",
        );
      }
      return tick;
    }
  }

  /**
   * The studies `keys` of `symbol` at `price` now (GET /v1/studies): from the book when it holds them all, else
   * from the symbol's bars read for this question.
   */
  async read(
    symbol: string,
    keys: readonly StudyKey[],
    price: number,
  ): Promise<{ studies: TickStudies; missing: StudyGap[] }> {
    const now = this.#now();
    const held = this.#books.get(symbol);
    const book =
      held && keys.every((k) => held.keys.includes(k))
        ? held
        : new SymbolStudies(symbol, keys, await this.#history(symbol, keys));
    const { studies, missing } = book.read(price, now);
    const wanted = new Set(keys);
    return {
      studies: {
        ...(studies.values
          ? { values: Object.fromEntries(Object.entries(studies.values).filter(([k]) => wanted.has(k))) }
          : {}),
        ...(studies.volume && wanted.has("volume") ? { volume: studies.volume } : {}),
      },
      missing: missing.filter((gap) => wanted.has(gap.key)),
    };
  }

  async #load(symbol: string, keys: readonly StudyKey[], generation: number): Promise<void> {
    try {
      const book = new SymbolStudies(symbol, keys, await this.#history(symbol, keys));
      if (this.#wanted.get(symbol)?.generation !== generation) return;
      this.#books.set(symbol, book);
      this.#o.log.info({ symbol, studies: keys }, "studies loaded");
    } catch (error) {
      if (this.#wanted.get(symbol)?.generation !== generation) return;
      // Without studies the symbol's ticks go out bare (its study alerts wait); the next demand change retries.
      this.#wanted.delete(symbol);
      this.#o.log.warn({ err: error, symbol }, "loading studies failed; the next demand change retries");
    }
  }

  async #history(symbol: string, keys: readonly StudyKey[]): Promise<StudyHistory> {
    await this.#o.beforeLoad?.(symbol).catch(() => {});
    const now = this.#now();
    const needsDaily = keys.some((k) => k.startsWith("sma") || k.startsWith("ema") || k.endsWith(":1d"));
    const needsMinutes = keys.some((k) => k === "volume" || k.endsWith(":1h"));
    const [daily, minutes] = await Promise.all([
      needsDaily
        ? this.#o.store.read(symbol, "1d", now - (this.#o.dailyDays ?? 800) * DAY_MS, now + 1)
        : Promise.resolve([]),
      needsMinutes
        ? this.#o.store.read(symbol, "1m", now - (this.#o.minuteDays ?? 30) * DAY_MS, now + 1)
        : Promise.resolve([]),
    ]);
    return { daily, minutes };
  }

  #now(): number {
    return (this.#o.now ?? Date.now)();
  }
}
