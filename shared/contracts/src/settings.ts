import { z } from "zod";
import { batchOf, IdSchema, IsoDateTimeSchema } from "./common.ts";
import { NotificationSchema } from "./events.ts";

// Per-user settings (owned by the alert service) and the notifications a bot holds during quiet hours.

/** Times are shown in UTC until the user picks a zone. */
export const DEFAULT_TIME_ZONE = "UTC";

/** The canonical spelling of an IANA zone name (`europe/berlin` → `Europe/Berlin`), or null when it is none. */
export function canonicalTimeZone(name: string): string | null {
  // Only names: Intl also takes offsets like "+01:00", which have no daylight saving and are no place's zone.
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(name)) return null;
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
  } catch (error) {
    if (error instanceof RangeError) return null;
    throw error;
  }
}

/** An IANA time zone name such as `Europe/Berlin` or `America/New_York`, answered in its canonical spelling. */
export const TimeZoneSchema = z
  .string()
  .trim()
  .min(1, "timeZone must not be empty")
  .max(64, "timeZone must be at most 64 characters")
  .transform((name, ctx) => {
    const canonical = canonicalTimeZone(name);
    if (canonical === null) {
      ctx.addIssue({
        code: "custom",
        message: `"${name.slice(0, 64)}" is not a time zone; use an IANA name like Europe/Berlin or America/New_York`,
      });
      return z.NEVER;
    }
    return canonical;
  });

/** `HH:MM` on a 24-hour clock, 00:00 to 23:59. */
export const ClockTimeSchema = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "a time of day is HH:MM on a 24-hour clock, like 22:00 or 07:30");

/** Minutes after midnight of an `HH:MM` time. */
export function minutesOfClockTime(time: string): number {
  const [h, m] = time.split(":");
  return Number(h) * 60 + Number(m);
}

