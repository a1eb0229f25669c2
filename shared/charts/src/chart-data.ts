// The chart's data, apart from pixels: which bars, which lines, which points, which axis labels. Pure, so what a
// chart claims (the right symbol, the right window, the trigger where it happened) is tested on its own.
import { type Bar, BarResolutionSchema, type BarsResponse, TimeZoneSchema } from "@tickerbell/contracts";
import { assetClassOf, priceNotation, tradingDayIn } from "@tickerbell/rules";
import { z } from "zod";
import { dailyTicks, formatClock, intradayTicks, type TimeTick } from "./time-labels.ts";
import { type ChartWindow, ChartWindowSchema, WINDOWS } from "./windows.ts";

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** What the reference price of a notification is; trailing alerts trail from a peak or a trough. */
export const ChartReferenceKindSchema = z.enum(["previousClose", "whenSet", "lastFiring", "peak", "trough"]);
export type ChartReferenceKind = z.infer<typeof ChartReferenceKindSchema>;

const PriceSchema = z.number().positive().finite();
const LabelSchema = z
  .string()
  .trim()
  .min(1, "a label must not be empty")
  .max(60, "a label is at most 60 characters");

export const ChartLevelSchema = z.object({ price: PriceSchema, label: LabelSchema });
export type ChartLevel = z.infer<typeof ChartLevelSchema>;

/** The alert a notification chart is about: its level, its reference, and the trade that fired it. */
export const ChartAlertSchema = z.object({
  level: ChartLevelSchema,
  reference: z
    .object({ kind: ChartReferenceKindSchema, price: PriceSchema, label: LabelSchema.optional() })
    .nullable()
    .optional(),
  trigger: z.object({ at: z.number().int().nonnegative(), price: PriceSchema }),
});
export type ChartAlert = z.infer<typeof ChartAlertSchema>;

export const ChartRequestSchema = z.object({
  /** The symbol the chart is asked for; bars of any other symbol are refused. */
  symbol: z
    .string()
    .trim()
    .min(1, "symbol must not be empty")
    .max(20, "symbol is at most 20 characters")
    .transform((symbol) => symbol.toUpperCase()),
  window: ChartWindowSchema,
  /**
   * Checked bar by bar rather than by BarsResponseSchema: the bots' client has parsed the response with it at
   * the boundary already, and zod over thousands of bars costs more than drawing them.
   */
  bars: z.custom<BarsResponse>((value) => barsProblem(value) === null, {
    error: (issue) => barsProblem(issue.input) ?? "bad bars",
  }),
  /** When the chart is drawn (a notification: when the alert fired), epoch ms: later bars are left out. */
  now: z.number().int().nonnegative(),
  timeZone: TimeZoneSchema,
  /** Overrides `bars.previousClose` when given. */
  previousClose: PriceSchema.nullable().optional(),
  /** The user's active alert levels on this symbol. */
  levels: z.array(ChartLevelSchema).max(50, "at most 50 levels on one chart").optional(),
  alert: ChartAlertSchema.optional(),
});
export type ChartRequest = z.input<typeof ChartRequestSchema>;

/** What is wrong with a bars response, or null: the shape of BarsResponseSchema, checked in one pass. */
function barsProblem(value: unknown): string | null {
  if (typeof value !== "object" || value === null) return "bars must be a bars response";
  const response = value as Record<string, unknown>;
  if (typeof response.symbol !== "string") return "bars.symbol must be a string";
  if (!BarResolutionSchema.safeParse(response.resolution).success) return "bars.resolution must be 1m or 1d";
  const previousClose = response.previousClose;
  if (
    previousClose !== null &&
    !(typeof previousClose === "number" && previousClose > 0 && Number.isFinite(previousClose))
  ) {
    return "bars.previousClose must be a positive price or null";
  }
  if (!Array.isArray(response.bars)) return "bars.bars must be an array";
  for (const [index, bar] of (response.bars as unknown[]).entries()) {
    if (typeof bar !== "object" || bar === null) return `bars.bars.${index} must be a bar`;
    const { t, o, h, l, c, v } = bar as Record<string, unknown>;
    if (!Number.isSafeInteger(t) || (t as number) < 0)
      return `bars.bars.${index}.t must be epoch milliseconds`;
    for (const [name, price] of [
      ["o", o],
      ["h", h],
      ["l", l],
      ["c", c],
    ] as const) {
      if (!(typeof price === "number" && price > 0 && Number.isFinite(price))) {
        return `bars.bars.${index}.${name} must be a positive price`;
      }
    }
    if (!(typeof v === "number" && v >= 0 && Number.isFinite(v)))
      return `bars.bars.${index}.v must be 0 or more`;
  }
  return null;
}

