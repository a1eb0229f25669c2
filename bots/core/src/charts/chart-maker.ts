import {
  barsQuery,
  buildChartSpec,
  type ChartAlert,
  type ChartDrawer,
  type ChartLevel,
  type ChartOutcome,
  type ChartWindow,
  chartWithin,
  sparkline,
  ThreadedChartRenderer,
} from "@tickerbell/charts";
import { envInt } from "@tickerbell/config";
import type { Alert, BarResolution, BarsResponse, Notification } from "@tickerbell/contracts";
import { z } from "zod";
import { averageName, describeCondition, formatMultiple, formatRsi, rsiName } from "../format/format.ts";

/** Recorded bars, from the pricing service (the PricingClient). */
export interface BarsLookup {
  bars(
    symbol: string,
    query: { resolution: BarResolution; from: number; to: number },
    options?: { signal?: AbortSignal },
  ): Promise<BarsResponse>;
}

/** `/chart`'s answer: the picture and what its caption says, or that the window holds no bars yet. */
export type ChartAnswer =
  | { kind: "chart"; png: Buffer; symbol: string; window: ChartWindow; lastPrice: number; sparkline: string }
  | { kind: "empty"; symbol: string; window: ChartWindow }
  | { kind: "missing"; symbol: string; window: ChartWindow; reason: string };

/** Charts for the bots: `/chart` and the picture of a triggered notification. */
export interface ChartMaker {
  /** A chart of `symbol` over `window` with the user's `levels`, drawn in the user's zone. */
  chart(request: {
    symbol: string;
    window: ChartWindow;
    timeZone: string;
    levels: readonly ChartLevel[];
  }): Promise<ChartAnswer>;
  /**
   * The picture of a triggered notification (the day's path, its level, reference and trigger), or why there is
   * none; never takes longer than the budget. Null when the notification gets no chart (an expiry, earnings).
   */
  forNotification(notification: Notification, timeZone: string): Promise<ChartOutcome | null>;
}

export interface BarChartMakerOptions {
  bars: BarsLookup;
  /** Draws `/chart`: one per process (it caches base images), at the priority of a reply. */
  renderer: ChartDrawer;
  /** Draws the charts of notifications (default: `renderer`): in the bots, a thread of low priority. */
  notificationRenderer?: ChartDrawer;
  /** How long one chart may take, fetching the bars included. */
  budgetMs: number;
  now?: () => number;
}

/** Fetches the bars from the pricing service and draws them with the process's one renderer, within a budget. */
export class BarChartMaker implements ChartMaker {
  readonly #bars: BarsLookup;
  readonly #renderer: ChartDrawer;
  readonly #notificationRenderer: ChartDrawer;
  readonly #budgetMs: number;
  readonly #now: () => number;

  constructor(options: BarChartMakerOptions) {
    this.#bars = options.bars;
    this.#renderer = options.renderer;
    this.#notificationRenderer = options.notificationRenderer ?? options.renderer;
    this.#budgetMs = options.budgetMs;
    this.#now = options.now ?? Date.now;
  }

