import { z } from "zod";

/** Chat platforms an alert can come from and be delivered to. `console` is the standalone terminal chat. */
export const PlatformSchema = z.enum(["discord", "telegram", "console"]);
export type Platform = z.infer<typeof PlatformSchema>;

/** Highest price (USD) any threshold may take; anything above is a typo, not a stock. */
export const MAX_PRICE = 1_000_000;

// Characters no string the alert service takes may hold. PostgreSQL cannot store U+0000 or a lone UTF-16 surrogate
// (legal in a JS string, and in JSON as `\ud800`): either used to answer 500. The others are never legitimately
// part of a one-line note or an identifier, and in a chat they forge extra lines, terminal escapes, or text that
// reads backwards (a bidi override makes `sell` display as `lles`).
const C0_NAMES = [
  "NULL",
  "START OF HEADING",
  "START OF TEXT",
  "END OF TEXT",
  "END OF TRANSMISSION",
  "ENQUIRY",
  "ACKNOWLEDGE",
  "BELL",
  "BACKSPACE",
  "CHARACTER TABULATION",
  "LINE FEED",
  "LINE TABULATION",
  "FORM FEED",
  "CARRIAGE RETURN",
  "SHIFT OUT",
  "SHIFT IN",
  "DATA LINK ESCAPE",
  "DEVICE CONTROL ONE",
  "DEVICE CONTROL TWO",
  "DEVICE CONTROL THREE",
  "DEVICE CONTROL FOUR",
  "NEGATIVE ACKNOWLEDGE",
  "SYNCHRONOUS IDLE",
  "END OF TRANSMISSION BLOCK",
  "CANCEL",
  "END OF MEDIUM",
  "SUBSTITUTE",
  "ESCAPE",
  "INFORMATION SEPARATOR FOUR",
  "INFORMATION SEPARATOR THREE",
  "INFORMATION SEPARATOR TWO",
  "INFORMATION SEPARATOR ONE",
];
const OTHER_NAMES: Record<number, string> = {
  127: "DELETE",
  133: "NEXT LINE",
  155: "CONTROL SEQUENCE INTRODUCER",
  8232: "LINE SEPARATOR",
  8233: "PARAGRAPH SEPARATOR",
  8234: "LEFT-TO-RIGHT EMBEDDING",
  8235: "RIGHT-TO-LEFT EMBEDDING",
  8236: "POP DIRECTIONAL FORMATTING",
  8237: "LEFT-TO-RIGHT OVERRIDE",
  8238: "RIGHT-TO-LEFT OVERRIDE",
  8294: "LEFT-TO-RIGHT ISOLATE",
  8295: "RIGHT-TO-LEFT ISOLATE",
  8296: "FIRST STRONG ISOLATE",
  8297: "POP DIRECTIONAL ISOLATE",
};
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|\p{Cs}/u;
/** Control characters that separate words: a cleaned text keeps a space where they were. */
const SPACE_LIKE = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x85, 0x2028, 0x2029]);

const isSurrogate = (cp: number) => cp >= 0xd800 && cp <= 0xdfff;
const isUnsafe = (cp: number) => UNSAFE_CHARACTER.test(String.fromCodePoint(cp));

/** `U+202E (RIGHT-TO-LEFT OVERRIDE)`. */
export function describeCodePoint(cp: number): string {
  const name =
    C0_NAMES[cp] ??
    OTHER_NAMES[cp] ??
    (isSurrogate(cp) ? "UNPAIRED SURROGATE" : cp >= 0x80 && cp <= 0x9f ? "C1 CONTROL" : undefined);
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
  return name ? `${hex} (${name})` : hex;
}

/**
 * The first character of `text` no text field may hold (C0 and C1 controls, DEL, bidi overrides and isolates,
 * line and paragraph separators, lone surrogates), with its position counted in characters (code points) from 1.
 */
export function findUnsafeCharacter(text: string): { codePoint: number; position: number } | null {
  if (!UNSAFE_CHARACTER.test(text)) return null;
  let position = 0;
  for (const char of text) {
    position += 1;
    const codePoint = char.codePointAt(0) ?? 0;
    if (isUnsafe(codePoint)) return { codePoint, position };
  }
  return null;
}

/**
 * `text` with every unsafe character (see findUnsafeCharacter) written as a visible escape like `\u{1b}`, except
 * those in `keep` (a terminal keeps its own line breaks and tabs): for echoing text somewhere it could act.
 */
