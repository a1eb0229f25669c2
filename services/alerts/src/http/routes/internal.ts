import { createRoute } from "@hono/zod-openapi";
import {
  DemandSchema,
  ExtremeUpdatesRequestSchema,
  ExtremeUpdatesResponseSchema,
  InternalAlertPageSchema,
  InternalAlertsQuerySchema,
  RecordTriggerRequestSchema,
  RecordTriggerResponseSchema,
} from "@tickerbell/contracts";
import type { AlertService } from "../../domain/alert-service.ts";
import { requireInternal } from "../auth.ts";
import { bearer, errorResponses, jsonBody, jsonResponse, resourceRouter } from "./common.ts";

export function internalRoutes(alerts: AlertService) {
  const router = resourceRouter();
  router.use(requireInternal);

  router.openapi(
    createRoute({
      method: "post",
      path: "/triggers",
      tags: ["internal"],
      summary: "Record a firing by triggerId (idempotent)",
      description:
        "One-shot alerts become triggered; repeating ones re-arm on generation+1. A triggerId seen before answers duplicate; one for an older generation or an alert no longer active answers stale.",
      security: bearer,
      request: { body: jsonBody(RecordTriggerRequestSchema, "The firing") },
      responses: {
        200: jsonResponse(RecordTriggerResponseSchema, "What the firing did"),
        ...errorResponses(404),
      },
    }),
    async (c) => c.json(await alerts.recordTrigger(c.req.valid("json")), 200),
  );

  router.openapi(
    createRoute({
      method: "post",
      path: "/extremes",
      tags: ["internal"],
      summary: "Persist trailing peaks and troughs (the matcher's runtime state)",
      description:
        "Each update applies only to an active trailing alert still on that generation, and only moves the extreme outward: up for a trailing `down` (the peak), down for a trailing `up` (the trough). Runtime state: no version bump, no alerts.changes event.",
      security: bearer,
      request: { body: jsonBody(ExtremeUpdatesRequestSchema, "Extremes seen by the matcher") },
      responses: {
        200: jsonResponse(ExtremeUpdatesResponseSchema, "How many extremes moved"),
        ...errorResponses(),
      },
    }),
    async (c) => c.json({ applied: await alerts.raiseExtremes(c.req.valid("json").updates) }, 200),
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/alerts",
      tags: ["internal"],
      summary: "A page of alerts by status in id order (the matcher's start-up snapshot)",
      security: bearer,
      request: { query: InternalAlertsQuerySchema },
      responses: { 200: jsonResponse(InternalAlertPageSchema, "One page"), ...errorResponses() },
    }),
    async (c) => {
      const { status, after, limit } = c.req.valid("query");
      return c.json(await alerts.page(status, after ?? null, limit), 200);
    },
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/demand",
      tags: ["internal"],
      summary: "Every symbol with an active alert or on a watchlist (what the pricing service subscribes)",
      security: bearer,
      responses: { 200: jsonResponse(DemandSchema, "Symbols, sorted"), ...errorResponses() },
    }),
    async (c) => c.json({ symbols: await alerts.demand() }, 200),
  );
  return router;
}
