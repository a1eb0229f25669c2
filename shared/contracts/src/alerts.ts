import { z } from "zod";
import {
  AlertPhaseSchema,
  batchOf,
  DestinationKeySchema,
  GenerationSchema,
  IdSchema,
  IsoDateTimeSchema,
  OffsetSchema,
  OriginSchema,
  PlatformSchema,
  PriceSchema,
  plainText,
  SnowflakeSchema,
  SymbolSchema,
} from "./common.ts";
import { TickStudiesSchema } from "./studies.ts";

export const MAX_NOTE_LENGTH = 200;
export const MAX_PERCENT_MOVE = 1000;
export const MIN_COOLDOWN_SECONDS = 60;
export const MAX_COOLDOWN_SECONDS = 30 * 24 * 3600;
export const MAX_EXPIRY_DAYS = 366;
export const MAX_SNOOZE_SECONDS = 7 * 24 * 3600;

export const AlertStatusSchema = z.enum(["active", "paused", "triggered", "expired", "cancelled"]);
export type AlertStatus = z.infer<typeof AlertStatusSchema>;

/** `above X` fires on price >= X, `below X` on price <= X, `cross X` on crossing X from the side price was on. */
export const PriceConditionSchema = z
  .object({
    kind: z.literal("price"),
    direction: z.enum(["above", "below", "cross"]),
    target: PriceSchema,
  })
  .strict();
export type PriceCondition = z.infer<typeof PriceConditionSchema>;

/** A move of `percent` from the reference price: the last trade at creation, or the previous close. */
export const PercentConditionSchema = z
  .object({
    kind: z.literal("percent"),
    direction: z.enum(["up", "down", "move"]),
    percent: z
      .number()
      .finite()
      .positive("percent must be greater than 0")
      .max(MAX_PERCENT_MOVE, `percent must be at most ${MAX_PERCENT_MOVE}`),
    basis: z.enum(["last", "close"]).default("last"),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.direction !== "up" && c.percent >= 100) {
      ctx.addIssue({ code: "custom", path: ["percent"], message: "a fall must be less than 100%" });
    }
  });
export type PercentCondition = z.infer<typeof PercentConditionSchema>;

export const TrailingOffsetSchema = z.discriminatedUnion("unit", [
  z
    .object({
      unit: z.literal("percent"),
      value: z
        .number()
        .finite()
        .positive("trailing percent must be greater than 0")
        .lt(100, "trailing percent must be below 100"),
    })
    .strict(),
  z.object({ unit: z.literal("amount"), value: PriceSchema }).strict(),
]);
export type TrailingOffset = z.infer<typeof TrailingOffsetSchema>;

/** `down` fires when price falls the offset below the highest price since creation; `up` mirrors it from the lowest. */
export const TrailingConditionSchema = z
  .object({
    kind: z.literal("trailing"),
    direction: z.enum(["down", "up"]),
    offset: TrailingOffsetSchema,
  })
  .strict();
export type TrailingCondition = z.infer<typeof TrailingConditionSchema>;

/**
 * Earnings releases, not a price: a message the evening before each release and one when its results are due,
 * quarter after quarter until cancelled. Never fires on a tick; the alert service's earnings scheduler sends it.
 */
export const EarningsConditionSchema = z.object({ kind: z.literal("earnings") }).strict();
export type EarningsCondition = z.infer<typeof EarningsConditionSchema>;

/** The shortest and longest window of a `moves P% within W` alert: 5 minutes and one day. */
export const MIN_WINDOW_SECONDS = 5 * 60;
export const MAX_WINDOW_SECONDS = 24 * 3600;

/**
 * A move of `percent` within a sliding window of the last `windowSeconds`: `up` fires when price is that much
 * above the window's low, `down` that much below its high, `move` either. The window is read from whole minutes
 * (it starts at the minute `windowSeconds` ago), the same way by the matcher, the reference and the dry run.
 */