export function escapeUnsafeCharacters(text: string, keep = ""): string {
  if (!UNSAFE_CHARACTER.test(text)) return text;
  let out = "";
  for (const char of text) {
    const cp = char.codePointAt(0) ?? 0;
    out += isUnsafe(cp) && !keep.includes(char) ? `\\u{${cp.toString(16)}}` : char;
  }
  return out;
}

/**
 * A string field that refuses every unsafe character (see findUnsafeCharacter) with a message naming it and where
 * it is, e.g. `contains U+202E (RIGHT-TO-LEFT OVERRIDE) at position 5; control and bidi characters are not
 * allowed`. The check sees the text as sent, before any `.trim()` chained after it, so a trailing line feed is
 * refused rather than quietly dropped. Use it for everything a user types and every identifier from a platform.
 */
export function plainText(): z.ZodString {
  return z.string().superRefine((text, ctx) => {
    const found = findUnsafeCharacter(text);
    if (!found) return;
    const rule = isSurrogate(found.codePoint)
      ? "text must be valid Unicode"
      : "control and bidi characters are not allowed";
    ctx.addIssue({
      code: "custom",
      message: `contains ${describeCodePoint(found.codePoint)} at position ${found.position}; ${rule}`,
      params: { codePoint: found.codePoint, position: found.position },
    });
  });
}

/**
 * Text a platform supplies about someone (a display name) with every unsafe character removed (a space where a
 * line break or tab was) and the ends trimmed: the platform's text is cleaned, never refused.
 */
export function cleanText(text: string): string {
  if (!UNSAFE_CHARACTER.test(text)) return text.trim();
  let out = "";
  for (const char of text) {
    const cp = char.codePointAt(0) ?? 0;
    if (!isUnsafe(cp)) out += char;
    else if (SPACE_LIKE.has(cp)) out += " ";
  }
  return out.trim();
}

/**
 * A symbol as users type it: `aapl`, `$AAPL`, ` brk.b `, `binance:btcusdt`. Normalised to upper case without the `$`.
 * Two shapes: a ticker (1-10 letters or digits starting with a letter, optionally with a `.`, `-` or `:` part, as
 * in BRK.B), or an exchange pair as Finnhub writes crypto and forex (`BINANCE:BTCUSDT`, `COINBASE:BTC-USD`,
 * `OANDA:EUR_USD`): the exchange, a colon, and the pair (up to 20 characters glued, or two legs joined by one
 * `-` or `_` where the exchange writes them so). Every part is bounded, so nothing else (spaces, quotes, markup)
 * gets through. Which class a symbol belongs to (stock, crypto, forex) is `assetClassOf` in @tickerbell/rules.
 */
export const SYMBOL_PATTERN =
  /^[A-Z][A-Z0-9]{0,9}(?:[.-][A-Z0-9]{1,12}|:[A-Z0-9]{1,20}|:[A-Z0-9]{1,12}[-_][A-Z0-9]{1,12})?$/;
export const SYMBOL_SHAPES =
  "a symbol is a ticker like AAPL or BRK.B, or an exchange pair like BINANCE:BTCUSDT, COINBASE:BTC-USD or OANDA:EUR_USD";
export const SymbolSchema = plainText()
  .trim()
  .transform((raw) => raw.replace(/^\$/, "").toUpperCase())
  .pipe(z.string().regex(SYMBOL_PATTERN, SYMBOL_SHAPES));
export type Symbol = z.output<typeof SymbolSchema>;

/** A positive, finite price below the sanity cap. */
export const PriceSchema = z
  .number()
  .finite()
  .positive("price must be greater than 0")
  .max(MAX_PRICE, `price must be at most ${MAX_PRICE}`);

export const IsoDateTimeSchema = z.iso.datetime({ offset: true });

/**
 * What kind of chat a notification is posted in: the owner's direct messages, a Discord server channel, or a
 * Telegram group. Absent means `dm`, so alerts, events and notifications from before destinations read as DMs.
 */
export const DestinationKindSchema = z.enum(["dm", "channel", "group"]);
export type DestinationKind = z.infer<typeof DestinationKindSchema>;

/** A Discord id (guild, channel, role): a snowflake, a 64-bit integer written in decimal. */
export const SnowflakeSchema = z
  .string()
  .regex(/^[0-9]{1,20}$/, "a Discord id is a snowflake: 1 to 20 digits, like 1098765432109876543");

const TELEGRAM_GROUP_CHAT_ID = /^-[0-9]{1,19}$/;

