import { z } from "zod";

/** Chat platforms an alert can come from and be delivered to. `console` is the standalone terminal chat. */
export const PlatformSchema = z.enum(["discord", "telegram", "console"]);
export type Platform = z.infer<typeof PlatformSchema>;

/** Highest price (USD) any threshold may take; anything above is a typo, not a stock. */
export const MAX_PRICE = 1_000_000;

/**
 * A ticker as users type it: `aapl`, `$AAPL`, ` brk.b `. Normalised to upper case without the `$`.
 * Exchange-prefixed symbols (`BINANCE:BTCUSDT`) are allowed because Finnhub uses them.
 */
export const SYMBOL_PATTERN = /^[A-Z][A-Z0-9]{0,9}([.:-][A-Z0-9]{1,12})?$/;
export const SymbolSchema = z
  .string()
  .trim()
  .transform((raw) => raw.replace(/^\$/, "").toUpperCase())
  .pipe(
    z
      .string()
      .regex(SYMBOL_PATTERN, "a ticker is 1-10 letters or digits starting with a letter, like AAPL or BRK.B"),
  );
export type Symbol = z.output<typeof SymbolSchema>;

/** A positive, finite price below the sanity cap. */
export const PriceSchema = z
  .number()
  .finite()
  .positive("price must be greater than 0")
  .max(MAX_PRICE, `price must be at most ${MAX_PRICE}`);

export const IsoDateTimeSchema = z.iso.datetime({ offset: true });

/**
 * Text that is valid Unicode: a lone UTF-16 surrogate (legal in a JS string and in JSON as `\ud800`) cannot be
 * stored by PostgreSQL, so free text is refused at the boundary instead of failing in the database.
 */
export function wellFormed(schema: z.ZodString) {
  return schema.refine((s) => s.isWellFormed(), "must be valid Unicode text (no lone surrogates)");
}

/** Where a notification goes back to: the chat the alert was created in. */
export const OriginSchema = z
  .object({
    platform: PlatformSchema,
    chatId: wellFormed(z.string().min(1).max(64)),
  })
  .strict();
export type Origin = z.infer<typeof OriginSchema>;

export const IdSchema = z.uuid();

/** The body of every 4xx/5xx answer of every Tickerbell HTTP API. */
export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/**
 * Where an alert stands between firings: `armed` can fire; `cooling` fired and waits out its cooldown;
 * `awaitingBand` (repeating above/below only) waited the cooldown and now waits for price to move back across
 * its level by the hysteresis band.
 */
export const AlertPhaseSchema = z.enum(["armed", "cooling", "awaitingBand"]);
export type AlertPhase = z.infer<typeof AlertPhaseSchema>;

/** A Kafka offset as a decimal string (offsets are 64-bit). */
export const OffsetSchema = z.string().regex(/^\d+$/, "an offset is a non-negative integer in decimal");