export const WindowConditionSchema = z
  .object({
    kind: z.literal("window"),
    direction: z.enum(["up", "down", "move"]),
    percent: z
      .number()
      .finite()
      .positive("percent must be greater than 0")
      .max(MAX_PERCENT_MOVE, `percent must be at most ${MAX_PERCENT_MOVE}`),
    windowSeconds: z
      .number()
      .int("the window is a whole number of minutes, in seconds")
      .multipleOf(60, "the window is a whole number of minutes")
      .min(MIN_WINDOW_SECONDS, "the window must be at least 5 minutes")
      .max(MAX_WINDOW_SECONDS, "the window must be at most 1 day"),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.direction !== "up" && c.percent >= 100) {
      ctx.addIssue({ code: "custom", path: ["percent"], message: "a fall must be less than 100%" });
    }
  });
export type WindowCondition = z.infer<typeof WindowConditionSchema>;

/**
 * A new high (`side: high`) or low beyond a running extreme: today's session high or low (`span: session`, reset
 * by the first trade of each trading day) or the 52-week range (`span: 52w`). It starts from the quote's high/low
 * or the 52-week range at creation, and every later trade beyond it moves it on.
 */
export const ExtremeConditionSchema = z
  .object({
    kind: z.literal("extreme"),
    side: z.enum(["high", "low"]),
    span: z.enum(["session", "52w"]),
  })
  .strict();
export type ExtremeCondition = z.infer<typeof ExtremeConditionSchema>;

/** The largest multiple a `volume Nx` alert takes. */
export const MAX_VOLUME_MULTIPLE = 100;

/**
 * `volume 3x`: today's volume so far is at least `multiple` times the average volume by the same time of day over
 * the recorded sessions (the `volume` study; at least MIN_VOLUME_SESSIONS needed). Fires at most once per trading
 * day; a repeating one can fire again on a later trading day, after its cooldown.
 */
export const VolumeConditionSchema = z
  .object({
    kind: z.literal("volume"),
    multiple: z
      .number()
      .finite()
      .gt(1, "the multiple must be more than 1")
      .max(MAX_VOLUME_MULTIPLE, `the multiple must be at most ${MAX_VOLUME_MULTIPLE}`),
  })
  .strict();
export type VolumeCondition = z.infer<typeof VolumeConditionSchema>;

/** Sessions a daily moving average spans: at least 2, at most 200. */
export const MIN_AVERAGE_PERIOD = 2;
export const MAX_AVERAGE_PERIOD = 200;

/**
 * Price against its daily simple (`sma`) or exponential (`ema`) moving average of `period` sessions (the study
 * `sma50`, `ema200`): `above` fires when price reaches the average from below, `below` from above, `cross` either
 * way from the side price was on when it was set. The average moves with each tick (today's bar closes at it).
 */
export const AverageConditionSchema = z
  .object({
    kind: z.literal("average"),
    average: z.enum(["sma", "ema"]),
    period: z
      .number()
      .int("the period is a whole number of sessions")
      .min(MIN_AVERAGE_PERIOD, `the period must be at least ${MIN_AVERAGE_PERIOD}`)
      .max(MAX_AVERAGE_PERIOD, `the period must be at most ${MAX_AVERAGE_PERIOD}`),
    direction: z.enum(["above", "below", "cross"]),
  })
  .strict();
export type AverageCondition = z.infer<typeof AverageConditionSchema>;

/** Bars an RSI spans: 14 unless the user says otherwise, at least 2, at most 50. */
export const DEFAULT_RSI_PERIOD = 14;
export const MIN_RSI_PERIOD = 2;
export const MAX_RSI_PERIOD = 50;

/**
 * `rsi below 30` / `rsi above 70`: the relative strength index of `period` daily (`1d`) or hourly (`1h`) bars, the
 * forming bar closing at the tick's price (the study `rsi14:1d`), at or beyond `level`.
 */
