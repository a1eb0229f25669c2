import { z } from "zod";

// Bodies of the pricing service's HTTP API (used by the bots for quotes, autocomplete and validation).

/** `GET /v1/quote/{symbol}`. */
export const QuoteSchema = z.object({
  symbol: z.string(),
  price: z.number(),
  change: z.number(),
  changePercent: z.number(),
  high: z.number(),
  low: z.number(),
  open: z.number(),
  previousClose: z.number(),
  /** Time of the last trade the quote reflects, epoch milliseconds. */
  ts: z.number().int().nonnegative(),
});
export type Quote = z.infer<typeof QuoteSchema>;

export const SymbolMatchSchema = z.object({
  symbol: z.string(),
  description: z.string(),
  /** e.g. "Common Stock", "ETP"; empty when the source does not say. */
  type: z.string(),
});
export type SymbolMatch = z.infer<typeof SymbolMatchSchema>;

/** `GET /v1/search?q=`. */
export const SymbolSearchResponseSchema = z.object({
  query: z.string(),
  results: z.array(SymbolMatchSchema),
});
export type SymbolSearchResponse = z.infer<typeof SymbolSearchResponseSchema>;

/** `GET /v1/market-status` (US equities). */
export const MarketStatusSchema = z.object({
  exchange: z.string(),
  isOpen: z.boolean(),
  /** "pre-market", "regular", "post-market", or null when closed. */
  session: z.string().nullable(),
  holiday: z.string().nullable(),
  timezone: z.string(),
  ts: z.number().int().nonnegative(),
});
export type MarketStatus = z.infer<typeof MarketStatusSchema>;
