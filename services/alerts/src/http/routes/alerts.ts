import { z } from "@hono/zod-openapi";
import {
  AlertListSchema,
  AlertSchema,
  BulkAlertActionRequestSchema,
  BulkAlertActionResponseSchema,
  CreateAlertRequestSchema,
  DestinationKeySchema,
  IdSchema,
  ListAlertsQuerySchema,
  UpdateAlertRequestSchema,
} from "@tickerbell/contracts";
import type { Context } from "hono";
import type { AlertService } from "../../domain/alert-service.ts";
import type { AlertScope, Destination } from "../../domain/ports.ts";
import { type ActAsPlatformUser, type AppEnv, botPlatform, type Caller, requireBot } from "../auth.ts";
import { EXAMPLES } from "../openapi.ts";
import { HttpProblem } from "../problems.ts";
import { errorResponses, jsonBody, jsonResponse, resourceRouter, userRoute } from "./common.ts";

const AlertIdParams = z.object({ id: IdSchema });

/** The chat `x-acting-for-destination` names, on the bot's own platform, or null without the header. */
export function actingDestination(caller: Caller, header: string | undefined): Destination | null {
  if (header === undefined) return null;
  const parsed = DestinationKeySchema.safeParse(header);
  if (!parsed.success) {
    throw new HttpProblem(
      400,
      "invalid_destination",
      `the X-Acting-For-Destination header must name a chat: ${parsed.error.issues[0]?.message}`,
    );
  }
  const platform = botPlatform(caller);
  if (parsed.data.platform !== platform)
    throw new HttpProblem(403, "platform_mismatch", `a ${platform} bot can only act for ${platform} chats`);
  return parsed.data;
}

function scopeOf(c: Context<AppEnv>): AlertScope {
  return {
    userId: c.get("userId"),
    destination: actingDestination(c.get("caller"), c.req.header("x-acting-for-destination")),
  };
}

const ACTING = { actingForDestination: true };
const ACTING_NOTE =
  " With `x-acting-for-destination`, also the community alerts posted in that chat, whoever created them.";

