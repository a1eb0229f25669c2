import { z } from "zod";

/**
 * Studies: values the pricing service computes from recorded bars for the symbols whose alerts need them, and
 * sends on every tick of those symbols. A study key names one:
 * - `sma50`, `ema200`: the daily simple/exponential moving average of that many sessions, the forming session's
 *   bar closing at the tick's price;
 * - `rsi14:1d`, `rsi14:1h`: the relative strength index (Wilder) of that period on daily or hourly bars, the
 *   forming bar closing at the tick's price;
 * - `volume`: today's volume so far against the average by the same time of day over the recorded sessions.
 */
export const StudyKeySchema = z
  .string()
  .regex(
    /^(?:(?:sma|ema)\d{1,3}|rsi\d{1,2}:(?:1d|1h)|volume)$/,
    "a study key is smaN, emaN, rsiN:1d, rsiN:1h or volume",
  );
export type StudyKey = z.infer<typeof StudyKeySchema>;

/** The fewest recorded sessions a volume profile is averaged over: fewer, and a volume alert is refused. */
export const MIN_VOLUME_SESSIONS = 5;

/** Today's volume so far against the average by the same time of day over `sessions` recorded sessions. */
export const VolumeStudySchema = z.object({
  today: z.number().nonnegative().finite(),
  /** Average volume from the start of the trading day to this time of day over the recorded sessions. */
  typical: z.number().positive().finite(),
  sessions: z.number().int().min(MIN_VOLUME_SESSIONS),
});
export type VolumeStudy = z.infer<typeof VolumeStudySchema>;

/** What a tick (or a quote, for a new alert) carries of its symbol's studies; only those demanded, only those known. */
export const TickStudiesSchema = z
  .object({
    /** Indicator values at the tick's price, by study key (`sma50`, `rsi14:1h`, ...). */
    values: z.record(StudyKeySchema, z.number().finite()).optional(),
    volume: VolumeStudySchema.optional(),
  })
  .strict();
export type TickStudies = z.infer<typeof TickStudiesSchema>;

/** Why a study has no value yet: history too short (with how much there is and how much is needed), or none. */
export const StudyGapSchema = z.object({
  key: StudyKeySchema,
  reason: z.enum(["history_too_short", "no_volume"]),
  /** Bars (sessions, for volume) recorded and needed. */
  have: z.number().int().nonnegative(),
  need: z.number().int().positive(),
  message: z.string(),
});
export type StudyGap = z.infer<typeof StudyGapSchema>;

/** `GET /v1/studies/{symbol}?keys=sma50,rsi14:1d,volume`: the values now, and why any asked for is missing. */
export const StudiesResponseSchema = z.object({
  symbol: z.string(),
  studies: TickStudiesSchema,
  missing: z.array(StudyGapSchema),
});
export type StudiesResponse = z.infer<typeof StudiesResponseSchema>;
