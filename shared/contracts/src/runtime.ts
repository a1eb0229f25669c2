import { z } from "zod";
import { TriggerIdSchema } from "./alerts.ts";
import {
  AlertPhaseSchema,
  EpochMillisSchema,
  GenerationSchema,
  IdSchema,
  IsoDateTimeSchema,
  OffsetSchema,
} from "./common.ts";
import { NotificationSchema } from "./events.ts";

/**
 * What the matcher knows about an alert beyond its definition: the levels it watches now and where it is in its
 * firing cycle. The matcher owns it; the alert service stores the latest copy (from `alerts.runtime`) so a
 * matcher that takes the alert over starts from it. Rules: @tickerbell/rules.
 */
export const AlertRuntimeStateSchema = z
  .object({
    /** Generation of the NEXT firing: a repeating alert moves to generation + 1 when it fires. */
    generation: GenerationSchema,
    phase: AlertPhaseSchema,
    /** Moves are reported against this; a repeating percent or trailing alert restarts from its last firing. */
    referencePrice: z.number().positive().finite(),
    /** Absolute levels of price and percent alerts (null: that side does not fire). */
    upper: z.number().positive().finite().nullable(),
    lower: z.number().positive().finite().nullable(),
    /**
     * Trailing alerts: the peak (`down`) or trough (`up`) since creation or the last firing. Extreme alerts: the
     * running high (`high`) or low (`low`) a trade must go beyond to fire.
     */
    extreme: z.number().positive().finite().nullable(),
    /**
     * Session high/low alerts: epoch milliseconds from which the running extreme holds (creation, an edit or the
     * first trade of its trading day); the first trade of a later trading day starts it again. Absent: null.
     */
    extremeSince: EpochMillisSchema.nullable().optional(),
    /**
     * Moving-average `cross` alerts: the side of the average the next firing comes from — `upper` when price is
     * below it and fires on reaching it, `lower` when above. Absent: null (other kinds).
     */
    watch: z.enum(["upper", "lower"]).nullable().optional(),
    /** Epoch milliseconds of the last firing (the start of its cooldown). */
    lastFiredAt: EpochMillisSchema.nullable(),
    lastFirePrice: z.number().positive().finite().nullable(),
  })
  .strict();
export type AlertRuntimeState = z.infer<typeof AlertRuntimeStateSchema>;

/**
 * `alerts.runtime`, keyed by symbol (co-partitioned with prices.ticks): the matcher's record of an alert's
 * runtime state, written when the alert fires (with the firing) and at checkpoints (band re-arms, cooldown ends,
 * trailing peaks). The alert service applies them in order and records firings idempotently by triggerId.
 */
export const AlertRuntimeEventSchema = z.object({
  v: z.literal(1),
  alertId: IdSchema,
  symbol: z.string(),
  /**
   * The prices.ticks offset (in the symbol's partition) after which `state` holds: a matcher that takes the
   * partition over applies only later ticks to it. Null: before any tick of this matcher's run.
   */
  asOfTick: OffsetSchema.nullable(),
  /** The state after that tick; null once `done`. */
  state: AlertRuntimeStateSchema.nullable(),
  /** The alert fired on that tick; `state` is the state after the firing. */
  firing: z
    .object({
      triggerId: TriggerIdSchema,
      price: z.number().positive().finite(),
      firedAt: IsoDateTimeSchema,
      /** What was published to notifications.<platform>: kept so an undelivered firing can be sent again. */
      notification: NotificationSchema,
    })
    .strict()
    .optional(),
  /** A one-shot alert that fired: it is done. */
  done: z.boolean(),
  /**
   * The alert's `levelsRevision` the state was computed under (absent: 0). The alert service does not store a
   * state older than the record's levels (an edit re-based them meanwhile); a firing is recorded regardless.
   */
  levelsRevision: z.number().int().nonnegative().optional(),
});
export type AlertRuntimeEvent = z.infer<typeof AlertRuntimeEventSchema>;

/** One minute of a symbol's price history: its start (epoch ms), highest and lowest price. */
export const MinuteExtremesSchema = z.tuple([
  EpochMillisSchema,
  z.number().positive().finite(),
  z.number().positive().finite(),
]);

/** A day and a minute of minutes, the most a window alert reads (see @tickerbell/rules window.ts). */
export const MAX_WINDOW_HISTORY_MINUTES = 1442;

/** A symbol's minute history as a matcher held it after a tick: what window alerts read. */
export const WindowHistorySchema = z
  .object({
    /** The prices.ticks offset (in the symbol's partition) after which it holds; null before any tick. */
    asOfTick: OffsetSchema.nullable(),
    minutes: z.array(MinuteExtremesSchema).max(MAX_WINDOW_HISTORY_MINUTES),
  })
  .strict();
export type WindowHistory = z.infer<typeof WindowHistorySchema>;

/**
 * `alerts.runtime` also carries, at each checkpoint, the minute history of every symbol with window alerts whose
 * history changed: the alert service keeps the latest per symbol, and a matcher taking the symbol over starts
 * from it (the window alerts' states are checkpointed with it, as of the same tick).
 */
export const WindowHistoryEventSchema = z
  .object({
    v: z.literal(1),
    kind: z.literal("windowHistory"),
    symbol: z.string(),
    asOfTick: OffsetSchema.nullable(),
    minutes: z.array(MinuteExtremesSchema).max(MAX_WINDOW_HISTORY_MINUTES),
  })
  .strict();
export type WindowHistoryEvent = z.infer<typeof WindowHistoryEventSchema>;

/** Everything on `alerts.runtime`: an alert's runtime state (and firing), or a symbol's window history. */
export const RuntimeTopicEventSchema = z.union([WindowHistoryEventSchema, AlertRuntimeEventSchema]);
export type RuntimeTopicEvent = z.infer<typeof RuntimeTopicEventSchema>;

export function isWindowHistoryEvent(event: RuntimeTopicEvent): event is WindowHistoryEvent {
  return "kind" in event && event.kind === "windowHistory";
}
