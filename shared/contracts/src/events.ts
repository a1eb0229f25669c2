import { z } from "zod";
import { AlertConditionSchema, AlertSchema } from "./alerts.ts";
import { GenerationSchema, IdSchema, IsoDateTimeSchema, OriginSchema, plainText } from "./common.ts";
import { EarningsEventSchema } from "./pricing.ts";
import { StudyKeySchema, TickStudiesSchema } from "./studies.ts";

/** `alerts.changes`, keyed by symbol: the full alert after every change, in commit order per symbol. */
export const AlertChangeEventSchema = z.object({
  v: z.literal(1),
  /**
   * Per-symbol sequence number: strictly increasing in commit order among the changes of one symbol (the
   * topic's key), not comparable across symbols. A consumer may drop a change whose seq is at most the last it
   * applied for that symbol.
   */
  seq: z.string().regex(/^\d+$/),
  change: z.enum(["created", "updated", "paused", "resumed", "cancelled", "triggered", "rearmed", "expired"]),
  at: IsoDateTimeSchema,
  alert: AlertSchema,
});
export type AlertChangeEvent = z.infer<typeof AlertChangeEventSchema>;

/**
 * `prices.ticks`, keyed by symbol. A conflated tick stands for a window of trades: `price` is the last,
 * `open` the first, `high`/`low` the extremes within it, so no crossing inside the window is lost and price
 * history built from conflated ticks is exact.
 */
export const PriceTickSchema = z.object({
  v: z.literal(1),
  symbol: z.string(),
  price: z.number().positive().finite(),
  /** Trade time, epoch milliseconds. */
  ts: z.number().int().nonnegative(),
  /** A conflated tick: the price of the window's first trade. */
  open: z.number().positive().finite().optional(),
  high: z.number().positive().finite().optional(),
  low: z.number().positive().finite().optional(),
  volume: z.number().nonnegative().optional(),
  /** How many trades this tick stands for (1 when not conflated). */
  count: z.number().int().positive().optional(),
  /** Previous session close, when the source knows it. */
  previousClose: z.number().positive().finite().optional(),
  /** The symbol's studies at this tick, for symbols whose alerts need them (volume, moving averages, RSI). */
  studies: TickStudiesSchema.optional(),
});
export type PriceTick = z.infer<typeof PriceTickSchema>;

/** `window`: the window's low (a move up) or high (a move down), which a window alert's move is measured from. */
export const ReferenceKindSchema = z.enum(["previousClose", "whenSet", "lastFiring", "window"]);
export type ReferenceKind = z.infer<typeof ReferenceKindSchema>;

/** Where a repeating alert stands after it fired: its next levels and when its cooldown ends. */
export const RearmSchema = z.object({
  /** End of the cooldown. */
  at: IsoDateTimeSchema,
  upper: z.number().nullable(),
  lower: z.number().nullable(),
  /** `above`/`below`: price must come back to this level after the cooldown before it can fire again. */
  band: z.number().nullable(),
  /** Trailing alerts: the peak or trough it trails from again. */
  extreme: z.number().nullable(),
});
export type Rearm = z.infer<typeof RearmSchema>;

/** An earnings alert's message: the evening before the release, or when its results are due. */
export const EarningsNoticeSchema = z.object({
  moment: z.enum(["eve", "due"]),
  event: EarningsEventSchema,
});
export type EarningsNotice = z.infer<typeof EarningsNoticeSchema>;

/** `notifications.<platform>`, keyed by user: everything a bot needs to write the DM. */
export const NotificationSchema = z.object({
  v: z.literal(1),
  type: z.enum(["triggered", "expired"]),
  triggerId: plainText().min(1).max(100),
  alertId: IdSchema,
  generation: GenerationSchema,
  userId: IdSchema,
  origin: OriginSchema,
  symbol: z.string(),
  condition: AlertConditionSchema,
  /** Fired: the price that crossed the level (the window's high or low). Expired: the last price seen. */
  price: z.number(),
  referencePrice: z.number(),
  /** `price` against the reference (trailing alerts: against the peak or trough). */
  moveAbs: z.number(),
  movePercent: z.number(),
  note: z.string().nullable(),
  repeating: z.boolean(),
  /** The time of the trade that fired it (expired: when the expiry was noticed). */
  firedAt: IsoDateTimeSchema,
  // The facts below are what the matcher knew when it fired; bots word them, never recompute them. Optional:
  // a notification published before they existed still reads, with fewer lines.
  /** Which way price went through the level: `upper` rose to it, `lower` fell to it. */
  side: z.enum(["upper", "lower"]).optional(),
  /** The level that fired. */
  level: z.number().optional(),
  /** The last trade of the window that fired it: the price now. */
  lastPrice: z.number().optional(),
  /** What `referencePrice` is: the previous close, the price when the alert was set, or its last firing. */
  referenceKind: ReferenceKindSchema.optional(),
  /**
   * Trailing alerts: the peak (trailing down) or trough (trailing up) the level was computed from. Window alerts:
   * the window's low (fired upward) or high (fired downward).
   */
  extreme: z.number().nullable().optional(),
  /** Repeating alerts: when and where it can fire next; null once it is done. */
  rearm: RearmSchema.nullable().optional(),
  /**
   * Published again: by a matcher replaying the ticks its predecessor may have handled, or by the alert service's
   * re-emitter. A bot may have delivered it already, so a bot that does not know the triggerId asks its delivery
   * log before sending.
   */
  again: z.boolean().optional(),
  /** The alert is `urgent`: delivered at once even during the user's quiet hours (absent: false). */
  urgent: z.boolean().optional(),
  /** Earnings alerts: which release and which of its two messages (price, move and levels are then 0). */
  earnings: EarningsNoticeSchema.optional(),
  /**
   * Volume and indicator alerts: the study that made it fire and its value at the firing trade (the average, the
   * RSI, today's volume), with the typical volume by this time of day for a volume alert.
   */
  study: z
    .object({ key: StudyKeySchema, value: z.number().finite(), typical: z.number().finite().optional() })
    .optional(),
});
export type Notification = z.infer<typeof NotificationSchema>;
