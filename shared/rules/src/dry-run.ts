// The dry run shown when an alert is set: how often it would have fired over recorded history. It replays the
// alert as created (its levels, cooldown and options) through stepAlert, the matcher's own rules, over bars.
//
// A bar holds four prices but not their order, so each bar stands for four trades in one fixed order: the open,
// then the extreme nearer the open (the high on a tie), then the other extreme, then the close. A minute bar's
// trades are stamped 0, 15, 30 and 45 seconds into its minute, so cooldowns (a minute at least) and windows read
// them as live trades of that minute. A stock's daily bar's trades are spread over that day's regular session
// (9:30, 11:40, 13:50 and 15:59 New York), a crypto or forex pair's over its trading day (its start, 8 and 16 hours
// in, and its last minute; tradingDayStart): daily bars cannot tell a window's minutes or the regular session
// from the extended hours, so window and regular-hours-only alerts are replayed from minute bars only.
//
// A volume or indicator alert reads its study computed from the replayed trades as the pricing service computes
// it from live ones (close-series.ts, VolumeProfile): a daily indicator from the daily closes before each trade's
// day (recorded daily bars, a day replayed from minutes closing at its last trade) and the trade's price as the
// forming day's close; an hourly RSI from the replayed minutes' hourly closes; volume from the minute bars'
// volumes, a minute's volume counted at its close.
import type {
  Alert,
  AlertRuntimeState,
  Bar,
  BarResolution,
  StudyKey,
  TickStudies,
  WindowCondition,
} from "@tickerbell/contracts";
import { assetClassOf, hasVolume } from "./asset-class.ts";
import { type CloseSeries, dailyCloses, hourlyCloses } from "./close-series.ts";
import { tradingDayStart } from "./extreme.ts";
import {
  closesNeeded,
  type Indicator,
  indicatorFor,
  parseStudyKey,
  readsHourlyCloses,
} from "./indicators.ts";
import { isRegularHours, newYorkOffsetMs } from "./market-hours.ts";
import { type AlertRule, isSessionExtreme, ruleOf, runtimeStateOf } from "./runtime.ts";
import { stepAlert } from "./step.ts";
import { isStudyCondition, type StudyCondition, studyKeyOf } from "./studies.ts";
import { VolumeProfile } from "./volume-profile.ts";
import { bucketStart, type PriceWindowView, type WindowExtremes, windowStartOf } from "./window.ts";

/**
 * The cooldown of `repeat` without a duration. A one-shot alert is replayed as if it repeated with it: the dry run
 * tells how often the condition occurred, not only that it did once.
 */
export const DEFAULT_REPEAT_COOLDOWN_SECONDS = 3600;

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** Seconds into a minute bar of its four trades: open, nearer extreme, other extreme, close. */
const MINUTE_TRADE_OFFSETS_MS = [0, 15_000, 30_000, 45_000] as const;
/** New York wall-clock times of a daily bar's four trades, inside the regular session (9:30-16:00). */
const DAILY_TRADE_TIMES_MS = [
  9.5 * HOUR_MS,
  11 * HOUR_MS + 40 * MINUTE_MS,
  13 * HOUR_MS + 50 * MINUTE_MS,
  15 * HOUR_MS + 59 * MINUTE_MS,
] as const;
/** Offsets into the trading day of a crypto or forex pair's daily trades (it trades around the clock). */
const ROUND_THE_CLOCK_TRADE_OFFSETS_MS = [0, 8 * HOUR_MS, 16 * HOUR_MS, 24 * HOUR_MS - MINUTE_MS] as const;
/** How many bars dryRunAlert replays between two questions to `shouldStop`. */
const BARS_PER_CHECK = 512;

/** The parts of an alert record the dry run reads: its definition and the levels it was created with. */
export type DryRunAlert = Pick<
  Alert,
  | "symbol"
  | "condition"
  | "repeat"
  | "regularHoursOnly"
  | "referencePrice"
  | "thresholds"
  | "extreme"
  | "extremeSince"
  | "generation"
  | "phase"
  | "lastTriggeredAt"
  | "lastTriggerPrice"
  | "watch"
>;

export interface DryRunHistory {
  resolution: BarResolution;
  /** Bars oldest first, as the pricing service answers them. */
  bars: readonly Bar[];
  /**
   * The symbol's daily bars, oldest first, reaching back before `bars` as far as a daily indicator needs
   * (closesNeeded trading days): the closes it starts from. Only daily indicator alerts read them.
   */
  daily?: readonly Bar[];
}

