import {
  DemandQuerySchema,
  DemandSchema,
  InternalAlertPageSchema,
  InternalAlertsQuerySchema,
} from "@tickerbell/contracts";
import type { AlertService } from "../../domain/alert-service.ts";
import { parseOffsets, type RuntimeService } from "../../domain/runtime-service.ts";
import { requireInternal } from "../auth.ts";
import { errorResponses, jsonResponse, resourceRouter, tokenRoute } from "./common.ts";

export function internalRoutes(alerts: AlertService, runtime: RuntimeService) {
  const router = resourceRouter(requireInternal);

  router.openapi(
    tokenRoute({
      method: "get",
      path: "/alerts",
      operationId: "listAlertsInternal",
      tags: ["internal"],
      summary: "A page of alerts by status in id order (the matcher's start-up snapshot)",
      description:
        "The first page (no `after`) carries changeSeqs: per symbol, the highest alerts.changes seq committed before the page was read, so a consumer that loads the snapshot from the first page on may drop replayed changes with a seq at most that of their symbol. Later pages carry {}. The first page also carries windowHistories: per symbol of the share, the minute history its window alerts read, as the last matcher checkpointed it. With `partitions` and `partitionCount`, only alerts whose symbol falls in those partitions of the co-partitioned topics. With `runtimeOffsets`, the first page is answered only once alerts.runtime is applied up to those offsets (503 `runtime_not_applied` after 30 s): every alert then carries the runtime state its matcher last wrote.",
      request: { query: InternalAlertsQuerySchema },
      responses: { 200: jsonResponse(InternalAlertPageSchema, "One page"), ...errorResponses(503) },
    }),
    async (c) => {
      const { status, after, limit, partitions, partitionCount, runtimeOffsets } = c.req.valid("query");
      if (after === undefined && runtimeOffsets !== undefined)
        await runtime.awaitApplied(parseOffsets(runtimeOffsets));
      const wanted =
        partitions === undefined || partitionCount === undefined
          ? null
          : { partitions: new Set(partitions.split(",").map(Number)), count: partitionCount };
      const page = await alerts.page(status, after ?? null, limit, wanted);
      // Read after the barrier, like the alerts: the histories hold as of the states the alerts carry.
      const windowHistories = after === undefined ? await runtime.windowHistories(wanted) : {};
      return c.json({ ...page, windowHistories }, 200);
    },
  );

  router.openapi(
    tokenRoute({
      method: "get",
      path: "/demand",
      operationId: "getDemand",
      tags: ["internal"],
      summary:
        "Every symbol with an active alert or on a watchlist (what the pricing service subscribes), and per symbol its active alerts and their nearest levels above and below (what it ranks the live stream by)",
      description:
        "With `symbols`, only those symbols (up to 200): the pricing service's recheck after some of their alerts stopped or changed reads their alerts, not every active alert. An asked symbol nobody needs is absent.",
      request: { query: DemandQuerySchema },
      responses: { 200: jsonResponse(DemandSchema, "Symbols and their demand, sorted"), ...errorResponses() },
    }),
    async (c) => {
      const { symbols } = c.req.valid("query");
      return c.json(await alerts.demand(symbols === undefined ? null : symbols.split(",")), 200);
    },
  );
  return router;
}