/**
 * Where a notification goes back to: the chat the alert was created in (`chatId`), and, for a community
 * destination, what kind of chat it is. A `channel` is a Discord server channel: `communityId` names the server
 * (guild), `mentionRoleId` optionally the role the post mentions. A `group` is a Telegram group: the group is
 * `chatId` itself, which Telegram writes as a negative number.
 */
export const OriginSchema = z
  .object({
    platform: PlatformSchema,
    chatId: plainText().min(1).max(64),
    kind: DestinationKindSchema.optional(),
    communityId: SnowflakeSchema.optional(),
    mentionRoleId: SnowflakeSchema.optional(),
  })
  .strict()
  .superRefine((origin, ctx) => {
    const kind = origin.kind ?? "dm";
    const refuse = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    if (origin.mentionRoleId !== undefined && kind !== "channel")
      refuse("mentionRoleId", "only a Discord channel alert can mention a role");
    if (kind === "dm") {
      if (origin.communityId !== undefined)
        refuse(
          "communityId",
          "a direct-message alert has no server; set kind to channel for a server channel",
        );
      return;
    }
    if (kind === "channel") {
      if (origin.platform !== "discord")
        refuse("kind", `a channel alert is posted in a Discord server channel, not on ${origin.platform}`);
      if (origin.communityId === undefined)
        refuse(
          "communityId",
          "a channel alert needs communityId, the id of the Discord server the channel is in",
        );
      if (!/^[0-9]{1,20}$/.test(origin.chatId))
        refuse("chatId", "a Discord channel id is a snowflake: 1 to 20 digits");
      return;
    }
    if (origin.platform !== "telegram")
      refuse("kind", `a group alert is posted in a Telegram group, not on ${origin.platform}`);
    if (origin.communityId !== undefined)
      refuse("communityId", "a Telegram group alert has no communityId: the group is its chatId");
    if (!TELEGRAM_GROUP_CHAT_ID.test(origin.chatId))
      refuse("chatId", "a Telegram group's chat id is a negative number, like -1001234567890");
  });
export type Origin = z.infer<typeof OriginSchema>;

/** The kind of `origin`'s destination, `dm` when it says none. */
export function destinationKindOf(origin: Origin): DestinationKind {
  return origin.kind ?? "dm";
}

/** Whether `origin` posts in a community (a Discord server channel or a Telegram group) rather than a DM. */
export function isCommunityDestination(origin: Origin): boolean {
  return destinationKindOf(origin) !== "dm";
}

/**
 * The community `origin` posts in, as one key: `discord:<guildId>` for a server channel, `telegram:<chatId>` for
 * a group; null for a DM. Per-community limits and settings are kept under it.
 */
export function communityKeyOf(origin: Origin): string | null {
  switch (destinationKindOf(origin)) {
    case "channel":
      return `${origin.platform}:${origin.communityId}`;
    case "group":
      return `${origin.platform}:${origin.chatId}`;
    default:
      return null;
  }
}

/** A chat as `<platform>:<chatId>` (`discord:1098765432109876543`, `telegram:-1001234567890`). */
export const DestinationKeySchema = plainText()
  .max(80)
  .transform((key, ctx) => {
    const colon = key.indexOf(":");
    const platform = PlatformSchema.safeParse(key.slice(0, colon));
    const chatId = key.slice(colon + 1);
    if (colon < 1 || !platform.success || chatId.length === 0 || chatId.length > 64) {
      ctx.addIssue({
        code: "custom",
        message:
          "a destination is <platform>:<chatId>, like discord:1098765432109876543 or telegram:-1001234567890",
      });
      return z.NEVER;
    }
    return { platform: platform.data, chatId };
  });
export type DestinationKey = z.output<typeof DestinationKeySchema>;

export const IdSchema = z.uuid();

/** The items of one batch request: at least one, at most `max`, a refusal naming them (`noun` and `noun`s). */
export function batchOf<T extends z.ZodType>(item: T, max: number, noun: string) {
  return z.array(item).min(1, `give at least one ${noun}`).max(max, `at most ${max} ${noun}s at once`);
}

/** An alert's firing count: stored in an integer column, so bounded to what it holds. */
export const GenerationSchema = z
  .number()
  .int()
  .nonnegative()
  .max(2_147_483_647, "a generation fits in 32 bits");

/** Epoch milliseconds a Date can hold (±8.64e15). */
export const EpochMillisSchema = z
  .number()
  .int()
  .nonnegative()
  .max(8.64e15, "past the last representable date");

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
