// The confirmation's dry run: "In the last 30 days this alert would have fired 3 times (last: …)". The rule book
// replays the new alert over the symbol's recorded bars (dryRunAlert); this fetches them and words the answer,
// within a budget: a slow pricing service or a long history never delays the reply, its line follows in an edit.
import { envInt } from "@tickerbell/config";
import type { Alert, Bar, BarResolution } from "@tickerbell/contracts";
import {
  canDryRun,
  DryRunReplay,
  type DryRunResult,
  dailyBarsBeforeDays,
  tradingDayOf,
} from "@tickerbell/rules";
import { z } from "zod";
import type { BarsLookup } from "../charts/chart-maker.ts";
import { formatPrice } from "../format/format.ts";
import { formatTime, type TimeDisplay } from "../format/time.ts";

const DAY_MS = 86_400_000;
/** How far back the dry run looks. */
export const DRY_RUN_DAYS = 30;
/**
 * The widest range of minute bars the pricing service answers in one request (BAR_RANGES). All are asked at once,
 * so they read the symbol's history as it stood at one moment, a back-fill under way included.
 */
const MINUTE_REQUEST_MS = 7 * DAY_MS;
/**
 * History that starts this close to the 30 days' start covers them: the first days of the range can hold no bars
 * for a reason other than a gap in recording (a long weekend, a holiday).
 */
const FULL_COVERAGE_SLACK_DAYS = 4;
/** Bars replayed between two turns of the event loop: a few milliseconds' work. */
const BARS_PER_BATCH = 2000;

/** The dry run's answers for new alerts: one per alert, in order, null where there is nothing to say. */
export type DryRunResults = (DryRunResult | null)[];

export interface DryRunAnswers {
  /** The answers in time for the reply (all null when the budget passed first). */
  now: DryRunResults;
  /**
   * When the budget passed before the answers were ready: the answers once they are, for an edit of the reply
   * (null where there is still nothing to say when the follow-up time is over). Null when `now` is all there is.
   * It may reject (the bars could not be read): the asker catches it.
   */
  later: Promise<DryRunResults> | null;
}

/** Answers how often new alerts would have fired. */
export interface DryRunner {
  /**
   * Several new alerts of one symbol (the levels of one command, or just one) within one budget over one fetch
   * of the bars; what is not ready in time may follow (`later`).
   */
  runEach(alerts: readonly Alert[]): Promise<DryRunAnswers>;
}

export interface BarDryRunOptions {
  bars: BarsLookup;
  /** Fetching and replaying together; past it the reply goes without the line. */
  budgetMs: number;
  /**
   * How much longer than the budget the dry run may go on for an edit of the reply that adds the line (default
   * FOLLOW_UP_MS; 0: none, the bars are abandoned at the budget).
   */
  followUpMs?: number;
  now?: () => number;
  /** Monotonic milliseconds for the deadline (default performance.now). */
  clock?: () => number;
}

/**
 * Which bars: minute bars, which are what the matcher saw (to the minute: a trade's order inside a minute is the
 * only guess), unless daily bars reach further back by more than a day. That happens where minute bars were
 * kept for less than 30 days (a symbol back-filled with 5 days of minutes and a year of days, a short
 * PRICE_HISTORY_MINUTE_DAYS); daily bars give four trades a day, so windows and regular-hours-only alerts, which
 * they cannot tell apart, stay on the minutes.
 */
export function chooseHistory(
  alert: Pick<Alert, "condition" | "regularHoursOnly">,
  minute: readonly Bar[],
  daily: readonly Bar[],
  now: number,
): { resolution: BarResolution; bars: readonly Bar[] } | null {
  const reach = (bars: readonly Bar[]) => (bars[0] === undefined ? 0 : now - bars[0].t);
  const dailyUsable = daily.length > 0 && canDryRun(alert, "1d");
  if (dailyUsable && reach(daily) > reach(minute) + DAY_MS) return { resolution: "1d", bars: daily };
  if (minute.length > 0 && canDryRun(alert, "1m")) return { resolution: "1m", bars: minute };
  return null;
}