  async chart(request: {
    symbol: string;
    window: ChartWindow;
    timeZone: string;
    levels: readonly ChartLevel[];
  }): Promise<ChartAnswer> {
    const { symbol, window } = request;
    const now = this.#now();
    const bars = await this.#bars.bars(symbol, barsQuery(window, now));
    if (!bars.bars.some((bar) => bar.t <= now)) return { kind: "empty", symbol, window };
    const spec = buildChartSpec({
      symbol,
      window,
      bars,
      now,
      timeZone: request.timeZone,
      levels: request.levels.slice(0, 50),
    });
    if (spec.lastPrice === null) return { kind: "empty", symbol, window };
    const lastPrice = spec.lastPrice;
    const outcome = await chartWithin(this.#budgetMs, (signal) => this.#renderer.render(spec, signal));
    if (outcome.png === null) return { kind: "missing", symbol, window, reason: outcome.missing };
    const shown = spec.segments.flat().map((point) => point.price);
    return { kind: "chart", png: outcome.png, symbol, window, lastPrice, sparkline: sparkline(shown) };
  }

  async forNotification(notification: Notification, timeZone: string): Promise<ChartOutcome | null> {
    const alert = notificationAlert(notification);
    if (alert === null) return null;
    // The trade that fired it may be stamped a moment ahead of this machine's clock.
    const now = Math.max(this.#now(), alert.trigger.at);
    return chartWithin(this.#budgetMs, async (signal) => {
      const bars = await this.#bars.bars(notification.symbol, barsQuery("1d", now));
      signal.throwIfAborted();
      const spec = buildChartSpec({ symbol: notification.symbol, window: "1d", bars, now, timeZone, alert });
      return this.#notificationRenderer.render(spec, signal);
    });
  }
}

/** What a notification's chart marks: the level that fired, the reference it was measured from, the trade. */
export function notificationAlert(notification: Notification): ChartAlert | null {
  if (notification.type !== "triggered" || notification.earnings !== undefined) return null;
  const at = Date.parse(notification.firedAt);
  if (!Number.isFinite(at) || !(notification.price > 0)) return null;
  const { condition } = notification;
  const studied = studyLevel(notification);
  if (studied !== null) return { level: studied, trigger: { at, price: notification.price } };
  const level = notification.level ?? notification.price;
  const upper = notification.side === undefined ? notification.price >= level : notification.side === "upper";
  const alert: ChartAlert = {
    level: { price: level, label: `${upper ? "above" : "below"} ${level}` },
    trigger: { at, price: notification.price },
  };
  if (condition.kind === "trailing" && (notification.extreme ?? 0) > 0) {
    alert.reference = {
      kind: condition.direction === "down" ? "peak" : "trough",
      price: notification.extreme!,
    };
  } else if (condition.kind !== "price" && notification.referencePrice > 0) {
    // A window's reference is its low (a rise fired) or high (a fall), as a trailing alert's trough or peak.
    const kind = notification.referenceKind ?? "whenSet";
    alert.reference = {
      kind: kind === "window" ? (upper ? "trough" : "peak") : kind,
      price: notification.referencePrice,
    };
  }
  return alert;
}

/**
 * A volume or indicator alert's line: a moving average's value where it fired (a price); the RSI or the volume
 * labelled at the trade, since their levels (30, 4 million shares) are not prices. Null for the other kinds.
 */
function studyLevel(notification: Notification): ChartAlert["level"] | null {
  const { condition, study, price } = notification;
  if (condition.kind === "average") {
    const value = study?.value ?? notification.level ?? price;
    return { price: value, label: `${averageName(condition)} ${value}` };
  }
  if (condition.kind === "rsi")
    return {
      price,
      label: study
        ? `${rsiName(condition)} ${formatRsi(study.value)}`
        : describeCondition(condition, notification.symbol),
    };
  if (condition.kind === "volume") {
    const times = study?.typical ? formatMultiple(study.value / study.typical) : `${condition.multiple}×`;
    return { price, label: `volume ${times} the usual` };
  }
  return null;
}

/** The user's active alerts on a symbol as labelled lines: each level an alert fires at. */
export function alertLevels(alerts: readonly Alert[]): ChartLevel[] {
  const levels: ChartLevel[] = [];
  for (const alert of alerts) {
    if (alert.status !== "active") continue;
    const { upper, lower } = alert.thresholds;
    if (upper !== null && upper > 0) levels.push({ price: upper, label: `above ${upper}` });
    if (lower !== null && lower > 0) levels.push({ price: lower, label: `below ${lower}` });
  }
  return levels.slice(0, 50);
}

let sharedRenderer: ThreadedChartRenderer | undefined;
let backgroundRenderer: ThreadedChartRenderer | undefined;

/**
 * The process's renderer of `/chart`, in a thread of its own (drawing would otherwise hold the event loop that
 * sends DMs), at normal priority: somebody waits for the answer.
 */
export function processChartRenderer(): ThreadedChartRenderer {
  sharedRenderer ??= new ThreadedChartRenderer();
  return sharedRenderer;
}

/**
 * The process's renderer of notification charts: a thread at niceness 10, whose drawing takes only the CPU the
 * services leave over, so charts never slow the firing path (the DM went out already; its chart follows).
 */
export function processNotificationChartRenderer(): ThreadedChartRenderer {
  backgroundRenderer ??= new ThreadedChartRenderer({ niceness: 10 });
  return backgroundRenderer;
}

/**
 * CHARTS (on|off, default on) and CHART_BUDGET_MS (default 1500): the operator's switch and a chart's budget. A
 * DM does not wait for its chart (it is edited in after), so charts cost the firing path little: measured end to
 * end on two busy cores, trade → DM p50 10 → 26 ms with them on.
 */
export const ChartsEnvShape = {
  CHARTS: z
    .enum(["on", "off"], { error: "must be on or off" })
    .default("on")
    .transform((value) => value === "on"),
  CHART_BUDGET_MS: envInt(1500).pipe(
    z.number().min(1, "must be at least 1").max(60_000, "must be at most 60000 (a minute)"),
  ),
};

/** The process's chart maker from its environment; none when the operator turned charts off. */
export function chartMakerFrom(
  env: { CHARTS: boolean; CHART_BUDGET_MS: number },
  bars: BarsLookup,
): ChartMaker | undefined {
  if (!env.CHARTS) return undefined;
  const renderer = processChartRenderer();
  const notificationRenderer = processNotificationChartRenderer();
  // Warm now, so the first /chart after a start is not spent loading the renderer (past its budget, it failed).
  void renderer.warm();
  void notificationRenderer.warm();
  return new BarChartMaker({ bars, renderer, notificationRenderer, budgetMs: env.CHART_BUDGET_MS });
}