export class ChartInputError extends Error {
  override name = "ChartInputError";
}

export interface PricePoint {
  t: number;
  price: number;
}

export interface VolumePoint {
  t: number;
  volume: number;
}

export type LineKind = "previousClose" | "level" | "alertLevel" | "reference";

export interface LevelLine {
  kind: LineKind;
  price: number;
  label: string;
  /** False when the level lies so far from the prices that drawing it would flatten the chart. */
  inView: boolean;
}

export interface MarkedPoint {
  kind: "trigger";
  t: number;
  price: number;
  label: string;
}

/** Everything a renderer needs, in data units: time in epoch ms, prices as given. */
export interface ChartSpec {
  symbol: string;
  window: ChartWindow;
  timeZone: string;
  title: string;
  subtitle: string;
  /** The time axis, epoch ms, from inclusive to exclusive. */
  from: number;
  to: number;
  /** Closing prices; one array per unbroken stretch of trading, so no line crosses a gap. */
  segments: PricePoint[][];
  volume: VolumePoint[];
  /** The price axis, padded around everything in view. */
  priceMin: number;
  priceMax: number;
  /** Base lines (previous close) first, then the request's own (user levels, alert level, reference). */
  lines: LevelLine[];
  points: MarkedPoint[];
  ticks: TimeTick[];
  lastPrice: number | null;
}