export const RsiConditionSchema = z
  .object({
    kind: z.literal("rsi"),
    direction: z.enum(["above", "below"]),
    level: z
      .number()
      .finite()
      .gt(0, "an RSI level is between 0 and 100")
      .lt(100, "an RSI level is between 0 and 100"),
    period: z
      .number()
      .int("the period is a whole number of bars")
      .min(MIN_RSI_PERIOD, `the period must be at least ${MIN_RSI_PERIOD}`)
      .max(MAX_RSI_PERIOD, `the period must be at most ${MAX_RSI_PERIOD}`),
    interval: z.enum(["1d", "1h"]),
  })
  .strict();
export type RsiCondition = z.infer<typeof RsiConditionSchema>;

export const AlertConditionSchema = z.discriminatedUnion("kind", [
  PriceConditionSchema,
  PercentConditionSchema,
  TrailingConditionSchema,
  EarningsConditionSchema,
  WindowConditionSchema,
  ExtremeConditionSchema,
  VolumeConditionSchema,
  AverageConditionSchema,
  RsiConditionSchema,
]);
export type AlertCondition = z.infer<typeof AlertConditionSchema>;
export type AlertKind = AlertCondition["kind"];

export const RepeatSchema = z
  .object({
    cooldownSeconds: z
      .number()
      .int("cooldownSeconds must be a whole number")
      .min(MIN_COOLDOWN_SECONDS, `cooldown must be at least ${MIN_COOLDOWN_SECONDS} seconds`)
      .max(MAX_COOLDOWN_SECONDS, "cooldown must be at most 30 days"),
  })
  .strict();
export type Repeat = z.infer<typeof RepeatSchema>;

/** One line of the user's own words; control, bidi and separator characters are refused (see plainText). */
export const NoteSchema = plainText()
  .trim()
  .min(1, "note must not be empty")
  .max(MAX_NOTE_LENGTH, `note must be at most ${MAX_NOTE_LENGTH} characters`);

/** The market at the moment the alert is set, supplied by the bot from the pricing service's quote. */
export const MarketContextSchema = z
  .object({
    last: PriceSchema,
    previousClose: PriceSchema.optional(),
    /** Today's session high and low so far (the quote's): where a `new high`/`new low` alert starts. */
    sessionHigh: PriceSchema.optional(),
    sessionLow: PriceSchema.optional(),
    /** The 52-week range (pricing's `/v1/range`): where a `52w high`/`52w low` alert starts. */
    high52w: PriceSchema.optional(),
    low52w: PriceSchema.optional(),
    /** Volume and indicator alerts: the studies they watch now (pricing's `/v1/studies`). */
    studies: TickStudiesSchema.optional(),
  })
  .strict();
export type MarketContext = z.infer<typeof MarketContextSchema>;

export const CreateAlertRequestSchema = z
  .object({
    symbol: SymbolSchema,
    condition: AlertConditionSchema,
    market: MarketContextSchema,
    origin: OriginSchema,
    repeat: RepeatSchema.nullable().default(null),
    expiresAt: IsoDateTimeSchema.nullable().default(null),
    note: NoteSchema.nullable().default(null),
    regularHoursOnly: z.boolean().default(false),
    /** Notifies even during the user's quiet hours (never held for the digest); absent: false. */
    urgent: z.boolean().optional(),
  })
  .strict();
export type CreateAlertRequest = z.input<typeof CreateAlertRequestSchema>;
export type CreateAlertCommand = z.output<typeof CreateAlertRequestSchema>;

/** Absolute levels a price or percent alert fires at; null where that side does not apply. */
export const ThresholdsSchema = z.object({
  upper: z.number().nullable(),
  lower: z.number().nullable(),
});
export type Thresholds = z.infer<typeof ThresholdsSchema>;

