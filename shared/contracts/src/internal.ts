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
  /**
   * The highest alerts.changes `seq` committed before this page was read: the page reflects every change up to
   * it, so a consumer that loaded the snapshot from the first page on may drop changes with `seq` <= the first
   * page's value. Optional for older servers ("0" = unknown).
   */
  asOfSeq: z.string().regex(/^\d+$/).optional(),
});
export type InternalAlertPage = z.infer<typeof InternalAlertPageSchema>;

/** `GET /v1/internal/demand`: every symbol someone needs prices for (active alerts and watchlists). */
export const DemandSchema = z.object({ symbols: z.array(z.string()) });
export type Demand = z.infer<typeof DemandSchema>;

/**
 * `POST /v1/internal/extremes`: the matcher persists trailing peaks (`down`) and troughs (`up`) so they survive
 * its restarts. Runtime state, not a change of the alert: no version bump, no `alerts.changes` event.
 */
export const ExtremeUpdateSchema = z
  .object({
    alertId: IdSchema,
    /** Applied only while the alert is on this generation (a firing re-bases the extreme). */
    generation: z.number().int().nonnegative(),
    extreme: z.number().positive().finite(),
  })
  .strict();
export type ExtremeUpdate = z.infer<typeof ExtremeUpdateSchema>;

export const MAX_EXTREME_UPDATES = 1000;

export const ExtremeUpdatesRequestSchema = z
  .object({ updates: z.array(ExtremeUpdateSchema).max(MAX_EXTREME_UPDATES) })
  .strict();
export type ExtremeUpdatesRequest = z.infer<typeof ExtremeUpdatesRequestSchema>;

export const ExtremeUpdatesResponseSchema = z.object({
  /** Updates that moved an extreme outward; the rest were stale (other generation, not active) or not outward. */
  applied: z.number().int().nonnegative(),
});
export type ExtremeUpdatesResponse = z.infer<typeof ExtremeUpdatesResponseSchema>;