export interface DryRunResult {
  firings: number;
  /** The trade of the latest firing; null when it would not have fired. */
  last: { ts: number; price: number } | null;
  /** Start of the first bar replayed (epoch ms). */
  coveredFrom: number;
  /** End of the last bar replayed (epoch ms). */
  coveredTo: number;
  resolution: BarResolution;
}

export interface DryRunOptions {
  /** Asked every few hundred bars: true abandons the replay (the caller's budget ran out). */
  shouldStop?: () => boolean;
}

/**
 * Whether an alert can be replayed from bars of this resolution (earnings never can: no price fires them; nor
 * 52-week highs and lows: the month's bars cannot tell what the 52-week range stood at on each of its days, and
 * today's range, which the month's prices never went beyond, would always answer none). Daily bars cannot replay
 * a window, a regular-hours-only alert, volume by the minute of the day or an hourly RSI.
 */
export function canDryRun(
  alert: Pick<Alert, "condition" | "regularHoursOnly">,
  resolution: BarResolution,
): boolean {
  const condition = alert.condition;
  if (condition.kind === "earnings") return false;
  if (condition.kind === "extreme" && condition.span === "52w") return false;
  if (resolution === "1m") return true;
  if (condition.kind === "volume") return false;
  if (condition.kind === "rsi" && condition.interval === "1h") return false;
  return condition.kind !== "window" && !alert.regularHoursOnly;
}

/**
 * How many days of daily bars before the replayed ones a daily indicator alert needs (its closes, weekends and a
 * few holidays around them); 0 for the other kinds.
 */
export function dailyBarsBeforeDays(condition: Alert["condition"]): number {
  const key = studyKeyOf(condition);
  if (key === null) return 0;
  const spec = parseStudyKey(key);
  if ("error" in spec || spec.kind === "volume" || readsHourlyCloses(spec)) return 0;
  return Math.ceil((closesNeeded(spec) * 7) / 5) + 10;
}

/**
 * Replays `alert` over `history` and counts its firings. Null when it cannot be replayed from these bars
 * (canDryRun), when there are none, or when `shouldStop` ended the replay. Pure: the same bars give the same answer.
 */
export function dryRunAlert(
  alert: DryRunAlert,
  history: DryRunHistory,
  options: DryRunOptions = {},
): DryRunResult | null {
  const replay = DryRunReplay.of(alert, history.resolution, history.daily);
  if (replay === null) return null;
  for (let from = 0; from < history.bars.length; from += BARS_PER_CHECK) {
    if (from > 0 && options.shouldStop?.()) return null;
    replay.replay(history.bars.slice(from, from + BARS_PER_CHECK));
  }
  if (options.shouldStop?.()) return null;
  return replay.result();
}

/**
 * One alert's replay, fed bars a batch at a time (oldest first), so a caller can hand the event loop back between
 * batches; dryRunAlert is the same in one go.
 *
 * The alert starts armed at the levels it was created with; a trailing alert starts its peak (trough) at the first
 * bar's open, since its level has no meaning apart from the path before it, and a session high (low) starts each
 * session at its first trade. Expiry is not replayed (it lies ahead). A volume or indicator alert whose study never
 * had a value over the bars (too little history before them) has no answer.
 */
export class DryRunReplay {
  readonly #resolution: BarResolution;
  readonly #symbol: string;
  readonly #rule: AlertRule;
  readonly #trailing: boolean;
  readonly #window: SlidingWindow | undefined;
  readonly #study: ReplayedStudy | undefined;
  #state: AlertRuntimeState;
  #firings = 0;
  #last: DryRunResult["last"] = null;
  #coveredFrom: number | null = null;
  #coveredTo: number | null = null;

  /**
   * The replay of `alert` over bars of `resolution`; null when those cannot replay it (canDryRun). `daily`: the
   * symbol's daily bars (DryRunHistory.daily), for a daily indicator.
   */
  static of(alert: DryRunAlert, resolution: BarResolution, daily: readonly Bar[] = []): DryRunReplay | null {
    return canDryRun(alert, resolution) ? new DryRunReplay(alert, resolution, daily) : null;
  }

