import type { PriceTick } from "@tickerbell/contracts";
import {
  type AssetClass,
  assetClassOf,
  isForexOpen,
  sessionEndsAt,
  tradingDayOf,
  type UsSession,
  usSessionAt,
} from "@tickerbell/rules";
import type { BarPart } from "../domain/bars.ts";
import { SeededRandom, seedFor } from "./prng.ts";
import { SIMULATED_BY_SYMBOL, SIMULATED_UNIVERSE } from "./universe.ts";
import { inSurge, MAX_TRADE_SIZE, SURGE_FACTOR, surgeOf, TRADE_PROBABILITY } from "./volume.ts";

/**
 * Milliseconds of trading in a year, the unit annualised volatility refers to: a stock's regular sessions (252
 * days x 6.5 h), crypto's whole year, forex's 260 days of 24 h.
 */
const TRADING_YEAR_MS: Record<AssetClass, number> = {
  stock: 252 * 6.5 * 3_600_000,
  crypto: 365 * 24 * 3_600_000,
  forex: 260 * 24 * 3_600_000,
};
/** Outside regular hours prices barely move and trade rarely; when the market is closed they do not at all. */
const EXTENDED_HOURS_VOLATILITY = 0.15;
/** After a long stall (a suspended laptop) the walk skips ahead instead of replaying hours of steps. */
const MAX_CATCH_UP_STEPS = 3_600;

export interface SimulatedFeedOptions {
  seed: number;
  /** Where every walk starts (epoch ms). Two feeds with the same seed and start produce the same ticks. */
  startMs: number;
  /** One step of every walk (default 1 s). */
  stepMs?: number;
  /**
   * `real` (default): stocks quiet outside US regular hours and still when closed, crypto around the clock, forex
   * through the FX week (Sunday to Friday 17:00 New York). `always-open`: everything trades as in regular hours
   * around the clock, so a try-out at night still sees prices move.
   */
  marketHours?: "real" | "always-open";
  /**
   * Market time per wall-clock time (default 1). At 60, a minute of walking moves prices as much as an hour of
   * a real market does: still a realistic path, just fast-forwarded, so a try-out sees alerts fire.
   */
  speed?: number;
}

export interface SimulatedPrice {
  symbol: string;
  price: number;
  open: number;
  high: number;
  low: number;
  previousClose: number;
  ts: number;
}

interface Walk {
  state: SimulatedPrice;
  volatility: number;
  random: SeededRandom;
  assetClass: AssetClass;
  /**
   * The trading day the state's open, high and low are for ends at this instant (a trade after it starts the next
   * day); that day's busy-day surge, if any.
   */
  dayEndsAt: number;
  surge: { fromMinute: number } | null;
}

/** What the feed reads of a bar of a symbol's made-up past: its time, open, high, low and close. */
type PastBar = Pick<BarPart, "t" | "o" | "h" | "l" | "c">;

/**
 * Geometric random walks, one per symbol, each seeded from (seed, symbol) so that a walk does not depend on
 * which other symbols exist or when anyone subscribed. Time only moves forward through `advanceTo`, which
 * makes the feed a pure function of the seed, the start time and the instants it is advanced to.
 */
export class SimulatedFeed {
  readonly #seed: number;
  readonly #stepMs: number;
  readonly #alwaysOpen: boolean;
  readonly #speed: number;
  readonly #walks = new Map<string, Walk>();
  /** Where walks go on from instead of their listed prices (see resumeFrom). */
  readonly #resumeAt = new Map<string, number>();
  #step: number;

  constructor(options: SimulatedFeedOptions) {
    this.#seed = options.seed;
    this.#stepMs = options.stepMs ?? 1_000;
    this.#alwaysOpen = options.marketHours === "always-open";
    this.#speed = options.speed ?? 1;
    this.#step = Math.floor(options.startMs / this.#stepMs);
    for (const instrument of SIMULATED_UNIVERSE) this.track(instrument.symbol);
  }

  get stepMs(): number {
    return this.#stepMs;
  }

