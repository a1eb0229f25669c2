import { z } from "zod";
import { batchOf, IdSchema, IsoDateTimeSchema, PlatformSchema, plainText } from "./common.ts";
import { DisabledWebhookNoticeSchema, MAX_WEBHOOKS_PER_USER } from "./webhooks.ts";

// Bodies of the alert service's delivery log: what each bot delivered, so a redelivered notification is not
// sent twice across restarts, and what could not be delivered, so the user hears about it on their next command.

/**
 * The triggerId of a notification: `<alertId>:<generation>` for firings. Any short suffix is accepted, so a
 * notification kind with another suffix can be logged too; the alertId prefix is what the service checks.
 */
export const DeliveryTriggerIdSchema = plainText().regex(
  /^[0-9a-f-]{36}:[A-Za-z0-9_.-]{1,40}$/,
  "triggerId is <alertId>:<generation>",
);

export const DeliveryStatusSchema = z.enum(["sent", "undeliverable"]);
export type DeliveryStatus = z.infer<typeof DeliveryStatusSchema>;

/** `"new"` when the bot's platform has no record of this triggerId. */
export const DeliveryStateSchema = z.enum(["new", "sent", "undeliverable"]);
export type DeliveryState = z.infer<typeof DeliveryStateSchema>;

export const MAX_DELIVERY_REASON_LENGTH = 200;

/** Why a platform refused for good, e.g. `blocked_by_user`, `chat_not_found`, `dms_closed`. */
export const DeliveryReasonSchema = plainText()
  .trim()
  .min(1, "reason must not be empty")
  .max(MAX_DELIVERY_REASON_LENGTH, `reason must be at most ${MAX_DELIVERY_REASON_LENGTH} characters`);

/** `reason` belongs to (and is required by) an undeliverable record. */
function checkReason(
  body: { status: DeliveryStatus; reason?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (body.status === "undeliverable" && body.reason === undefined) {
    ctx.addIssue({ code: "custom", path: ["reason"], message: "an undeliverable record needs a reason" });
  }
  if (body.status === "sent" && body.reason !== undefined) {
    ctx.addIssue({ code: "custom", path: ["reason"], message: "a sent record has no reason" });
  }
}

/** `PUT /v1/deliveries/{triggerId}`: the first write wins; `reason` belongs to (and is required by) undeliverable. */
export const RecordDeliveryRequestSchema = z
  .object({
    alertId: IdSchema,
    status: DeliveryStatusSchema,
    reason: DeliveryReasonSchema.optional(),
  })
  .strict()
  .superRefine(checkReason);
export type RecordDeliveryRequest = z.input<typeof RecordDeliveryRequestSchema>;

/** Most records in one `PUT /v1/deliveries` and most triggerIds in one `POST /v1/deliveries/lookup`. */
export const MAX_DELIVERY_BATCH = 500;

/** One outcome of a batch: which notification, of which alert, and what became of it. */
export const DeliveryOutcomeRecordSchema = z
  .object({
    triggerId: DeliveryTriggerIdSchema,
    alertId: IdSchema,
    status: DeliveryStatusSchema,
    reason: DeliveryReasonSchema.optional(),
  })
  .strict()
  .superRefine((record, ctx) => {
    checkReason(record, ctx);
    if (!record.triggerId.startsWith(`${record.alertId}:`)) {
      ctx.addIssue({
        code: "custom",
        path: ["triggerId"],
        message: "triggerId must start with its alertId (<alertId>:<generation>)",
      });
    }
  });
export type DeliveryOutcomeRecord = z.input<typeof DeliveryOutcomeRecordSchema>;

/**
 * `PUT /v1/deliveries`: many outcomes in one request (the bots record in groups, not one request per DM).
 * Each record is taken or refused on its own; the first write of a triggerId wins.
 */
export const RecordDeliveriesRequestSchema = z
  .object({
    records: batchOf(DeliveryOutcomeRecordSchema, MAX_DELIVERY_BATCH, "record"),
  })
  .strict();
export type RecordDeliveriesRequest = z.input<typeof RecordDeliveriesRequestSchema>;

/**
 * What became of one record: `recorded` now, `already_recorded` (the record that stands is in `status`), or
 * `refused` with the reason (no such alert on the bot's platform, or recorded by another platform's bot).
 */
export const RecordDeliveryResultSchema = z.object({
  triggerId: z.string(),
  result: z.enum(["recorded", "already_recorded", "refused"]),
  /** The status that stands, unless refused. */
  status: DeliveryStatusSchema.optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type RecordDeliveryResult = z.infer<typeof RecordDeliveryResultSchema>;

/** The answer to `PUT /v1/deliveries`: one result per record, in the order given. */
export const RecordDeliveriesResponseSchema = z.object({
  results: z.array(RecordDeliveryResultSchema),
});
export type RecordDeliveriesResponse = z.infer<typeof RecordDeliveriesResponseSchema>;

/** `POST /v1/deliveries/lookup`: the states of many triggerIds at once, as the bot's platform sees them. */
export const LookupDeliveriesRequestSchema = z
  .object({
    triggerIds: batchOf(DeliveryTriggerIdSchema, MAX_DELIVERY_BATCH, "triggerId"),
  })
  .strict();
export type LookupDeliveriesRequest = z.input<typeof LookupDeliveriesRequestSchema>;

/** Every triggerId asked for, with its state (`new` when this platform has no record of it). */
export const LookupDeliveriesResponseSchema = z.object({
  states: z.record(z.string(), DeliveryStateSchema),
});
export type LookupDeliveriesResponse = z.infer<typeof LookupDeliveriesResponseSchema>;

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
  /** The user's webhooks disabled after repeated failures that they have not been told about (absent: none). */
  webhooks: z.array(DisabledWebhookNoticeSchema).optional(),
});
export type UndeliverableList = z.infer<typeof UndeliverableListSchema>;

/**
 * `POST /v1/deliveries/undeliverable/ack`: the ones the user was shown; without `triggerIds` and `webhookIds`, all of
 * them.
 */
export const AcknowledgeUndeliverableRequestSchema = z
  .object({
    triggerIds: z
      .array(DeliveryTriggerIdSchema)
      .min(1, "give at least one triggerId, or leave the field out to acknowledge all")
      .max(100, "at most 100 triggerIds at once")
      .optional(),
    /** Disabled webhooks the user was told about. With only these, no triggerId is acknowledged. */
    webhookIds: z
      .array(IdSchema)
      .min(1, "give at least one webhookId, or leave the field out")
      .max(MAX_WEBHOOKS_PER_USER * 10, "too many webhookIds at once")
      .optional(),
  })
  .strict();
export type AcknowledgeUndeliverableRequest = z.input<typeof AcknowledgeUndeliverableRequestSchema>;

export const AcknowledgeUndeliverableResponseSchema = z.object({
  acknowledged: z.number().int().nonnegative(),
});
export type AcknowledgeUndeliverableResponse = z.infer<typeof AcknowledgeUndeliverableResponseSchema>;