  private constructor(alert: DryRunAlert, resolution: BarResolution, daily: readonly Bar[]) {
    this.#resolution = resolution;
    this.#symbol = alert.symbol;
    this.#rule = {
      ...ruleOf({ ...alert, expiresAt: null }),
      cooldownMs: (alert.repeat?.cooldownSeconds ?? DEFAULT_REPEAT_COOLDOWN_SECONDS) * 1000,
    };
    this.#state = runtimeStateOf({
      ...alert,
      generation: 0,
      phase: "armed",
      lastTriggeredAt: null,
      lastTriggerPrice: null,
    });
    // A session high (low) replays each past session from its first trade: the alert's own running extreme and
    // session are today's, and no past trade ends today's session.
    if (isSessionExtreme(alert.condition))
      this.#state = { ...this.#state, extreme: null, extremeSince: null };
    this.#trailing = alert.condition.kind === "trailing";
    this.#window = alert.condition.kind === "window" ? new SlidingWindow(alert.condition) : undefined;
    this.#study = isStudyCondition(alert.condition)
      ? new ReplayedStudy(alert.symbol, alert.condition, daily)
      : undefined;
  }

  /** Replays the next bars, oldest first, after those replayed before. */
  replay(bars: readonly Bar[]): void {
    for (const bar of bars) {
      if (this.#coveredFrom === null) {
        this.#coveredFrom = bar.t;
        if (this.#trailing) this.#state = { ...this.#state, referencePrice: bar.o, extreme: bar.o };
      }
      this.#coveredTo = barEnd(bar, this.#resolution);
      const trades = tradesOf(bar, this.#resolution, this.#symbol);
      for (const [i, trade] of trades.entries())
        this.#step(trade, this.#study?.at(trade.ts, trade.price, i === trades.length - 1 ? bar.v : 0));
    }
  }

  /** The answer so far; null before any bar. */
  result(): DryRunResult | null {
    if (this.#coveredFrom === null || this.#coveredTo === null) return null;
    if (this.#study !== undefined && !this.#study.hadValue) return null;
    return {
      firings: this.#firings,
      last: this.#last,
      coveredFrom: this.#coveredFrom,
      coveredTo: this.#coveredTo,
      resolution: this.#resolution,
    };
  }

  #step(trade: { price: number; ts: number }, studies: TickStudies | undefined): void {
    this.#window?.record(trade.ts, trade.price);
    const tick = studies === undefined ? trade : { ...trade, studies };
    const result = stepAlert(this.#rule, this.#state, tick, isRegularHours(trade.ts), this.#window);
    if (result.kind === "fired") {
      this.#firings++;
      this.#last = { ts: trade.ts, price: result.hit.price };
      // The cooldown is never null here, so a firing always leaves a next state.
      this.#state = result.next ?? this.#state;
    } else if (result.kind === "none") {
      this.#state = result.next;
    }
  }
}

/** The four trades a bar stands for, in the order documented at the top of this file. */
export function tradesOf(
  bar: Bar,
  resolution: BarResolution,
  symbol: string,
): { price: number; ts: number }[] {
  const highFirst = bar.h - bar.o <= bar.o - bar.l;
  const prices = highFirst ? [bar.o, bar.h, bar.l, bar.c] : [bar.o, bar.l, bar.h, bar.c];
  const times =
    resolution === "1m" ? MINUTE_TRADE_OFFSETS_MS.map((offset) => bar.t + offset) : dailyTimes(bar.t, symbol);
  return prices.map((price, i) => ({ price, ts: times[i]! }));
}

/** A daily bar's `t` is 00:00 UTC of its trading day's date (tradingDayOf): its trades inside that day. */
function dailyTimes(day: number, symbol: string): number[] {
  if (assetClassOf(symbol) !== "stock") {
    const start = tradingDayStart(symbol, Math.round(day / (24 * HOUR_MS)));
    return ROUND_THE_CLOCK_TRADE_OFFSETS_MS.map((offset) => start + offset);
  }
  // Midday's offset holds all session long (DST switches at 02:00).
  const offset = newYorkOffsetMs(day + 17 * HOUR_MS);
  return DAILY_TRADE_TIMES_MS.map((local) => day + local - offset);
}

/**
 * The study of a volume or indicator alert through a replay, trade by trade, as the pricing service computes it
 * for live ticks (SymbolStudies): the same close series and indicators, the same volume profile.
 */
class ReplayedStudy {
  readonly #key: StudyKey;
  readonly #closes: CloseSeries | undefined;
  readonly #indicator: Indicator | undefined;
  readonly #volume: VolumeProfile | undefined;
  /** Daily bars not yet taken into the closes (daily indicators only). */
  readonly #daily: readonly Bar[];
  #nextDaily = 0;
  hadValue = false;

  constructor(symbol: string, condition: StudyCondition, daily: readonly Bar[]) {
    this.#key = studyKeyOf(condition)!;
    const spec = parseStudyKey(this.#key);
    if ("error" in spec) throw new Error(spec.error);
    if (spec.kind === "volume") {
      this.#daily = [];
      this.#volume = hasVolume(symbol) ? new VolumeProfile(symbol) : undefined;
      return;
    }
    const hourly = readsHourlyCloses(spec);
    this.#daily = hourly ? [] : daily;
    this.#closes = hourly ? hourlyCloses() : dailyCloses(assetClassOf(symbol));
    this.#indicator = indicatorFor(spec);
    this.#closes.indicators.set(this.#key, this.#indicator);
  }

  /** The studies at a replayed trade; `volume`: what the trade adds to today's volume. */
  at(ts: number, price: number, volume: number): TickStudies | undefined {
    // A pair without volume (forex) has no volume study, as live.
    const studies =
      this.#closes !== undefined
        ? this.#indicatorAt(ts, price)
        : this.#volume !== undefined
          ? this.#volumeAt(ts, volume)
          : undefined;
    if (studies !== undefined) this.hadValue = true;
    return studies;
  }

  #volumeAt(ts: number, volume: number): TickStudies | undefined {
    const profile = this.#volume!;
    profile.add(ts, volume);
    const study = profile.study(ts);
    return "shortOf" in study ? undefined : { volume: study };
  }

  #indicatorAt(ts: number, price: number): TickStudies | undefined {
    const closes = this.#closes!;
    const bucket = closes.bucketOf(ts);
    // The recorded days before this trade's: the closes before the replay, and any day the bars skip.
    const daily = this.#daily;
    while (this.#nextDaily < daily.length && daily[this.#nextDaily]!.t < bucket) {
      const day = daily[this.#nextDaily++]!;
      closes.observeBucket(day.t, day.c);
    }
    closes.observe(ts, price);
    const value = this.#indicator!.live(price);
    return value !== null && Number.isFinite(value) ? { values: { [this.#key]: value } } : undefined;
  }
}

function barEnd(bar: Bar, resolution: BarResolution): number {
  return bar.t + (resolution === "1m" ? MINUTE_MS : 24 * HOUR_MS);
}

/**
 * The extremes of one alert's window over trades recorded in time order: what MinuteHistory answers (same minute
 * buckets, same window start), kept in two monotonic queues so a trade costs O(1) rather than a scan of the
 * window's minutes (up to 1,441 for a day's window, on every one of a month's trades).
 */
export class SlidingWindow implements PriceWindowView {
  readonly #windowSeconds: number;
  /** Minutes [start, high], highs falling from front to back; the same with lows rising. */
  readonly #highs: [number, number][] = [];
  readonly #lows: [number, number][] = [];
  #headHigh = 0;
  #headLow = 0;
  #now = Number.NEGATIVE_INFINITY;

  constructor(condition: Pick<WindowCondition, "windowSeconds">) {
    this.#windowSeconds = condition.windowSeconds;
  }

  /** Records a trade; a trade stamped before the latest one is filed under the latest minute, as MinuteHistory does. */
  record(ts: number, price: number): void {
    if (ts > this.#now) this.#now = ts;
    const minute = bucketStart(this.#now);
    push(this.#highs, this.#headHigh, minute, price, (held, added) => held <= added);
    push(this.#lows, this.#headLow, minute, price, (held, added) => held >= added);
  }

  windowExtremes(windowSeconds: number): WindowExtremes | null {
    if (windowSeconds !== this.#windowSeconds)
      throw new Error("a sliding window answers for its own length only");
    const from = windowStartOf(this.#now, windowSeconds);
    while (this.#headHigh < this.#highs.length && this.#highs[this.#headHigh]![0] < from) this.#headHigh++;
    while (this.#headLow < this.#lows.length && this.#lows[this.#headLow]![0] < from) this.#headLow++;
    const high = this.#highs[this.#headHigh];
    const low = this.#lows[this.#headLow];
    if (this.#headHigh > 4096) this.#headHigh = compact(this.#highs, this.#headHigh);
    if (this.#headLow > 4096) this.#headLow = compact(this.#lows, this.#headLow);
    return high && low ? { high: high[1], low: low[1] } : null;
  }
}

/** Adds `price` at `minute` to a monotonic queue: entries it dominates (`beaten`) leave from the back first. */
function push(
  queue: [number, number][],
  head: number,
  minute: number,
  price: number,
  beaten: (held: number, added: number) => boolean,
): void {
  while (queue.length > head && beaten(queue.at(-1)![1], price)) queue.pop();
  const back = queue.at(-1);
  // A minute already held with a better extreme keeps it; otherwise this minute joins at the back.
  if (queue.length > head && back![0] === minute) return;
  queue.push([minute, price]);
}

/** Drops a queue's consumed front; answers the new head (0). */
function compact(queue: [number, number][], head: number): number {
  queue.splice(0, head);
  return 0;
}
