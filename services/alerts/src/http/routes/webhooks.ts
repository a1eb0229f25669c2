import { z } from "@hono/zod-openapi";
import {
  CreatedWebhookSchema,
  CreateWebhookRequestSchema,
  IdSchema,
  MAX_WEBHOOKS_PER_USER,
  WebhookListSchema,
  WebhookTestResultSchema,
} from "@tickerbell/contracts";
import type { WebhookService } from "../../webhooks/webhook-service.ts";
import { type ActAsPlatformUser, requireBot } from "../auth.ts";
import { errorResponses, jsonBody, jsonResponse, resourceRouter, userRoute } from "./common.ts";

const WebhookParamsSchema = z.object({ id: IdSchema });

/** `/v1/webhooks`: the user's outbound webhooks (acting for a user). */
export function webhooksRoutes(webhooks: WebhookService, actAs: ActAsPlatformUser) {
  const router = resourceRouter(requireBot, actAs);

  router.openapi(
    userRoute({
      method: "post",
      path: "/",
      operationId: "createWebhook",
      tags: ["webhooks"],
      summary: "Add a webhook: every firing of the user's alerts is also POSTed to it",
      description: `An http(s) URL whose host does not resolve to a loopback, private, link-local, CGNAT or metadata address (unless the operator allows it in WEBHOOK_ALLOW_HOSTS); at most ${MAX_WEBHOOKS_PER_USER} per user. The answer carries the signing secret, the only time it is shown.`,
      request: {
        body: jsonBody(CreateWebhookRequestSchema, "Where to POST", {
          example: { summary: "A receiver of yours", value: { url: "https://example.com/tickerbell" } },
        }),
      },
      responses: {
        201: jsonResponse(CreatedWebhookSchema, "The webhook and its secret (shown once)"),
        ...errorResponses(409, 429),
      },
    }),
    async (c) => {
      const { url } = c.req.valid("json");
      return c.json(await webhooks.create(c.get("userId"), url), 201);
    },
  );

  router.openapi(
    userRoute({
      method: "get",
      path: "/",
      operationId: "listWebhooks",
      tags: ["webhooks"],
      summary: "The user's webhooks, oldest first (never their secrets)",
      responses: { 200: jsonResponse(WebhookListSchema, "The webhooks"), ...errorResponses(429) },
    }),
    async (c) => c.json({ items: await webhooks.list(c.get("userId")) }, 200),
  );

  router.openapi(
    userRoute({
      method: "delete",
      path: "/{id}",
      operationId: "deleteWebhook",
      tags: ["webhooks"],
      summary: "Remove a webhook",
      request: { params: WebhookParamsSchema },
      responses: { 204: { description: "Removed" }, ...errorResponses(404, 429) },
    }),
    async (c) => {
      await webhooks.remove(c.get("userId"), c.req.valid("param").id);
      return c.body(null, 204);
    },
  );

  router.openapi(
    userRoute({
      method: "post",
      path: "/{id}/test",
      operationId: "testWebhook",
      tags: ["webhooks"],
      summary: "Send a signed webhook.test delivery now and say what the receiver answered",
      description:
        "One attempt, no retries. A success re-enables a webhook that was disabled after failures.",
      request: { params: WebhookParamsSchema },
      responses: {
        200: jsonResponse(WebhookTestResultSchema, "What happened"),
        ...errorResponses(404, 429),
      },
    }),
    async (c) => c.json(await webhooks.test(c.get("userId"), c.req.valid("param").id), 200),
  );
  return router;
}