/**
 * How long past its budget a dry run goes on for the edit that adds its line: a new symbol's first bars (read
 * while its back-fill is written) or a busy pricing service take a second or two, not ten.
 */
export const FOLLOW_UP_MS = 10_000;

/** Fetches the last 30 days of bars from the pricing service and replays the alert over them, within the budget. */
export class BarDryRun implements DryRunner {
  readonly #bars: BarsLookup;
  readonly #budgetMs: number;
  readonly #followUpMs: number;
  readonly #now: () => number;
  readonly #clock: () => number;

  constructor(options: BarDryRunOptions) {
    this.#bars = options.bars;
    this.#budgetMs = options.budgetMs;
    this.#followUpMs = options.followUpMs ?? FOLLOW_UP_MS;
    this.#now = options.now ?? Date.now;
    this.#clock = options.clock ?? (() => performance.now());
  }

  async runEach(alerts: readonly Alert[]): Promise<DryRunAnswers> {
    const none: DryRunResults = alerts.map(() => null);
    const first = alerts.find((alert) => canDryRun(alert, "1m"));
    if (first === undefined) return { now: none, later: null };
    const work = this.#answer(alerts, first.symbol, this.#budgetMs + this.#followUpMs);
    const inTime = await withinBudget(work, this.#budgetMs);
    if (inTime !== null) return { now: inTime, later: null };
    return { now: none, later: this.#followUpMs > 0 ? work : null };
  }

  /** Fetches the bars and replays each alert of `symbol` over them; past `limitMs` what is not answered stays null. */
  async #answer(alerts: readonly Alert[], symbol: string, limitMs: number): Promise<DryRunResults> {
    const results: DryRunResults = alerts.map(() => null);
    const deadline = this.#clock() + limitMs;
    const overLimit = () => this.#clock() > deadline;
    const now = this.#now();
    // Requests still under way once the fetch is settled (past the limit, or beside one that failed) are
    // abandoned: no one waits for their bars any more. Aborting the finished ones changes nothing.
    const abandon = new AbortController();
    const ofSymbol = alerts.filter((alert) => alert.symbol === symbol);
    const dailyServesAll = ofSymbol.every((alert) => canDryRun(alert, "1d"));
    // A daily indicator starts from the closes before the 30 days.
    const dailyBeforeDays = Math.max(0, ...ofSymbol.map((alert) => dailyBarsBeforeDays(alert.condition)));
    let fetched: { minute: Bar[]; daily: Bar[] } | null;
    try {
      fetched = await withinBudget(
        this.#fetch(symbol, now, abandon.signal, dailyServesAll, dailyBeforeDays),
        limitMs,
      );
    } finally {
      abandon.abort();
    }
    if (fetched === null || overLimit()) return results;
    const from = now - DRY_RUN_DAYS * DAY_MS;
    const recentDaily = fetched.daily.filter((bar) => bar.t >= from);
    for (const [i, alert] of alerts.entries()) {
      if (alert.symbol !== symbol) continue;
      const history = chooseHistory(alert, fetched.minute, recentDaily, now);
      const replay = history && DryRunReplay.of(alert, history.resolution, fetched.daily);
      if (!history || !replay) continue;
      // A batch at a time, handing the event loop back in between: other users' commands and DMs go on meanwhile.
      for (let from = 0; from < history.bars.length; from += BARS_PER_BATCH) {
        replay.replay(history.bars.slice(from, from + BARS_PER_BATCH));
        await new Promise((resolve) => setImmediate(resolve));
        // Past the limit the alerts replayed whole keep their answers; the rest have none.
        if (overLimit()) return results;
      }
      results[i] = replay.result();
    }
    return results;
  }

  /**
   * The 30 days' daily and minute bars, the daily ones from `dailyBeforeDays` earlier (a daily indicator's closes
   * before them). When daily bars can replay every alert asked about, the daily bars and the oldest week of
   * minutes come first: minutes that start after that week reach back less than 23 days, so daily bars reaching
   * further than a day beyond them are what chooseHistory takes whatever the other weeks hold, and those (the bulk
   * of the bytes: a week of minutes is 10,000 bars) are not asked for.
   */
  async #fetch(
    symbol: string,
    now: number,
    signal: AbortSignal,
    dailyServesAll: boolean,
    dailyBeforeDays: number,
  ): Promise<{ minute: Bar[]; daily: Bar[] }> {
    const from = now - DRY_RUN_DAYS * DAY_MS;
    // `to` is exclusive: one past now takes the minute (and day) under way.
    const to = now + 1;
    const dailyRange = { resolution: "1d" as const, from: from - dailyBeforeDays * DAY_MS, to };
    const weeks: { resolution: BarResolution; from: number; to: number }[] = [];
    for (let start = from; start < to; start += MINUTE_REQUEST_MS)
      weeks.push({ resolution: "1m", from: start, to: Math.min(start + MINUTE_REQUEST_MS, to) });
    const read = async (range: { resolution: BarResolution; from: number; to: number }) =>
      (await this.#bars.bars(symbol, range, { signal })).bars;
    const [oldest, ...later] = weeks;
    if (!dailyServesAll || oldest === undefined) {
      const [daily, ...minutes] = await Promise.all([dailyRange, ...weeks].map(read));
      return { minute: minutes.flat(), daily: daily ?? [] };
    }
    const [daily, oldestMinutes] = await Promise.all([read(dailyRange), read(oldest)]);
    const firstDay = daily.find((bar) => bar.t >= from);
    if (oldestMinutes.length === 0 && firstDay !== undefined && firstDay.t < oldest.to - DAY_MS)
      return { minute: [], daily };
    const rest = await Promise.all(later.map(read));
    return { minute: [oldestMinutes, ...rest].flat(), daily };
  }
}

/** The work's answer, or null once `budgetMs` is over (its failure, past that, is swallowed). */
async function withinBudget<T>(work: Promise<T>, budgetMs: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), budgetMs);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
    work.catch(() => undefined);
  }
}