/** An alert as the API returns it and as `alerts.changes` carries it. */
export const AlertSchema = z.object({
  id: IdSchema,
  userId: IdSchema,
  symbol: z.string(),
  condition: AlertConditionSchema,
  referencePrice: z.number(),
  thresholds: ThresholdsSchema,
  /** Trailing alerts: the peak (`down`) or trough (`up`) seen since creation; extreme alerts: the running high or low. */
  extreme: z.number().nullable(),
  /**
   * Session high/low alerts: when the trading day the running extreme belongs to began being tracked (creation, an
   * edit, or that day's first trade). Absent or null for other kinds (and read as the creation time).
   */
  extremeSince: IsoDateTimeSchema.nullable().optional(),
  /**
   * Moving-average `cross` alerts: the side of the average the next firing comes from (`upper`: price is below it
   * and fires on reaching it; `lower`: above). Absent or null for other kinds.
   */
  watch: z.enum(["upper", "lower"]).nullable().optional(),
  status: AlertStatusSchema,
  generation: GenerationSchema,
  /** Starts at 1 and increments on every change: consumers apply a snapshot only if it is newer than theirs. */
  version: z.number().int().positive(),
  /** A snoozed alert is paused until then, and resumes by itself. */
  resumeAt: IsoDateTimeSchema.nullable(),
  repeat: RepeatSchema.nullable(),
  expiresAt: IsoDateTimeSchema.nullable(),
  note: z.string().nullable(),
  regularHoursOnly: z.boolean(),
  /**
   * Notifies even during the user's quiet hours. The alert service always sends it; absent (alerts recorded
   * before the option, producers that predate it) means false.
   */
  urgent: z.boolean().optional(),
  origin: OriginSchema,
  createdAt: IsoDateTimeSchema,
  updatedAt: IsoDateTimeSchema,
  lastTriggeredAt: IsoDateTimeSchema.nullable(),
  lastTriggerPrice: z.number().nullable(),
  /** Where the alert is in its firing cycle (runtime state written by the matcher; see runtime.ts). */
  phase: AlertPhaseSchema,
  /** The prices.ticks offset after which the runtime fields hold (null: not touched by a tick yet). */
  stateAsOfTick: OffsetSchema.nullable(),
  /**
   * How many times the alert's condition was edited (0: as created). An edit re-bases the levels from the market
   * at that moment and re-arms the alert: a matcher that sees it grow takes the record's runtime state instead of
   * its own, and a runtime state computed under an older revision no longer overwrites the record's levels.
   * Absent in messages from before edits existed: read as 0.
   */
  levelsRevision: z.number().int().nonnegative().optional(),
});
export type Alert = z.infer<typeof AlertSchema>;

export const UpdateAlertRequestSchema = z
  .object({
    /**
     * A new condition (any kind, same symbol): the levels are re-based from `market` as for a new alert, and the
     * alert is re-armed; its id, firings and last firing stay. Refused like a create when the market already
     * meets it (409 condition_already_met) or another open alert of the user is the same (409 duplicate_alert).
     */
    condition: AlertConditionSchema.optional(),
    /** The market now, required with `condition` (the bot supplies it from the pricing service's quote). */
    market: MarketContextSchema.optional(),
    note: NoteSchema.nullable().optional(),
    repeat: RepeatSchema.nullable().optional(),
    expiresAt: IsoDateTimeSchema.nullable().optional(),
    /** Fire only in regular US trading hours (on) or at any hour (off); the levels and state stay. */
    regularHoursOnly: z.boolean().optional(),
    /** Notify even in the user's quiet hours. */
    urgent: z.boolean().optional(),
    status: z.enum(["active", "paused"]).optional(),
    /** Pause now and resume by itself after this many seconds (the Snooze button). */
    snoozeSeconds: z
      .number()
      .int("snoozeSeconds must be a whole number")
      .min(60, "snooze for at least 60 seconds")
      .max(MAX_SNOOZE_SECONDS, "snooze for at most 7 days")
      .optional(),
  })
  .strict()
  .refine(
    (u) => Object.keys(u).length > 0,
    "nothing to update: give condition, note, repeat, expiresAt, regularHoursOnly, urgent, status or snoozeSeconds",
  )
  .refine((u) => u.condition === undefined || u.market !== undefined, {
    message: "a new condition needs the market it is set at: give market.last",
    path: ["market"],
  })
  .refine((u) => u.market === undefined || u.condition !== undefined, {
    message: "market is only read with a new condition",
    path: ["market"],
  })
  .refine((u) => !(u.snoozeSeconds !== undefined && u.status !== undefined), {
    message: "give either status or snoozeSeconds, not both",
    path: ["snoozeSeconds"],
  });
