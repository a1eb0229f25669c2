import { z } from "zod";
import { AlertSchema, AlertStatusSchema } from "./alerts.ts";
import { IdSchema, SYMBOL_PATTERN } from "./common.ts";
import { WindowHistorySchema } from "./runtime.ts";
import { StudyKeySchema } from "./studies.ts";

// Bodies of the alert service's internal API (matcher and pricing service, internal token only).

export const MAX_INTERNAL_PAGE = 1000;

/** `GET /v1/internal/alerts`: a paged snapshot in id order, for the matcher's start-up. */
export const InternalAlertsQuerySchema = z
  .object({
    status: AlertStatusSchema.default("active"),
    after: IdSchema.optional(),
    limit: z.coerce.number().int().min(1).max(MAX_INTERNAL_PAGE).default(500),
    /** Only alerts whose symbol is in these partitions of the co-partitioned topics, e.g. "0,3". */
    partitions: z
      .string()
      .regex(/^\d{1,5}(,\d{1,5})*$/, "partitions is a comma-separated list of partition numbers")
      .optional(),
    /** How many partitions `partitions` counts from (the co-partitioned topics' partition count). */
    partitionCount: z.coerce.number().int().min(1).max(10_000).optional(),
    /**
     * Read-your-writes for a matcher taking partitions over: answer only once the alert service has applied
     * alerts.runtime up to these end offsets, "partition:offset,..." (the offsets the next messages will get).
     */
    runtimeOffsets: z
      .string()
      .regex(/^\d{1,5}:\d{1,19}(,\d{1,5}:\d{1,19})*$/, "runtimeOffsets is partition:offset,...")
      .optional(),
  })
  .strict()
  .refine((q) => q.partitions === undefined || q.partitionCount !== undefined, {
    message: "partitions needs partitionCount",
    path: ["partitionCount"],
  })
  .refine(
    (q) =>
      q.partitions === undefined ||
      q.partitionCount === undefined ||
      q.partitions.split(",").every((p) => Number(p) < (q.partitionCount ?? 0)),
    { message: "every partition must be below partitionCount", path: ["partitions"] },
  );
export type InternalAlertsQuery = z.input<typeof InternalAlertsQuerySchema>;

export const InternalAlertPageSchema = z.object({
  alerts: z.array(AlertSchema),
  /** Pass as `after` for the next page; null when this page was the last. */
  nextAfter: IdSchema.nullable(),
  /**
   * First page only (requested without `after`; later pages carry `{}`): per symbol, the highest alerts.changes
   * `seq` committed before the page's rows were read. The snapshot reflects every change of a symbol up to it,
   * so a consumer that loads the snapshot from the first page on may drop replayed alerts.changes events whose
   * `seq` is at most `changeSeqs[symbol]`. A symbol without an entry has had no change yet.
   */
  changeSeqs: z.record(z.string(), z.string().regex(/^\d+$/)),
  /**
   * First page only: per symbol of the requested partitions, the minute history its window alerts read, as the
   * last matcher checkpointed it. Absent or `{}` on later pages.
   */
  windowHistories: z.record(z.string(), WindowHistorySchema).optional(),
});
export type InternalAlertPage = z.infer<typeof InternalAlertPageSchema>;

/**
 * How urgently one symbol needs prices: its active alerts and the nearest levels they fire at (the lowest level
 * above and the highest below, as the rule book reads them from the stored alerts without a price). A symbol only
 * on watchlists has 0 alerts and no levels.
 */
export const SymbolDemandSchema = z.object({
  symbol: z.string(),
  alerts: z.number().int().nonnegative(),
  nearestAbove: z.number().positive().nullable(),
  nearestBelow: z.number().nonnegative().nullable(),
  /** Studies the symbol's active alerts watch (volume, moving averages, RSI): pricing sends them on its ticks. */
  studies: z.array(StudyKeySchema).optional(),
});
export type SymbolDemand = z.infer<typeof SymbolDemandSchema>;

/** At most this many symbols in one scoped demand question (GET /v1/internal/demand?symbols=…). */
export const MAX_DEMAND_SYMBOLS = 200;

/**
 * `GET /v1/internal/demand`: without `symbols`, every symbol (the snapshot reads every active alert); with
 * `symbols=AAPL,BINANCE:BTCUSDT`, only those, as upper-case symbols (a recheck after some of their alerts stopped
 * or changed: it reads only their alerts). An asked symbol nobody needs is absent from the answer.
 */
export const DemandQuerySchema = z
  .object({
    symbols: z
      .string()
      .refine(
        (list) => list.split(",").length <= MAX_DEMAND_SYMBOLS,
        `symbols names at most ${MAX_DEMAND_SYMBOLS} symbols`,
      )
      .refine(
        (list) => list.split(",").every((symbol) => SYMBOL_PATTERN.test(symbol)),
        "symbols is a comma-separated list of upper-case symbols, like AAPL,BINANCE:BTCUSDT",
      )
      .optional(),
  })
  .strict();
export type DemandQuery = z.infer<typeof DemandQuerySchema>;

/**
 * `GET /v1/internal/demand`: every symbol someone needs prices for (active alerts and watchlists), and per
 * symbol what the pricing service ranks the live stream's slots by.
 */
export const DemandSchema = z.object({
  symbols: z.array(z.string()),
  bySymbol: z.array(SymbolDemandSchema),
});
export type Demand = z.infer<typeof DemandSchema>;
