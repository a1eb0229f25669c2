import { FiringListSchema, ListFiringsQuerySchema } from "@tickerbell/contracts";
import type { AlertService } from "../../domain/alert-service.ts";
import { type ActAsPlatformUser, requireBot } from "../auth.ts";
import { errorResponses, jsonResponse, resourceRouter, userRoute } from "./common.ts";

/** What fired: the user's firings, newest first, for `/history`. */
export function firingsRoutes(alerts: AlertService, actAs: ActAsPlatformUser) {
  const router = resourceRouter(requireBot, actAs);
  router.openapi(
    userRoute({
      method: "get",
      path: "/",
      operationId: "listFirings",
      tags: ["alerts"],
      summary: "The user's most recent firings, newest first, optionally of one symbol",
      description:
        "Each firing of any of the user's alerts (finished ones included, until the history is purged): the condition, the trade price and its time. `limit` 1-50, default 10.",
      request: { query: ListFiringsQuerySchema },
      responses: { 200: jsonResponse(FiringListSchema, "Recent firings"), ...errorResponses(429) },
    }),
    async (c) => {
      const { symbol, limit } = c.req.valid("query");
      const firings = await alerts.recentFirings(c.get("userId"), symbol ?? null, limit);
      return c.json({ firings }, 200);
    },
  );
  return router;
}
