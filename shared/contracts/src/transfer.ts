import { z } from "zod";
import { IsoDateTimeSchema } from "./common.ts";

/**
 * `/export` and `/import`: a user's open alerts and watchlist as a file. Alerts are written in the words of the
 * `/alert` command (`above 200`, `down 3% from close`, `repeat 1h`), so one grammar reads both a typed command
 * and an imported line, and a person can write a file by hand.
 */
export const TRANSFER_FORMAT_VERSION = 1;
/** A larger file is refused before it is read whole (its declared size first, then while downloading). */
export const MAX_IMPORT_BYTES = 1024 * 1024;
/** Alert and watchlist rows in one file; the per-user caps apply on top. */
export const MAX_IMPORT_ROWS = 500;

/** The CSV header, in the order export writes it. `type` is `alert` or `watch`. */
export const TRANSFER_CSV_COLUMNS = [
  "type",
  "symbol",
  "condition",
  "repeat",
  "expires",
  "note",
  "rth",
  "urgent",
  "status",
] as const;
export type TransferCsvColumn = (typeof TRANSFER_CSV_COLUMNS)[number];

/** One alert as exported: the ticker and its condition as typed after `/alert`, its options beside. */
export const ExportedAlertSchema = z
  .object({
    symbol: z.string().min(1).max(40),
    /** `above 200`, `up 5%`, `down 3% from close`, `trail up $5`. */
    condition: z.string().min(1).max(100),
    /** The cooldown of a repeating alert (`1h`, `90m`); null: fires once. */
    repeat: z.string().max(20).nullable().default(null),
    /** When it expires: an ISO date-time, a date (`2026-12-31`, the end of that day UTC) or a duration (`7d`). */
    expires: z.string().max(40).nullable().default(null),
    note: z.string().max(1000).nullable().default(null),
    /** US regular trading hours only. */
    rth: z.boolean().default(false),
    /** Notifies even during quiet hours. */
    urgent: z.boolean().default(false),
    status: z.enum(["active", "paused"]).default("active"),
  })
  .strict();
export type ExportedAlert = z.input<typeof ExportedAlertSchema>;

/** The JSON file `/export json` writes. */
export const ExportFileSchema = z
  .object({
    v: z.literal(TRANSFER_FORMAT_VERSION),
    exportedAt: IsoDateTimeSchema,
    alerts: z.array(ExportedAlertSchema).max(MAX_IMPORT_ROWS),
    /** Tickers, in the order they were added. */
    watchlist: z.array(z.string().min(1).max(40)).max(MAX_IMPORT_ROWS),
  })
  .strict();
export type ExportFile = z.input<typeof ExportFileSchema>;

/**
 * What `/import` accepts as a whole before reading its entries one by one: a bad entry is refused on its own
 * line of the result, not the whole file.
 */
export const ImportFileEnvelopeSchema = z.object({
  v: z.literal(TRANSFER_FORMAT_VERSION, {
    error: `"v" must be ${TRANSFER_FORMAT_VERSION} (a file written by /export json)`,
  }),
  exportedAt: z.string().optional(),
  alerts: z.array(z.unknown()).default([]),
  watchlist: z.array(z.unknown()).default([]),
});
