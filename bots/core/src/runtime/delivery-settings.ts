import { envBool, envInt, parseEnv } from "@tickerbell/config";
import { z } from "zod";
import type { RateLimits } from "../delivery/rate-limiter.ts";

/** Telegram's default pace: about 30 messages a second overall (its broadcast limit), 1 a second per chat. */
const TELEGRAM_DEFAULT_PER_SECOND = 30;
/** With paid broadcasts Telegram takes up to 1,000 messages a second (each billed in Stars). */
const TELEGRAM_PAID_BROADCAST_PER_SECOND = 1000;

/**
 * The delivery settings of the Telegram bot, as environment variables: every process that delivers to Telegram
 * (the bot process, the standalone) reads them through this one schema.
 */
export const TelegramDeliveryEnvShape = {
  /** Overall pace; default 30, or 1000 with TELEGRAM_ALLOW_PAID_BROADCAST. */
  TELEGRAM_MESSAGES_PER_SECOND: z.coerce.number().int().min(1).max(1000).optional(),
  TELEGRAM_MESSAGES_PER_CHAT_PER_SECOND: envInt(1).pipe(z.number().min(1).max(100)),
  /** A group takes about 20 messages a minute; firings due faster go out merged into fewer messages. */
  TELEGRAM_GROUP_MESSAGES_PER_MINUTE: envInt(20).pipe(
    z
      .number()
      .int()
      .min(1, "allow each group at least 1 message a minute")
      .max(600, "allow each group at most 600 messages a minute"),
  ),
  /** Send with allow_paid_broadcast (billed per message beyond the free limit) and raise the default pace. */
  TELEGRAM_ALLOW_PAID_BROADCAST: envBool(false),
};

/** The Discord bot's: its global limit is 50 requests a second per bot; DMs are paced below it. */
export const DiscordDeliveryEnvShape = {
  DISCORD_MESSAGES_PER_SECOND: envInt(50).pipe(z.number().min(1).max(50)),
};

/** Quiet hours: how often each bot looks for users whose quiet hours ended, to send their digest. */
export const QuietHoursEnvShape = {
  QUIET_HOURS_DIGEST_EVERY_SECONDS: envInt(30).pipe(z.number().min(1).max(3600)),
};

export const DeliveryEnvSchema = z.object({
  ...TelegramDeliveryEnvShape,
  ...DiscordDeliveryEnvShape,
  ...QuietHoursEnvShape,
});
export type DeliveryEnv = z.output<typeof DeliveryEnvSchema>;

export interface TelegramDeliverySettings {
  limits: RateLimits;
  allowPaidBroadcast: boolean;
}

export interface DiscordDeliverySettings {
  limits: RateLimits;
}

export function telegramDeliverySettings(
  env: Pick<DeliveryEnv, keyof typeof TelegramDeliveryEnvShape>,
): TelegramDeliverySettings {
  const fallback = env.TELEGRAM_ALLOW_PAID_BROADCAST
    ? TELEGRAM_PAID_BROADCAST_PER_SECOND
    : TELEGRAM_DEFAULT_PER_SECOND;
  return {
    limits: {
      globalPerSecond: env.TELEGRAM_MESSAGES_PER_SECOND ?? fallback,
      perChatPerSecond: env.TELEGRAM_MESSAGES_PER_CHAT_PER_SECOND,
      slowerChats: {
        matches: isTelegramGroupChat,
        perSecond: env.TELEGRAM_GROUP_MESSAGES_PER_MINUTE / 60,
      },
      // Requests leave on time but arrive with jitter; Telegram counts in sliding windows.
      headroom: 0.05,
    },
    allowPaidBroadcast: env.TELEGRAM_ALLOW_PAID_BROADCAST,
  };
}

/** Telegram's group and supergroup chat ids are negative; a private chat's id is the user's, positive. */
export function isTelegramGroupChat(chatId: string): boolean {
  return chatId.startsWith("-");
}

export function discordDeliverySettings(
  env: Pick<DeliveryEnv, keyof typeof DiscordDeliveryEnvShape>,
): DiscordDeliverySettings {
  // Per-route buckets and 429s are handled by discord.js's REST manager; this keeps DMs under the global limit.
  return { limits: { globalPerSecond: env.DISCORD_MESSAGES_PER_SECOND, perChatPerSecond: 5 } };
}

/** Both platforms' settings from the environment (for a process that delivers to both, like the standalone). */
export function loadDeliverySettings(source: NodeJS.ProcessEnv = process.env): {
  telegram: TelegramDeliverySettings;
  discord: DiscordDeliverySettings;
} {
  const env = parseEnv("delivery", DeliveryEnvSchema, source);
  return { telegram: telegramDeliverySettings(env), discord: discordDeliverySettings(env) };
}
