import { z } from "zod";
import {
  batchOf,
  cleanText,
  IdSchema,
  IsoDateTimeSchema,
  PlatformSchema,
  plainText,
  SymbolSchema,
} from "./common.ts";

export const PlatformUserIdSchema = plainText()
  .trim()
  .min(1, "platformUserId must not be empty")
  .max(64, "platformUserId must be at most 64 characters")
  .regex(/^[A-Za-z0-9_.@-]+$/, "platformUserId may hold letters, digits and _ . @ - only");

/**
 * `X-Command-Id`: one chat command, as the bot names it. Every request a bot makes for the same command carries
 * the same id, so the user's command allowance counts the command once, not each request it takes.
 */
export const CommandIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,64}$/, "a command id is 8 to 64 letters, digits, _ or -");

export const IdentitySchema = z.object({
  platform: PlatformSchema,
  platformUserId: z.string(),
});
export type Identity = z.infer<typeof IdentitySchema>;

export const MAX_DISPLAY_NAME_LENGTH = 100;

/** Resolve-or-register: the bot's platform comes from its token, the user id from the chat update. */
export const ResolveUserRequestSchema = z
  .object({
    platformUserId: PlatformUserIdSchema,
    /**
     * The platform's name for the user, cleaned (see cleanText), never refused for its characters: it comes with
     * every command. Null when nothing is left once cleaned.
     */
    displayName: z
      .string()
      .transform(cleanText)
      .pipe(
        z
          .string()
          .max(MAX_DISPLAY_NAME_LENGTH, `displayName must be at most ${MAX_DISPLAY_NAME_LENGTH} characters`),
      )
      .transform((name) => (name === "" ? null : name))
      .optional(),
  })
  .strict();
export type ResolveUserRequest = z.input<typeof ResolveUserRequestSchema>;

export const UserSchema = z.object({
  id: IdSchema,
  identities: z.array(IdentitySchema),
  createdAt: IsoDateTimeSchema,
});
export type User = z.infer<typeof UserSchema>;

export const ResolveUserResponseSchema = z.object({
  user: UserSchema,
  created: z.boolean(),
});
export type ResolveUserResponse = z.infer<typeof ResolveUserResponseSchema>;

export const MAX_WATCHLIST_BATCH = 20;
export const MAX_WATCHLIST_SIZE = 200;

export const WatchlistItemSchema = z.object({ symbol: z.string(), addedAt: IsoDateTimeSchema });
export type WatchlistItem = z.infer<typeof WatchlistItemSchema>;

export const WatchlistSchema = z.object({ items: z.array(WatchlistItemSchema) });
export type Watchlist = z.infer<typeof WatchlistSchema>;

export const AddToWatchlistRequestSchema = z
  .object({
    symbols: batchOf(SymbolSchema, MAX_WATCHLIST_BATCH, "ticker"),
  })
  .strict();
export type AddToWatchlistRequest = z.input<typeof AddToWatchlistRequestSchema>;

export const LINK_CODE_TTL_SECONDS = 600;
export const LinkCodeSchema = z.object({ code: z.string(), expiresAt: IsoDateTimeSchema });
export type LinkCode = z.infer<typeof LinkCodeSchema>;

export const RedeemLinkCodeRequestSchema = z
  .object({
    code: plainText()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z0-9]{8}$/, "a link code is 8 letters and digits"),
  })
  .strict();
export type RedeemLinkCodeRequest = z.input<typeof RedeemLinkCodeRequestSchema>;

/** `POST /v1/link-codes/redeem`: the user the redeeming identity now belongs to. */
export const RedeemLinkCodeResponseSchema = z.object({
  user: UserSchema,
  /** Alerts that moved over from the redeeming identity's former user. */
  movedAlerts: z.number().int().nonnegative(),
});
export type RedeemLinkCodeResponse = z.infer<typeof RedeemLinkCodeResponseSchema>;