export type UpdateAlertRequest = z.input<typeof UpdateAlertRequestSchema>;

/** The most alerts one bulk request may name (the default cap of open alerts per user is 100). */
export const MAX_BULK_ALERTS = 500;

/**
 * `POST /v1/alerts/bulk`: pause, resume or cancel several of the user's alerts in one transaction (one
 * alerts.changes event per alert that changed). The ids are the alerts the user was shown and agreed to: alerts
 * not named are never touched, and named ones that are no longer open (fired, expired, deleted since) are left
 * as they are.
 */
export const BulkAlertActionRequestSchema = z
  .object({
    action: z.enum(["pause", "resume", "cancel"]),
    alertIds: batchOf(IdSchema, MAX_BULK_ALERTS, "alert"),
  })
  .strict();
export type BulkAlertActionRequest = z.infer<typeof BulkAlertActionRequestSchema>;

export const BulkAlertActionResponseSchema = z.object({
  /** The alerts the action changed, after the change, oldest first. */
  changed: z.array(AlertSchema),
  /** Named alerts that were already as asked (paused ones for pause), oldest first. */
  unchanged: z.array(AlertSchema),
  /** Named ids that are not open alerts of the user (fired, expired, deleted, or not theirs). */
  notOpen: z.array(IdSchema),
});
export type BulkAlertActionResponse = z.infer<typeof BulkAlertActionResponseSchema>;

/** A status to list by, or `open`: active and paused, the alerts that can still fire (what the bots show). */
export const AlertListStatusSchema = z.enum([...AlertStatusSchema.options, "open"]);
export type AlertListStatus = z.infer<typeof AlertListStatusSchema>;

/** A query's `limit`: a whole number from 1 to `max`, `fallback` when left out. */
function pageLimit(max: number, fallback: number) {
  return z.coerce
    .number({ error: "limit must be a number" })
    .int("limit must be a whole number")
    .min(1, "limit must be at least 1")
    .max(max, `limit must be at most ${max}`)
    .default(fallback);
}

export const DEFAULT_ALERT_PAGE = 100;
export const MAX_ALERT_PAGE = 500;

export const ListAlertsQuerySchema = z
  .object({
    status: AlertListStatusSchema.optional(),
    symbol: SymbolSchema.optional(),
    limit: pageLimit(MAX_ALERT_PAGE, DEFAULT_ALERT_PAGE),
    /** The previous page's `nextCursor`: continue after its last alert. Opaque; a malformed one is refused. */
    cursor: z.string().optional(),
    /**
     * `<platform>:<chatId>`: list the community alerts posted in that Discord channel or Telegram group, whoever
     * created them, instead of the user's own (open ones unless `status` says otherwise).
     */
    destination: DestinationKeySchema.optional(),
  })
  .strict();
export type ListAlertsQuery = z.input<typeof ListAlertsQuerySchema>;

/** One page of alerts, oldest first (by creation, then id). */
export const AlertListSchema = z.object({
  alerts: z.array(AlertSchema),
  /** Pass as `cursor` for the next page; null when this page was the last. */
  nextCursor: z.string().nullable(),
});
export type AlertList = z.infer<typeof AlertListSchema>;