  /** Starts a walk for a symbol outside the universe (at a seeded plausible price); universe symbols exist. */
  track(symbol: string): void {
    if (this.#walks.has(symbol)) return;
    const random = new SeededRandom(seedFor(this.#seed, symbol));
    const known = SIMULATED_BY_SYMBOL.get(symbol);
    const seeded = known?.price ?? Math.round((10 + random.next() * 290) * 100) / 100;
    const price = this.#resumeAt.get(symbol) ?? seeded;
    const ts = this.#step * this.#stepMs;
    // The walk starts in the day it is created in (its open, high and low are that day's from here on).
    this.#walks.set(symbol, {
      state: { symbol, price, open: price, high: price, low: price, previousClose: price, ts },
      volatility: known?.volatility ?? 0.35,
      random,
      assetClass: assetClassOf(symbol),
      dayEndsAt: sessionEndsAt(symbol, ts),
      surge: surgeOf(this.#seed, symbol, ts),
    });
  }

  /**
   * Each symbol's walk goes on from the given price (its last recorded one, after a restart) instead of its listed
   * price: otherwise a restarted try-out's prices jump back to the listed ones, which crosses alerts' levels and
   * puts a cliff in the charts. For walks already started (call it before the first advance) and walks started
   * later alike; a price that is not a positive number is ignored.
   */
  resumeFrom(prices: ReadonlyMap<string, number>): void {
    for (const [symbol, price] of prices) {
      if (!(price > 0) || !Number.isFinite(price)) continue;
      this.#resumeAt.set(symbol, price);
      const state = this.#walks.get(symbol)?.state;
      if (state) state.price = state.open = state.high = state.low = state.previousClose = price;
    }
  }

  /**
   * Takes the day's figures from the made-up past that ends at the walk's current price (the simulated history's
   * minutes up to now, oldest first): the open, high and low of its latest trading day (today's, or the last one
   * that traded, as a quote on a weekend shows), and the close of the day before as the previous close. A quote
   * then says what the history and charts show; without it the walk's day would start when the walk did.
   */
  adoptPast(symbol: string, bars: readonly PastBar[]): void {
    const walk = this.#walks.get(symbol);
    const last = bars.at(-1);
    if (!walk || !last) return;
    const day = tradingDayOf(symbol, last.t);
    let first = bars.length - 1;
    while (first > 0 && tradingDayOf(symbol, bars[first - 1]!.t) === day) first--;
    const s = walk.state;
    s.open = bars[first]!.o;
    s.high = s.price;
    s.low = s.price;
    for (let i = first; i < bars.length; i++) {
      s.high = Math.max(s.high, bars[i]!.h);
      s.low = Math.min(s.low, bars[i]!.l);
    }
    if (first > 0) s.previousClose = bars[first - 1]!.c;
    // The next trade after that day starts a new one from these figures.
    walk.dayEndsAt = sessionEndsAt(symbol, last.t);
    walk.surge = surgeOf(this.#seed, symbol, last.t);
  }

  current(symbol: string): SimulatedPrice | undefined {
    const walk = this.#walks.get(symbol);
    return walk ? { ...walk.state } : undefined;
  }

  /** Moves every walk forward to `nowMs` in whole steps and returns the trades that happened, in time order. */
  advanceTo(nowMs: number): PriceTick[] {
    const target = Math.floor(nowMs / this.#stepMs);
    if (target - this.#step > MAX_CATCH_UP_STEPS) this.#step = target - MAX_CATCH_UP_STEPS;
    const ticks: PriceTick[] = [];
    while (this.#step < target) {
      this.#step++;
      const ts = this.#step * this.#stepMs;
      // Each class trades its own hours: stocks the US session, crypto always, forex the FX week.
      const sessions: Record<AssetClass, UsSession> = this.#alwaysOpen
        ? { stock: "regular", crypto: "regular", forex: "regular" }
        : { stock: usSessionAt(ts), crypto: "regular", forex: isForexOpen(ts) ? "regular" : null };
      for (const walk of this.#walks.values()) {
        const session = sessions[walk.assetClass];
        if (session === null) continue;
        const regular = session === "regular";
        const sigma =
          Math.sqrt((this.#stepMs * this.#speed) / TRADING_YEAR_MS[walk.assetClass]) *
          (regular ? 1 : EXTENDED_HOURS_VOLATILITY);
        const probability = regular ? TRADE_PROBABILITY.regular : TRADE_PROBABILITY.extended;
        // Draw both numbers every step so a walk's path does not depend on whether it traded.
        const shock = walk.random.normal();
        const trades = walk.random.next() < probability;
        let volume = 1 + Math.floor(walk.random.next() * MAX_TRADE_SIZE);
        if (!trades) continue;
        const s = walk.state;
        // The first trade of a trading day opens it; the last price before it is its previous close.
        const opensDay = ts >= walk.dayEndsAt;
        if (opensDay) {
          walk.dayEndsAt = sessionEndsAt(s.symbol, ts);
          walk.surge = surgeOf(this.#seed, s.symbol, ts);
          s.previousClose = s.price;
        }
        if (inSurge(s.symbol, walk.surge, ts)) volume *= SURGE_FACTOR;
        const vol = walk.volatility * sigma;
        s.price = Math.max(
          0.0001,
          Math.round(s.price * Math.exp(vol * shock - (vol * vol) / 2) * 10_000) / 10_000,
        );
        if (opensDay) s.open = s.price;
        s.high = opensDay ? s.price : Math.max(s.high, s.price);
        s.low = opensDay ? s.price : Math.min(s.low, s.price);
        s.ts = ts;
        const tick: PriceTick = {
          v: 1,
          symbol: s.symbol,
          price: s.price,
          ts,
          previousClose: s.previousClose,
        };
        // Forex quotes carry no traded volume; a tick says none rather than a made-up one.
        if (walk.assetClass !== "forex") tick.volume = volume;
        ticks.push(tick);
      }
    }
    return ticks;
  }
}