export function alertsRoutes(alerts: AlertService, actAs: ActAsPlatformUser) {
  const router = resourceRouter(requireBot, actAs);
  const one = jsonResponse(AlertSchema, "The alert");

  router.openapi(
    userRoute({
      method: "post",
      path: "/",
      operationId: "createAlert",
      tags: ["alerts"],
      summary: "Create an alert (price, percent or trailing)",
      description:
        "Refused with 409 condition_already_met when the market already satisfies the condition, with 409 duplicate_alert (details.existingAlertId and details.existing) when the same place already has an active or paused alert on the symbol with the same condition and levels (a DM alert: among the user's DM alerts; a channel or group alert: among the alerts posted in that chat, whoever set them), and with 409 alert_limit_reached when the user has the most active or paused alerts allowed.",
      request: {
        body: jsonBody(CreateAlertRequestSchema, "The alert to create", EXAMPLES.createAlert),
      },
      responses: { 201: jsonResponse(AlertSchema, "The new alert"), ...errorResponses(409, 429) },
    }),
    async (c) => {
      const command = c.req.valid("json");
      const alert = await alerts.create(c.get("userId"), botPlatform(c.get("caller")), command);
      return c.json(alert, 201);
    },
  );

  router.openapi(
    userRoute({
      method: "get",
      path: "/",
      operationId: "listAlerts",
      tags: ["alerts"],
      summary:
        "A page of the user's alerts (or of a Discord channel's or Telegram group's), oldest first, optionally filtered by status and symbol",
      description:
        "With `destination` (`<platform>:<chatId>`, on the bot's platform), the community alerts posted in that chat, whoever created them, open ones unless `status` says otherwise: the bot has checked that the user may see them. Oldest first (by creation, then id). `status` is one status or `open` (active and paused: what can still fire). Pages hold `limit` alerts (1–500, default 100); pass a page's `nextCursor` as `cursor` to get the next one (null: that was the last). A cursor this service did not hand out is refused with 400 invalid_cursor. Finished alerts (triggered, expired, cancelled) stay listed for ALERTS_HISTORY_DAYS after their last change, then are deleted.",
      request: { query: ListAlertsQuerySchema },
      responses: {
        200: jsonResponse(AlertListSchema, "One page of matching alerts"),
        ...errorResponses(429),
      },
    }),
    async (c) => {
      const { status, symbol, limit, cursor, destination } = c.req.valid("query");
      if (destination === undefined) {
        const filter = { ...(status ? { status } : {}), ...(symbol ? { symbol } : {}) };
        return c.json(await alerts.list(c.get("userId"), filter, limit, cursor), 200);
      }
      const platform = botPlatform(c.get("caller"));
      if (destination.platform !== platform)
        throw new HttpProblem(403, "platform_mismatch", `a ${platform} bot can only list ${platform} chats`);
      const filter = { status: status ?? ("open" as const), ...(symbol ? { symbol } : {}) };
      return c.json(await alerts.list({ destination }, filter, limit, cursor), 200);
    },
  );

  router.openapi(
    userRoute(
      {
        method: "post",
        path: "/bulk",
        operationId: "bulkAlertAction",
        tags: ["alerts"],
        summary: "Pause, resume or cancel several of the user's alerts at once",
        description:
          "One transaction, one alerts.changes event per alert that changed. Only the named alerts are touched: those that are no longer open (fired, expired, deleted) or not the user's come back in `notOpen`, those already as asked in `unchanged`." +
          ACTING_NOTE,
        request: {
          body: jsonBody(BulkAlertActionRequestSchema, "The action and the alerts it is for"),
        },
        responses: {
          200: jsonResponse(BulkAlertActionResponseSchema, "What the action did"),
          ...errorResponses(429),
        },
      },
      ACTING,
    ),
    async (c) => {
      const { action, alertIds } = c.req.valid("json");
      return c.json(await alerts.bulk(scopeOf(c), action, alertIds), 200);
    },
  );

  router.openapi(
    userRoute(
      {
        method: "get",
        path: "/{id}",
        operationId: "getAlert",
        tags: ["alerts"],
        summary: "One of the user's alerts",
        description: ACTING_NOTE.trim(),
        request: { params: AlertIdParams },
        responses: { 200: one, ...errorResponses(404, 429) },
      },
      ACTING,
    ),
    async (c) => c.json(await alerts.get(scopeOf(c), c.req.valid("param").id), 200),
  );

  router.openapi(
    userRoute(
      {
        method: "patch",
        path: "/{id}",
        operationId: "updateAlert",
        tags: ["alerts"],
        summary: "Change the condition, note, repeat or expiry, or pause/resume",
        description:
          "Only the fields given change. A new `condition` (with the `market` now) re-bases the levels as a create would and re-arms the alert, keeping its id, firings and last firing; it is refused with 409 condition_already_met or 409 duplicate_alert as a create is. Changing only the note, repeat or expiry leaves where the alert is in its firing cycle as it is." +
          ACTING_NOTE,
        request: {
          params: AlertIdParams,
          body: jsonBody(UpdateAlertRequestSchema, "Only the fields to change", EXAMPLES.updateAlert),
        },
        responses: { 200: one, ...errorResponses(404, 409, 429) },
      },
      ACTING,
    ),
    async (c) => {
      const alert = await alerts.update(scopeOf(c), c.req.valid("param").id, c.req.valid("json"));
      return c.json(alert, 200);
    },
  );

  router.openapi(
    userRoute(
      {
        method: "delete",
        path: "/{id}",
        operationId: "cancelAlert",
        tags: ["alerts"],
        summary: "Cancel an alert (idempotent; the alert stays listed as cancelled, as history)",
        description: ACTING_NOTE.trim(),
        request: { params: AlertIdParams },
        responses: { 200: one, ...errorResponses(404, 409, 429) },
      },
      ACTING,
    ),
    async (c) => c.json(await alerts.cancel(scopeOf(c), c.req.valid("param").id), 200),
  );
  return router;
}