/** Builds the chart spec; throws ChartInputError naming what is wrong with the request. */
export function buildChartSpec(request: ChartRequest): ChartSpec {
  const parsed = ChartRequestSchema.safeParse(request);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join(".") || "request"}: ${issue.message}`,
    );
    throw new ChartInputError(`bad chart request: ${problems.join("; ")}`);
  }
  const input = parsed.data;
  const definition = WINDOWS[input.window];
  if (input.bars.symbol.toUpperCase() !== input.symbol) {
    throw new ChartInputError(
      `bars are for ${input.bars.symbol}, not ${input.symbol}: refusing to chart them`,
    );
  }
  if (input.bars.resolution !== definition.resolution) {
    throw new ChartInputError(
      `a ${input.window} chart is drawn from ${definition.resolution} bars, got ${input.bars.resolution} bars`,
    );
  }
  const trigger = input.alert?.trigger;
  if (trigger && trigger.at > input.now) {
    throw new ChartInputError("the trigger time is after the time the chart is drawn at");
  }

  const sorted = input.bars.bars.filter((bar) => bar.t <= input.now).sort((a, b) => a.t - b.t);
  const barMs = definition.resolution === "1m" ? definition.bucketMinutes * MINUTE_MS : DAY_MS;
  const { from, to, bars } =
    definition.tradingDays !== null
      ? intradayWindow(
          sorted,
          input.symbol,
          definition.tradingDays,
          definition.bucketMinutes,
          input.now,
          trigger?.at,
        )
      : dailyWindow(sorted, definition.calendarDays ?? 0, input.now, trigger?.at);
  if (trigger && trigger.at < from) {
    throw new ChartInputError(`the trigger time lies before the ${input.window} window the chart shows`);
  }

  const segments = splitAtGaps(bars, definition.gapBreakMs);
  const previousClose = input.previousClose === undefined ? input.bars.previousClose : input.previousClose;
  const lastBar = bars.at(-1);
  const lastPrice = lastBar?.c ?? null;

  const base: number[] = bars.flatMap((bar) => [bar.l, bar.h]);
  if (previousClose !== null) base.push(previousClose);
  const mustShow: number[] = [];
  if (input.alert) {
    mustShow.push(input.alert.level.price, input.alert.trigger.price);
    if (input.alert.reference) mustShow.push(input.alert.reference.price);
  }
  const range = priceRange(
    base,
    mustShow,
    (input.levels ?? []).map((level) => level.price),
  );
  const inView = (price: number) => price >= range.min && price <= range.max;

  const lines: LevelLine[] = [];
  if (previousClose !== null) {
    lines.push({
      kind: "previousClose",
      price: previousClose,
      label: `prev close ${formatPrice(previousClose, input.symbol)}`,
      inView: true,
    });
  }
  for (const level of input.levels ?? []) {
    lines.push({ kind: "level", price: level.price, label: level.label, inView: inView(level.price) });
  }
  const points: MarkedPoint[] = [];
  if (input.alert) {
    const { level, reference } = input.alert;
    lines.push({ kind: "alertLevel", price: level.price, label: level.label, inView: true });
    if (reference) {
      lines.push({
        kind: "reference",
        price: reference.price,
        label:
          reference.label ??
          `${REFERENCE_NAMES[reference.kind]} ${formatPrice(reference.price, input.symbol)}`,
        inView: true,
      });
    }
    points.push({
      kind: "trigger",
      t: input.alert.trigger.at,
      price: input.alert.trigger.price,
      label: `fired ${formatClock(input.alert.trigger.at, input.timeZone)} at ${formatPrice(input.alert.trigger.price, input.symbol)}`,
    });
  }

  const ticks =
    definition.resolution === "1m"
      ? intradayTicks(from, to, input.timeZone)
      : dailyTicks(from, to, input.window);
  const timeNote = definition.resolution === "1m" ? `times in ${input.timeZone}` : "daily closes";
  return {
    symbol: input.symbol,
    window: input.window,
    timeZone: input.timeZone,
    title: `${input.symbol} · ${input.window}${lastPrice === null ? "" : ` · ${formatPrice(lastPrice, input.symbol)}`}`,
    subtitle: bars.length === 0 ? `no trades recorded in this window · ${timeNote}` : timeNote,
    from,
    to: Math.max(to, from + barMs),
    segments,
    volume: bars.map((bar) => ({ t: bar.t, volume: bar.v })),
    priceMin: range.min,
    priceMax: range.max,
    lines,
    points,
    ticks,
    lastPrice,
  };
}

const REFERENCE_NAMES: Record<ChartReferenceKind, string> = {
  previousClose: "prev close",
  whenSet: "when set",
  lastFiring: "last firing",
  peak: "peak",
  trough: "trough",
};

/**
 * A price of `symbol` as the chart labels it, without a sign: cents, or four figures below a dollar; a currency
 * pair's rate to the pip, as the rule book's priceNotation writes it everywhere else (EUR/USD 1.0842).
 */
export function formatPrice(price: number, symbol: string): string {
  const notation = priceNotation(symbol, price);
  if (notation.sign === "") {
    const digits = price.toFixed(notation.maxDigits);
    // Trailing zeros beyond the pip go: 1.08420 reads 1.0842.
    const cut = digits.length - (notation.maxDigits - notation.minDigits);
    return digits.slice(0, cut) + digits.slice(cut).replace(/0+$/, "");
  }
  return price >= 1 ? price.toFixed(2) : Number(price.toPrecision(4)).toString();
}

/** The symbol's last `days` trading days that have bars; a later trigger stretches the axis to it. */
function intradayWindow(
  bars: Bar[],
  symbol: string,
  days: number,
  bucketMinutes: number,
  now: number,
  triggerAt: number | undefined,
): { from: number; to: number; bars: Bar[] } {
  // The rule book's trading day: a stock's New York date, a crypto pair's UTC date, a forex pair's FX day.
  const assetClass = assetClassOf(symbol);
  const dayOf = (t: number) => tradingDayIn(assetClass, t);
  const seen = new Set<number>(bars.map((bar) => dayOf(bar.t)));
  const kept = [...seen].sort((a, b) => a - b).slice(-days);
  const firstDay = kept[0];
  if (firstDay === undefined) return { from: now - days * DAY_MS, to: now, bars: [] };
  const inWindow = bars.filter((bar) => dayOf(bar.t) >= firstDay);
  const merged = bucketMinutes > 1 ? mergeIntoBuckets(inWindow, bucketMinutes * MINUTE_MS) : inWindow;
  const bucketMs = bucketMinutes * MINUTE_MS;
  const firstBar = merged[0];
  const lastBar = merged.at(-1);
  const triggerInWindow = triggerAt !== undefined && dayOf(triggerAt) >= firstDay ? triggerAt : undefined;
  const from = Math.min(firstBar?.t ?? triggerInWindow ?? now, triggerInWindow ?? Number.POSITIVE_INFINITY);
  // Whole minutes, so alerts fired within one minute share the axis (and the cached base chart).
  const triggerMinuteEnd =
    triggerInWindow === undefined ? 0 : Math.floor(triggerInWindow / MINUTE_MS + 1) * MINUTE_MS;
  const to = Math.max(lastBar ? lastBar.t + bucketMs : from + bucketMs, triggerMinuteEnd);
  return { from, to, bars: merged };
}

/** Daily bars of the last `calendarDays` days, counted back from the latest bar (or the trigger). */
function dailyWindow(
  bars: Bar[],
  calendarDays: number,
  now: number,
  triggerAt: number | undefined,
): { from: number; to: number; bars: Bar[] } {
  const lastBar = bars.at(-1);
  const end = Math.max(
    lastBar ? lastBar.t + DAY_MS : now,
    triggerAt === undefined ? 0 : Math.floor(triggerAt / DAY_MS + 1) * DAY_MS,
  );
  const from = end - calendarDays * DAY_MS;
  return { from, to: end, bars: bars.filter((bar) => bar.t >= from) };
}

/** Merges minute bars into buckets of `bucketMs` (open of the first, close of the last, extremes, sums). */
function mergeIntoBuckets(bars: Bar[], bucketMs: number): Bar[] {
  const merged: Bar[] = [];
  for (const bar of bars) {
    const start = Math.floor(bar.t / bucketMs) * bucketMs;
    const current = merged.at(-1);
    if (current && current.t === start) {
      current.h = Math.max(current.h, bar.h);
      current.l = Math.min(current.l, bar.l);
      current.c = bar.c;
      current.v += bar.v;
      current.n += bar.n;
    } else {
      merged.push({ ...bar, t: start });
    }
  }
  return merged;
}

function splitAtGaps(bars: Bar[], gapBreakMs: number): PricePoint[][] {
  const segments: PricePoint[][] = [];
  let previous: number | null = null;
  for (const bar of bars) {
    if (previous === null || bar.t - previous > gapBreakMs) segments.push([]);
    segments.at(-1)!.push({ t: bar.t, price: bar.c });
    previous = bar.t;
  }
  return segments;
}

/**
 * The price axis: every price and the must-show values (the alert's level, reference and trigger), padded, and
 * the user's levels that lie within half that span of it. One far away would flatten the line: those are left
 * off the axis and marked not in view.
 */
function priceRange(base: number[], mustShow: number[], levels: number[]): { min: number; max: number } {
  const all = [...base, ...mustShow];
  if (all.length === 0) all.push(...levels);
  if (all.length === 0) return { min: 0, max: 1 };
  let min = Math.min(...all);
  let max = Math.max(...all);
  const reach = (max - min || max * 0.01) / 2;
  for (const level of levels) {
    if (level >= min - reach && level <= max + reach) {
      min = Math.min(min, level);
      max = Math.max(max, level);
    }
  }
  const span = max - min || max * 0.01;
  return { min: Math.max(0, min - span * 0.08), max: max + span * 0.08 };
}
