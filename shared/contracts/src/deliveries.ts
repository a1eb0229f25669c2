import { z } from "zod";
import { IdSchema, IsoDateTimeSchema, PlatformSchema } from "./common.ts";

// Bodies of the alert service's delivery log: what each bot delivered, so a redelivered notification is not
// sent twice across restarts, and what could not be delivered, so the user hears about it on their next command.

/**
 * The triggerId of a notification: `<alertId>:<generation>` for firings. Any short suffix is accepted, so a
 * notification kind with another suffix can be logged too; the alertId prefix is what the service checks.
 */
export const DeliveryTriggerIdSchema = z
  .string()
  .regex(/^[0-9a-f-]{36}:[A-Za-z0-9_.-]{1,40}$/, "triggerId is <alertId>:<generation>");

export const DeliveryStatusSchema = z.enum(["sent", "undeliverable"]);
export type DeliveryStatus = z.infer<typeof DeliveryStatusSchema>;

/** `"new"` when the bot's platform has no record of this triggerId. */
export const DeliveryStateSchema = z.enum(["new", "sent", "undeliverable"]);
export type DeliveryState = z.infer<typeof DeliveryStateSchema>;

export const MAX_DELIVERY_REASON_LENGTH = 200;

/** Why a platform refused for good, e.g. `blocked_by_user`, `chat_not_found`, `dms_closed`. */
export const DeliveryReasonSchema = z
  .string()
  .trim()
  .min(1, "reason must not be empty")
  .max(MAX_DELIVERY_REASON_LENGTH, `reason must be at most ${MAX_DELIVERY_REASON_LENGTH} characters`)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  .regex(/^[^\u0000-\u001f\u007f]*$/, "reason must not contain control characters")
  .refine((s) => s.isWellFormed(), "reason must be valid Unicode text");

/** `PUT /v1/deliveries/{triggerId}`: the first write wins; `reason` belongs to (and is required by) undeliverable. */
export const RecordDeliveryRequestSchema = z
  .object({
    alertId: IdSchema,
    status: DeliveryStatusSchema,
    reason: DeliveryReasonSchema.optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.status === "undeliverable" && body.reason === undefined) {
      ctx.addIssue({ code: "custom", path: ["reason"], message: "an undeliverable record needs a reason" });
    }
    if (body.status === "sent" && body.reason !== undefined) {
      ctx.addIssue({ code: "custom", path: ["reason"], message: "a sent record has no reason" });
    }
  });
export type RecordDeliveryRequest = z.input<typeof RecordDeliveryRequestSchema>;

export const DeliveryRecordSchema = z.object({
  triggerId: z.string(),
  alertId: IdSchema,
  platform: PlatformSchema,
  status: DeliveryStatusSchema,
  reason: z.string().nullable(),
  recordedAt: IsoDateTimeSchema,
});
export type DeliveryRecord = z.infer<typeof DeliveryRecordSchema>;

/** `GET /v1/deliveries/{triggerId}`. */
export const DeliveryStateResponseSchema = z.object({
  triggerId: z.string(),
  state: DeliveryStateSchema,
});
export type DeliveryStateResponse = z.infer<typeof DeliveryStateResponseSchema>;

export const MAX_UNDELIVERABLE_LISTED = 20;

export const UndeliverableNoticeSchema = z.object({
  triggerId: z.string(),
  alertId: IdSchema,
  symbol: z.string(),
  platform: PlatformSchema,
  reason: z.string(),
  recordedAt: IsoDateTimeSchema,
});
export type UndeliverableNotice = z.infer<typeof UndeliverableNoticeSchema>;

/** `GET /v1/deliveries/undeliverable`: the newest unacknowledged ones (oldest first), and how many there are. */
export const UndeliverableListSchema = z.object({
  items: z.array(UndeliverableNoticeSchema),
  total: z.number().int().nonnegative(),
});
export type UndeliverableList = z.infer<typeof UndeliverableListSchema>;

/** `POST /v1/deliveries/undeliverable/ack`: the ones the user was shown; without `triggerIds`, all of them. */
export const AcknowledgeUndeliverableRequestSchema = z
  .object({
    triggerIds: z
      .array(DeliveryTriggerIdSchema)
      .min(1, "give at least one triggerId, or leave the field out to acknowledge all")
      .max(100, "at most 100 triggerIds at once")
      .optional(),
  })
  .strict();
export type AcknowledgeUndeliverableRequest = z.input<typeof AcknowledgeUndeliverableRequestSchema>;

export const AcknowledgeUndeliverableResponseSchema = z.object({
  acknowledged: z.number().int().nonnegative(),
});
export type AcknowledgeUndeliverableResponse = z.infer<typeof AcknowledgeUndeliverableResponseSchema>;