/** `HH:MM` of minutes after midnight. */
export function clockTimeOfMinutes(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

/**
 * Quiet hours in the user's zone, from `start` (included) to `end` (excluded); `22:00`-`07:00` wraps midnight.
 * Firings meanwhile are held and go out as one digest when they end.
 */
export const QuietHoursSchema = z
  .object({ start: ClockTimeSchema, end: ClockTimeSchema })
  .strict()
  .refine((q) => q.start !== q.end, {
    message: "quiet hours must start and end at different times",
    path: ["end"],
  });
export type QuietHours = z.infer<typeof QuietHoursSchema>;

/** A user's settings as the alert service answers them. */
export const UserSettingsSchema = z.object({
  /** The zone the user picked; null: none yet, times are shown in UTC. */
  timeZone: z.string().nullable(),
  /** Null: off. */
  quietHours: QuietHoursSchema.nullable(),
  /**
   * Whether a triggered alert's DM carries a chart when the operator has charts on. Missing (an alert service from
   * before the setting) reads as true, the default.
   */
  charts: z.boolean().default(true),
});
export type UserSettings = z.infer<typeof UserSettingsSchema>;

export const DEFAULT_USER_SETTINGS: UserSettings = { timeZone: null, quietHours: null, charts: true };

/** `PATCH /v1/settings`: what to change; null turns a setting back to its default (UTC, no quiet hours). */
export const UpdateSettingsRequestSchema = z
  .object({
    timeZone: TimeZoneSchema.nullable().optional(),
    quietHours: QuietHoursSchema.nullable().optional(),
    charts: z.boolean({ error: "charts is true or false" }).optional(),
  })
  .strict()
  .refine((u) => u.timeZone !== undefined || u.quietHours !== undefined || u.charts !== undefined, {
    message: "nothing to change: give timeZone, quietHours or charts",
  });
export type UpdateSettingsRequest = z.input<typeof UpdateSettingsRequestSchema>;

/** Most users in one `POST /v1/settings/lookup`. */
export const MAX_SETTINGS_LOOKUP = 500;

/** `POST /v1/settings/lookup`: the delivery side asks for the settings of the users it is notifying. */
export const LookupSettingsRequestSchema = z
  .object({
    userIds: batchOf(IdSchema, MAX_SETTINGS_LOOKUP, "userId"),
  })
  .strict();
export type LookupSettingsRequest = z.input<typeof LookupSettingsRequestSchema>;

/** Every userId asked for; a user with no identity on the bot's platform reads as the defaults. */
export const LookupSettingsResponseSchema = z.object({
  settings: z.record(z.string(), UserSettingsSchema),
});
export type LookupSettingsResponse = z.infer<typeof LookupSettingsResponseSchema>;

export const MAX_SETTINGS_CHANGES_PAGE = 1000;

/**
 * `GET /v1/settings/changes`: the settings of the token's platform's users, in the order they last changed, after
 * a position (`since` and, for ties, `afterUserId`). A bot keeps a copy of them all this way and needs no request
 * per notification; users absent from it have the defaults.
 */
export const SettingsChangesQuerySchema = z
  .object({
    since: IsoDateTimeSchema.optional(),
    afterUserId: IdSchema.optional(),
  })
  .strict()
  .refine((q) => q.afterUserId === undefined || q.since !== undefined, {
    message: "afterUserId goes with since",
    path: ["afterUserId"],
  });
export type SettingsChangesQuery = z.input<typeof SettingsChangesQuerySchema>;

export const SettingsChangeSchema = z.object({
  userId: IdSchema,
  settings: UserSettingsSchema,
  updatedAt: IsoDateTimeSchema,
});
export type SettingsChange = z.infer<typeof SettingsChangeSchema>;

export const SettingsChangesResponseSchema = z.object({
  changes: z.array(SettingsChangeSchema),
  /** More follow: ask again from the last change's position. */
  more: z.boolean(),
});
export type SettingsChangesResponse = z.infer<typeof SettingsChangesResponseSchema>;

// ---- held notifications (quiet hours) -------------------------------------------------------------------------

/** Most notifications in one `PUT /v1/held`, and most handed out by one claim. */
export const MAX_HELD_BATCH = 500;

/** `PUT /v1/held`: notifications the bot did not send because their user's quiet hours were on. */
export const HoldNotificationsRequestSchema = z
  .object({
    notifications: batchOf(NotificationSchema, MAX_HELD_BATCH, "notification"),
  })
  .strict();
export type HoldNotificationsRequest = z.input<typeof HoldNotificationsRequestSchema>;

/**
 * What became of one: `held` now, `already_held`, `already_delivered` (the delivery log has it: nothing to
 * hold), or `refused` (the alert does not exist or does not notify on the bot's platform).
 */
export const HoldResultSchema = z.object({
  triggerId: z.string(),
  result: z.enum(["held", "already_held", "already_delivered", "refused"]),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type HoldResult = z.infer<typeof HoldResultSchema>;

export const HoldNotificationsResponseSchema = z.object({ results: z.array(HoldResultSchema) });
export type HoldNotificationsResponse = z.infer<typeof HoldNotificationsResponseSchema>;

/** A user of the bot's platform with held notifications not yet delivered. */
export const HeldUserSchema = z.object({
  userId: IdSchema,
  settings: UserSettingsSchema,
  held: z.number().int().positive(),
  oldestHeldAt: IsoDateTimeSchema,
});
export type HeldUser = z.infer<typeof HeldUserSchema>;

/** `GET /v1/held`: the users with held notifications on the bot's platform, longest waiting first. */
export const HeldUserListSchema = z.object({ users: z.array(HeldUserSchema) });
export type HeldUserList = z.infer<typeof HeldUserListSchema>;

/** `POST /v1/held/claim`: one user's held notifications, for the digest; claimed for `leaseSeconds`. */
export const ClaimHeldRequestSchema = z
  .object({
    userId: IdSchema,
    leaseSeconds: z
      .number()
      .int("leaseSeconds must be a whole number")
      .min(5, "leaseSeconds must be at least 5")
      .max(3600, "leaseSeconds must be at most 3600")
      .default(120),
  })
  .strict();
export type ClaimHeldRequest = z.input<typeof ClaimHeldRequestSchema>;

/**
 * The claimed notifications, oldest first (at most MAX_HELD_BATCH): nobody else is handed them until the lease
 * ends. The claimant records them as sent in the delivery log (`PUT /v1/deliveries`), which releases them.
 */
export const ClaimHeldResponseSchema = z.object({ notifications: z.array(NotificationSchema) });
export type ClaimHeldResponse = z.infer<typeof ClaimHeldResponseSchema>;
