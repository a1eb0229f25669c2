import { hasVolume, sessionAt } from "@tickerbell/rules";
import type { HistorySource } from "../domain/backfill.ts";
import { type BarPart, DAY_MS, MINUTE_MS } from "../domain/bars.ts";
import { SeededRandom, seedFor } from "./prng.ts";
import type { SimulatedFeed } from "./simulated-feed.ts";
import { SIMULATED_BY_SYMBOL } from "./universe.ts";
import { MAX_TRADE_SIZE, TRADE_PROBABILITY } from "./volume.ts";

const TRADING_YEAR_MINUTES = 252 * 390;

/**
 * A plausible past for the simulated feed's walks, so a try-out has charts from the first minute: a seeded
 * random walk run backwards from the symbol's current simulated price, so history and stream meet. Minutes
 * trade when the symbol's simulated market does (a stock's sessions, extended hours included, crypto around the
 * clock, forex through the FX week; everything around the clock when always open), as many trades a minute as the
 * feed makes then, so today's volume and the typical volume of the past compare like for like (the past has no
 * busy-day surges); days are its trading days.
 */
export class SimulatedHistory implements HistorySource {
  readonly name = "simulated";
  readonly #feed: SimulatedFeed;
  readonly #seed: number;
  readonly #alwaysOpen: boolean;
  /** Where each symbol's minute history began: its daily history walks back from there. */
  readonly #earliestOpen = new Map<string, number>();

  constructor(feed: SimulatedFeed, options: { seed: number; marketHours: "real" | "always-open" }) {
    this.#feed = feed;
    this.#seed = options.seed;
    this.#alwaysOpen = options.marketHours === "always-open";
  }

  async minutes(symbol: string, from: number, to: number): Promise<BarPart[]> {
    this.#feed.track(symbol);
    const random = new SeededRandom(seedFor(this.#seed, `${symbol}:minutes:${to}`));
    const sigma = volatilityOf(symbol) / Math.sqrt(TRADING_YEAR_MINUTES);
    const out: BarPart[] = [];
    let close = this.#feed.current(symbol)?.price ?? 100;
    for (let t = to - MINUTE_MS; t >= from; t -= MINUTE_MS) {
      const session = this.#alwaysOpen ? "regular" : sessionAt(symbol, t);
      if (session === null) continue;
      const regular = session === "regular";
      const bar = backwardBar(
        symbol,
        "1m",
        t,
        MINUTE_MS,
        close,
        sigma * (regular ? 1 : 0.15),
        random,
        regular,
      );
      out.push(bar);
      close = bar.o;
    }
    this.#earliestOpen.set(symbol, close);
    out.reverse();
    // The quote's open, high, low and previous close are this past's from now on, as its charts show.
    this.#feed.adoptPast(symbol, out);
    return out;
  }

  async days(symbol: string, from: number, to: number): Promise<BarPart[]> {
    const random = new SeededRandom(seedFor(this.#seed, `${symbol}:days:${to}`));
    const sigma = volatilityOf(symbol) / Math.sqrt(252);
    const out: BarPart[] = [];
    let close = this.#earliestOpen.get(symbol) ?? this.#feed.current(symbol)?.price ?? 100;
    for (let t = to - DAY_MS; t >= from; t -= DAY_MS) {
      // 15:00 UTC is inside New York's regular session on every trading day, summer or winter (and inside the FX
      // week on every weekday; crypto trades every day).
      if (!this.#alwaysOpen && sessionAt(symbol, t + 15 * 3_600_000) !== "regular") continue;
      const bar = backwardBar(symbol, "1d", t, DAY_MS, close, sigma, random);
      out.push(bar);
      close = bar.o;
    }
    return out.reverse();
  }
}

function volatilityOf(symbol: string): number {
  return SIMULATED_BY_SYMBOL.get(symbol)?.volatility ?? 0.35;
}

/** A bar that closes at `close`, its open one random step earlier, with wicks and volume to match. */
function backwardBar(
  symbol: string,
  resolution: "1m" | "1d",
  t: number,
  spanMs: number,
  close: number,
  sigma: number,
  random: SeededRandom,
  regular = true,
): BarPart {
  const round = (p: number) => Math.max(0.01, Math.round(p * 10_000) / 10_000);
  const c = round(close);
  const o = round(close * Math.exp(-sigma * random.normal()));
  const h = round(Math.max(o, c) * (1 + Math.abs(random.normal()) * sigma * 0.5));
  const l = round(Math.min(o, c) * (1 - Math.abs(random.normal()) * sigma * 0.5));
  // A minute: about as many trades as the feed makes in one (a trade a second with its session's probability),
  // of its mean size; a day: a plausible count.
  const perSecond = regular ? TRADE_PROBABILITY.regular : TRADE_PROBABILITY.extended;
  const n =
    resolution === "1m"
      ? Math.max(1, Math.round(60 * perSecond * (0.75 + random.next() * 0.5)))
      : 20_000 + Math.floor(random.next() * 40_000);
  // Forex has no traded volume: its bars say 0, as recorded ones do.
  const v = hasVolume(symbol) ? Math.round(n * ((1 + MAX_TRADE_SIZE) / 2) * (0.8 + random.next() * 0.4)) : 0;
  return { symbol, resolution, t, o, h, l, c, v, n, openTs: t, closeTs: t + spanMs - 1 };
}
