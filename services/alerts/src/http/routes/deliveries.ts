import { z } from "@hono/zod-openapi";
import {
  AcknowledgeUndeliverableRequestSchema,
  AcknowledgeUndeliverableResponseSchema,
  DeliveryRecordSchema,
  DeliveryStateResponseSchema,
  DeliveryTriggerIdSchema,
  LookupDeliveriesRequestSchema,
  LookupDeliveriesResponseSchema,
  MAX_DELIVERY_BATCH,
  MAX_UNDELIVERABLE_LISTED,
  RecordDeliveriesRequestSchema,
  RecordDeliveriesResponseSchema,
  RecordDeliveryRequestSchema,
  UndeliverableListSchema,
} from "@tickerbell/contracts";
import type { DeliveryService } from "../../domain/delivery-service.ts";
import type { WebhookService } from "../../webhooks/webhook-service.ts";
import { type ActAsPlatformUser, botPlatform, requireBot } from "../auth.ts";
import { errorResponses, jsonBody, jsonResponse, resourceRouter, tokenRoute, userRoute } from "./common.ts";

const TriggerParams = z.object({ triggerId: DeliveryTriggerIdSchema });

/**
 * The bots' delivery log. Reading and writing a triggerId's record is the bot's own business (its platform
 * comes from its token, no user involved); the undeliverable notices act for a user, like the other bot routes.
 */
export function deliveriesRoutes(
  deliveries: DeliveryService,
  actAs: ActAsPlatformUser,
  webhooks: Pick<WebhookService, "untold" | "markTold">,
) {
  const router = resourceRouter(requireBot);

  // Registered before /{triggerId} so "undeliverable" is never taken for a triggerId.
  router.openapi(
    userRoute({
      method: "get",
      path: "/undeliverable",
      operationId: "listUndeliverable",
      middleware: [actAs] as const,
      tags: ["deliveries"],
      summary: "The user's notifications that could not be delivered and they have not been told about",
      description: `Across all of the user's linked platforms: the newest ${MAX_UNDELIVERABLE_LISTED}, oldest first, and the total; \`webhooks\`: the user's webhooks disabled after repeated failures that they were not told about yet.`,
      responses: {
        200: jsonResponse(UndeliverableListSchema, "Unacknowledged undeliverable notifications"),
        ...errorResponses(429),
      },
    }),
    async (c) => {
      const userId = c.get("userId");
      const [list, disabled] = await Promise.all([deliveries.undeliverable(userId), webhooks.untold(userId)]);
      return c.json(disabled.length === 0 ? list : { ...list, webhooks: disabled }, 200);
    },
  );

  router.openapi(
    userRoute({
      method: "post",
      path: "/undeliverable/ack",
      operationId: "acknowledgeUndeliverable",
      middleware: [actAs] as const,
      tags: ["deliveries"],
      summary: "Mark undeliverable notifications as told to the user",
      description:
        "Only the given triggerIds and disabled webhooks (those the user was shown), or every one when the body names none.",
      request: {
        body: {
          required: false,
          description: "Which ones; leave out for all",
          content: { "application/json": { schema: AcknowledgeUndeliverableRequestSchema } },
        },
      },
      responses: {
        200: jsonResponse(AcknowledgeUndeliverableResponseSchema, "How many were acknowledged now"),
        ...errorResponses(429),
      },
    }),
    async (c) => {
      const { triggerIds, webhookIds } = c.req.valid("json");
      const userId = c.get("userId");
      const all = triggerIds === undefined && webhookIds === undefined;
      const notifications =
        all || triggerIds !== undefined ? await deliveries.acknowledge(userId, triggerIds ?? null) : 0;
      const told = all || webhookIds !== undefined ? await webhooks.markTold(userId, webhookIds ?? null) : 0;
      return c.json({ acknowledged: notifications + told }, 200);
    },
  );

  router.openapi(
    tokenRoute({
      method: "post",
      path: "/lookup",
      operationId: "lookUpDeliveries",
      tags: ["deliveries"],
      summary: "What this bot's platform did with many notifications: new, sent or undeliverable",
      description: `Up to ${MAX_DELIVERY_BATCH} triggerIds; every one is answered. A record written by another platform's bot reads as new. A bot asks this only for notifications an earlier owner of its partition may have handled.`,
      request: { body: jsonBody(LookupDeliveriesRequestSchema, "The triggerIds to look up") },
      responses: {
        200: jsonResponse(LookupDeliveriesResponseSchema, "Each one's state"),
        ...errorResponses(),
      },
    }),
    async (c) => {
      const { triggerIds } = c.req.valid("json");
      const states = await deliveries.lookup(botPlatform(c.get("caller")), triggerIds);
      return c.json({ states }, 200);
    },
  );

  router.openapi(
    tokenRoute({
      method: "put",
      path: "/",
      operationId: "recordDeliveries",
      tags: ["deliveries"],
      summary: "Record many outcomes at once (idempotent per triggerId: the first record stands)",
      description: `Up to ${MAX_DELIVERY_BATCH} records, each taken or refused on its own and answered in order: recorded, already_recorded (with the status that stands), or refused (the alert does not exist or does not notify on the token's platform: alert_not_found; another platform's bot recorded it: delivery_recorded_elsewhere). A body that does not validate is refused whole (400).`,
      request: { body: jsonBody(RecordDeliveriesRequestSchema, "The outcomes") },
      responses: {
        200: jsonResponse(RecordDeliveriesResponseSchema, "One result per record, in order"),
        ...errorResponses(),
      },
    }),
    async (c) => {
      const { records } = c.req.valid("json");
      const results = await deliveries.recordMany(botPlatform(c.get("caller")), records);
      return c.json({ results }, 200);
    },
  );

  router.openapi(
    tokenRoute({
      method: "get",
      path: "/{triggerId}",
      operationId: "getDelivery",
      tags: ["deliveries"],
      summary: "What this bot's platform did with a notification: new, sent or undeliverable",
      description: "A record written by another platform's bot is not visible: the answer is then new.",
      request: { params: TriggerParams },
      responses: { 200: jsonResponse(DeliveryStateResponseSchema, "The state"), ...errorResponses() },
    }),
    async (c) => {
      const { triggerId } = c.req.valid("param");
      const state = await deliveries.stateOf(botPlatform(c.get("caller")), triggerId);
      return c.json({ triggerId, state }, 200);
    },
  );

  router.openapi(
    tokenRoute({
      method: "put",
      path: "/{triggerId}",
      operationId: "recordDelivery",
      tags: ["deliveries"],
      summary:
        "Record that a notification was sent, or is undeliverable (idempotent: the first record stands)",
      description:
        "The alert must exist and notify on the token's platform (404 otherwise), and the triggerId must start with its alertId. A later write, even of the other status, changes nothing and answers the record that stands with 200.",
      request: {
        params: TriggerParams,
        body: jsonBody(RecordDeliveryRequestSchema, "The outcome of the delivery"),
      },
      responses: {
        200: jsonResponse(DeliveryRecordSchema, "Recorded before: the record that stands"),
        201: jsonResponse(DeliveryRecordSchema, "Recorded now"),
        ...errorResponses(404, 409),
      },
    }),
    async (c) => {
      const { triggerId } = c.req.valid("param");
      const platform = botPlatform(c.get("caller"));
      const { record, created } = await deliveries.record(platform, triggerId, c.req.valid("json"));
      return created ? c.json(record, 201) : c.json(record, 200);
    },
  );
  return router;
}