export const DEFAULT_FIRINGS_LISTED = 10;
export const MAX_FIRINGS_LISTED = 50;

export const ListFiringsQuerySchema = z
  .object({
    symbol: SymbolSchema.optional(),
    limit: pageLimit(MAX_FIRINGS_LISTED, DEFAULT_FIRINGS_LISTED),
  })
  .strict();
export type ListFiringsQuery = z.input<typeof ListFiringsQuerySchema>;

/** One firing of one of the user's alerts: what fired, at what price, when. */
export const FiringSchema = z.object({
  triggerId: z.string(),
  alertId: IdSchema,
  symbol: z.string(),
  condition: AlertConditionSchema,
  price: z.number(),
  firedAt: IsoDateTimeSchema,
});
export type Firing = z.infer<typeof FiringSchema>;

/** The user's most recent firings, newest first. */
export const FiringListSchema = z.object({ firings: z.array(FiringSchema) });
export type FiringList = z.infer<typeof FiringListSchema>;

/** `<alertId>:<generation>`: the one id every stage downstream de-duplicates on. */
export const TriggerIdSchema = z
  .string()
  .regex(
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:\d{1,10}$/,
    "triggerId is <alertId>:<generation>",
  );
export function triggerIdOf(alertId: string, generation: number): string {
  return `${alertId}:${generation}`;
}

/** Why a bot stops a destination's alerts: the channel was deleted, the bot lost access to it, or left the group. */
export const DestinationPauseReasonSchema = z.enum(["channel_gone", "access_lost", "bot_removed"]);
export type DestinationPauseReason = z.infer<typeof DestinationPauseReasonSchema>;

/** `POST /v1/destinations/pause`: pause every active alert posted in one chat. */
export const PauseDestinationRequestSchema = z
  .object({
    platform: PlatformSchema,
    chatId: plainText().min(1).max(64),
    reason: DestinationPauseReasonSchema,
  })
  .strict();
export type PauseDestinationRequest = z.infer<typeof PauseDestinationRequestSchema>;

/** The alerts a destination pause paused just now, each with its creator's user id on that platform (to tell). */
export const PauseDestinationResponseSchema = z.object({
  reason: DestinationPauseReasonSchema,
  paused: z.array(
    z.object({
      alert: AlertSchema,
      /** Null when the creator has no identity on the destination's platform (linked from the other one only). */
      creatorPlatformUserId: z.string().nullable(),
    }),
  ),
});
export type PauseDestinationResponse = z.infer<typeof PauseDestinationResponseSchema>;

/** `POST /v1/destinations/move`: a Telegram group migrated to a supergroup; its alerts follow to the new chat id. */
export const MoveDestinationRequestSchema = z
  .object({
    platform: z.literal("telegram", { error: "only a Telegram group moves to a new chat id" }),
    from: plainText().regex(
      /^-[0-9]{1,19}$/,
      "a Telegram group's chat id is a negative number, like -123456789",
    ),
    to: plainText().regex(
      /^-[0-9]{1,19}$/,
      "a Telegram group's chat id is a negative number, like -1001234567890",
    ),
  })
  .strict()
  .refine((move) => move.from !== move.to, { message: "from and to are the same chat", path: ["to"] });
export type MoveDestinationRequest = z.infer<typeof MoveDestinationRequestSchema>;

/** The open alerts moved just now (none on a repeat). */
export const MoveDestinationResponseSchema = z.object({ moved: z.array(AlertSchema) });
export type MoveDestinationResponse = z.infer<typeof MoveDestinationResponseSchema>;

/** A community's settings, kept per Discord server or Telegram group. */
export const CommunitySettingsSchema = z
  .object({
    /** The Discord role whose holders may create channel alerts (`/settings alert-role`); null: none set. */
    alertRoleId: SnowflakeSchema.nullable(),
  })
  .strict();
export type CommunitySettings = z.infer<typeof CommunitySettingsSchema>;
