import { z } from "zod";
import { AlertConditionSchema } from "./alerts.ts";
import { IdSchema, IsoDateTimeSchema, PlatformSchema, plainText } from "./common.ts";
import { RearmSchema, ReferenceKindSchema } from "./events.ts";

/** Webhooks one user may have at once. */
export const MAX_WEBHOOKS_PER_USER = 5;
export const MAX_WEBHOOK_URL_LENGTH = 2000;

/** An http(s) URL without credentials or a fragment: where firings are POSTed. */
export const WebhookUrlSchema = plainText()
  .trim()
  .min(1, "give the URL to POST to")
  .max(MAX_WEBHOOK_URL_LENGTH, `a webhook URL has at most ${MAX_WEBHOOK_URL_LENGTH} characters`)
  .superRefine((text, ctx) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      ctx.addIssue({ code: "custom", message: "is not a URL (it must start with https:// or http://)" });
      return;
    }
    if (url.protocol !== "https:" && url.protocol !== "http:")
      ctx.addIssue({ code: "custom", message: `must be an https:// or http:// URL, not ${url.protocol}//` });
    if (url.username !== "" || url.password !== "")
      ctx.addIssue({ code: "custom", message: "must not carry a user name or password" });
    if (url.hash !== "") ctx.addIssue({ code: "custom", message: "must not have a #fragment" });
  });

export const WebhookStatusSchema = z.enum(["active", "disabled"]);
export type WebhookStatus = z.infer<typeof WebhookStatusSchema>;

/** A webhook as listed: never its secret, which is shown once when it is created. */
export const WebhookSchema = z.object({
  id: IdSchema,
  url: z.string(),
  status: WebhookStatusSchema,
  createdAt: IsoDateTimeSchema,
  /** Deliveries that failed in a row (after their retries); reset by a success. */
  consecutiveFailures: z.number().int().nonnegative(),
  lastDeliveryAt: IsoDateTimeSchema.nullable(),
  /** The last failure, e.g. `http_500`, `address_refused`, `timeout`. */
  lastError: z.string().nullable(),
  disabledAt: IsoDateTimeSchema.nullable(),
});
export type Webhook = z.infer<typeof WebhookSchema>;

/** `POST /v1/webhooks`. */
export const CreateWebhookRequestSchema = z.object({ url: WebhookUrlSchema }).strict();
export type CreateWebhookRequest = z.input<typeof CreateWebhookRequestSchema>;

/** The created webhook with its signing secret: the only time the secret is shown. */
export const CreatedWebhookSchema = z.object({ webhook: WebhookSchema, secret: z.string() });
export type CreatedWebhook = z.infer<typeof CreatedWebhookSchema>;

export const WebhookListSchema = z.object({ items: z.array(WebhookSchema) });
export type WebhookList = z.infer<typeof WebhookListSchema>;

/** `POST /v1/webhooks/{id}/test`: what the receiver did with a `webhook.test` delivery. */
export const WebhookTestResultSchema = z.object({
  ok: z.boolean(),
  /** The receiver's HTTP status, null when none came (refused address, network failure, timeout). */
  status: z.number().int().nullable(),
  /** Why it failed (null when ok). */
  error: z.string().nullable(),
  /** The webhook after the test (a successful test re-enables a disabled one). */
  webhook: WebhookSchema,
});
export type WebhookTestResult = z.infer<typeof WebhookTestResultSchema>;

/** A disabled webhook whose owner has not been told yet (told with the undeliverable notices). */
export const DisabledWebhookNoticeSchema = z.object({
  webhookId: IdSchema,
  url: z.string(),
  lastError: z.string().nullable(),
  disabledAt: IsoDateTimeSchema,
});
export type DisabledWebhookNotice = z.infer<typeof DisabledWebhookNoticeSchema>;

/** The version of the payload schema; a breaking change gets a new `v` (and `X-Tickerbell-Version`). */
export const WEBHOOK_PAYLOAD_VERSION = 1;

/**
 * The JSON body POSTed to a webhook (version 1). Signed: `X-Tickerbell-Signature: v1=<hex>` is
 * HMAC-SHA256(secret, `${X-Tickerbell-Timestamp}.${raw body}`).
 */
export const WebhookPayloadSchema = z.object({
  v: z.literal(WEBHOOK_PAYLOAD_VERSION),
  /** `alert.triggered`, `alert.expired`, or `webhook.test` (sent by /webhook test; `alert` and `firing` null). */
  type: z.enum(["alert.triggered", "alert.expired", "webhook.test"]),
  /** Unique per webhook and firing (`<webhookId>:<triggerId>`): the same id again is a redelivery. */
  id: z.string(),
  webhookId: IdSchema,
  /** When this delivery was made (each retry gets a new one; see the timestamp header for signatures). */
  sentAt: IsoDateTimeSchema,
  alert: z
    .object({
      id: IdSchema,
      symbol: z.string(),
      condition: AlertConditionSchema,
      note: z.string().nullable(),
      repeating: z.boolean(),
      urgent: z.boolean(),
      /** Where the chat notification went. */
      platform: PlatformSchema,
    })
    .nullable(),
  firing: z
    .object({
      /** `<alertId>:<generation>`: the same firing seen twice has the same triggerId. */
      triggerId: z.string(),
      generation: z.number().int().nonnegative(),
      price: z.number(),
      firedAt: IsoDateTimeSchema,
      referencePrice: z.number(),
      referenceKind: ReferenceKindSchema.nullable(),
      moveAbs: z.number(),
      movePercent: z.number(),
      level: z.number().nullable(),
      side: z.enum(["upper", "lower"]).nullable(),
      lastPrice: z.number().nullable(),
      extreme: z.number().nullable(),
      rearm: RearmSchema.nullable(),
    })
    .nullable(),
});
export type WebhookPayload = z.infer<typeof WebhookPayloadSchema>;