/**
 * The line under the confirmation. `now` says how much of the 30 days the history covers: starting within a
 * long weekend of their start counts as all of them.
 */
export function formatDryRun(
  result: DryRunResult,
  now: number,
  display: TimeDisplay,
  symbol: string,
): string {
  const days = Math.max(1, Math.round((now - result.coveredFrom) / DAY_MS));
  const span =
    days >= DRY_RUN_DAYS - FULL_COVERAGE_SLACK_DAYS
      ? `the last ${DRY_RUN_DAYS} days`
      : `the ${days} day${days === 1 ? "" : "s"} recorded`;
  const daily = result.resolution === "1d" ? ", judged from daily highs and lows" : "";
  if (result.last === null) return `It would not have fired in ${span}${daily}.`;
  const times = result.firings === 1 ? "once" : `${result.firings} times`;
  const when =
    result.resolution === "1d"
      ? formatDay(result.last.ts, display, symbol)
      : formatTime(result.last.ts, display);
  return `In ${span} this alert would have fired ${times} (last: ${when} at ${formatPrice(result.last.price, symbol)})${daily}.`;
}

/**
 * A daily bar's trading day: the date it bears (a stock's New York date, a crypto pair's UTC date, a forex pair's
 * FX day; Discord: the reader's own date format).
 */
function formatDay(ts: number, display: TimeDisplay, symbol: string): string {
  if (display.kind === "discord") return `<t:${Math.floor(ts / 1000)}:D>`;
  return new Date(tradingDayOf(symbol, ts) * DAY_MS).toISOString().slice(0, 10);
}

/**
 * DRY_RUN_BUDGET_MS (default 300): how long the dry run under a new alert's confirmation may take, fetching its
 * bars included; 0 turns the line off.
 */
export const DryRunEnvShape = {
  DRY_RUN_BUDGET_MS: envInt(300).pipe(
    z.number().min(0, "must be 0 (off) or more").max(10_000, "must be at most 10000 (10 seconds)"),
  ),
};

/** The process's dry run from its environment; none when DRY_RUN_BUDGET_MS is 0. */
export function dryRunFrom(env: { DRY_RUN_BUDGET_MS: number }, bars: BarsLookup): DryRunner | undefined {
  return env.DRY_RUN_BUDGET_MS === 0 ? undefined : new BarDryRun({ bars, budgetMs: env.DRY_RUN_BUDGET_MS });
}
