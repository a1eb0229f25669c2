import { z } from "zod";
import { AlertSchema, AlertStatusSchema } from "./alerts.ts";
import { IdSchema } from "./common.ts";

// Bodies of the alert service's internal API (matcher and pricing service, internal token only).

export const MAX_INTERNAL_PAGE = 1000;

/** `GET /v1/internal/alerts`: a paged snapshot in id order, for the matcher's start-up. */
export const InternalAlertsQuerySchema = z
  .object({
    status: AlertStatusSchema.default("active"),
    after: IdSchema.optional(),
    limit: z.coerce.number().int().min(1).max(MAX_INTERNAL_PAGE).default(500),
  })
  .strict();
export type InternalAlertsQuery = z.input<typeof InternalAlertsQuerySchema>;

export const InternalAlertPageSchema = z.object({
  alerts: z.array(AlertSchema),
  /** Pass as `after` for the next page; null when this page was the last. */
  nextAfter: IdSchema.nullable(),
});
export type InternalAlertPage = z.infer<typeof InternalAlertPageSchema>;

/** `GET /v1/internal/demand`: every symbol someone needs prices for (active alerts and watchlists). */
export const DemandSchema = z.object({ symbols: z.array(z.string()) });
export type Demand = z.infer<typeof DemandSchema>;
