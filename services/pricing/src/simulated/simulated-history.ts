import type { Bar } from "@tickerbell/contracts";
import { hasVolume, sessionAt } from "@tickerbell/rules";
import type { HistorySource } from "../domain/backfill.ts";
import { type BarPart, DAY_MS, MINUTE_MS, minuteStart } from "../domain/bars.ts";
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
  /** Each symbol's made-up past ends here: the minute it was made in, at the price it had then. */
  readonly #anchors = new Map<string, { to: number; close: number }>();

  constructor(feed: SimulatedFeed, options: { seed: number; marketHours: "real" | "always-open" }) {
    this.#feed = feed;
    this.#seed = options.seed;
    this.#alwaysOpen = options.marketHours === "always-open";
  }

  /**
   * Makes up the symbol's past once for this run, ending at its price at `now` (the minute it is in), and gives
   * the feed that past's last day (its quote's open, high, low and previous close). The first quote of a symbol
   * asks for it; a back-fill before any quote makes it too. Later asks find it made: every back-fill and quote
   * of the run tells the same past.
   */
  makePast(symbol: string, now: number): void {
    if (this.#anchors.has(symbol)) return;
    this.#feed.track(symbol);
    const anchor = { to: minuteStart(now), close: this.#feed.current(symbol)?.price ?? 100 };
    this.#anchors.set(symbol, anchor);
    // A week holds the last day that traded and the one before it, whatever the day of the week.
    this.#feed.adoptPast(symbol, this.#walkBack(symbol, anchor, anchor.to - 7 * DAY_MS));
  }

  async minutes(symbol: string, from: number, to: number, recorded: readonly Bar[] = []): Promise<BarPart[]> {
    this.makePast(symbol, to);
    const anchor = this.#anchors.get(symbol)!;
    const kept = recorded.filter((bar) => bar.t >= from && bar.t < to);
    const out =
      kept.length > 0 ? this.#between(symbol, kept, from, to) : this.#madeUp(symbol, anchor, from, to);
    this.#earliestOpen.set(symbol, out[0]?.o ?? kept[0]?.o ?? anchor.close);
    return out;
  }

  /** The past made up from nothing recorded: the walk back to the anchor, then the bridge on to the price now. */
  #madeUp(symbol: string, anchor: { to: number; close: number }, from: number, to: number): BarPart[] {
    const now = { to, close: this.#feed.current(symbol)?.price ?? anchor.close };
    return [
      ...this.#walkBack(symbol, anchor, from).filter((bar) => bar.t < to),
      ...this.#bent(symbol, anchor.close, now, Math.max(from, anchor.to)),
    ];
  }

  /**
   * The minutes around recorded ones (a restart's downtime, a run that stopped before its back-fill): each hole a
   * walk that starts at the close before it and ends at the open after it (the last one at the price now), so the
   * chart has no step at either edge. Before the first recorded minute, a walk back from its open.
   */
  #between(symbol: string, recorded: readonly Bar[], from: number, to: number): BarPart[] {
    const first = recorded[0]!;
    const out = this.#walkBack(symbol, { to: first.t, close: first.o }, from);
    for (let i = 0; i < recorded.length; i++) {
      const bar = recorded[i]!;
      const next = recorded[i + 1];
      const end = next
        ? { to: next.t, close: next.o }
        : { to, close: this.#feed.current(symbol)?.price ?? bar.c };
      out.push(...this.#bent(symbol, bar.c, end, bar.t + MINUTE_MS));
    }
    return out;
  }

  /**
   * The minutes from `from` to `end.to`: a walk back from `end.close`, bent so that it starts at `startClose` (a
   * symbol quoted a while before it is back-filled, unwatched meanwhile: from the past's last close to the price
   * now); charts then run on without a gap.
   */
  #bent(symbol: string, startClose: number, end: { to: number; close: number }, from: number): BarPart[] {
    const to = end.to;
    if (from >= to) return [];
    const bars = this.#walkBack(symbol, end, from);
    const first = bars[0];
    if (!first) return [];
    // A factor going from (startClose / walk's first open) at the first minute's start to 1 at `to`: each open
    // takes its minute's start's, each close its end's (so a close is still the next open), the wicks the wider.
    const gap = Math.log(startClose / first.o);
    const factorAt = (t: number) => Math.exp((gap * (to - t)) / (to - first.t));
    const round = (p: number) => Math.max(0.0001, Math.round(p * 10_000) / 10_000);
    return bars.map((bar) => {
      const start = factorAt(bar.t);
      const end = factorAt(bar.t + MINUTE_MS);
      return {
        ...bar,
        o: round(bar.o * start),
        h: round(bar.h * Math.max(start, end)),
        l: round(bar.l * Math.min(start, end)),
        c: round(bar.c * end),
      };
    });
  }

  /**
   * The minute bars from `from` up to the anchor, oldest first: a walk back from its close, seeded by the symbol
   * and the anchor's minute, so the same minutes come out whichever `from` asks (the walk goes back minute by
   * minute and stops there).
   */
  #walkBack(symbol: string, anchor: { to: number; close: number }, from: number): BarPart[] {
    const random = new SeededRandom(seedFor(this.#seed, `${symbol}:minutes:${anchor.to}`));
    const sigma = volatilityOf(symbol) / Math.sqrt(TRADING_YEAR_MINUTES);
    const out: BarPart[] = [];
    let close = anchor.close;
    for (let t = anchor.to - MINUTE_MS; t >= from; t -= MINUTE_MS) {
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
    return out.reverse();
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
