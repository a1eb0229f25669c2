import {
  ChartsEnvShape,
  DiscordDeliveryEnvShape,
  DryRunEnvShape,
  QuietHoursEnvShape,
} from "@tickerbell/bot-core";
import { KafkaConsumerTuningEnvShape } from "@tickerbell/bus";
import { envBrokers, envLogLevel, envPort, envSecret, parseEnv } from "@tickerbell/config";
import { z } from "zod";

const snowflake = z.string().regex(/^\d{17,20}$/, "must be a Discord id (17 to 20 digits)");

export const DiscordEnvSchema = z.object({
  DISCORD_TOKEN: envSecret(),
  /** Discord's REST root; the gateway URL comes from GET /gateway/bot. Tests point it at a local fake. */
  DISCORD_API_BASE: z.url().default("https://discord.com/api"),
  /** Optional: otherwise taken from the READY payload (bot) or GET /applications/@me (register). */
  DISCORD_APPLICATION_ID: snowflake.optional(),
  ALERTS_URL: z.url(),
  /** This bot's token for the alert service (the service's API_TOKEN_DISCORD). */
  ALERTS_API_TOKEN: envSecret(),
  PRICING_URL: z.url(),
  KAFKA_BROKERS: envBrokers(),
  ...KafkaConsumerTuningEnvShape,
  /** Consumer group of notifications.discord: every instance of this bot shares it. */
  DISCORD_GROUP_ID: z.string().min(1).default("discord-bot"),
  PORT: envPort(8085),
  /** DISCORD_MESSAGES_PER_SECOND: Discord's global limit is 50 requests/s per bot; DMs are paced below it. */
  ...DiscordDeliveryEnvShape,
  /** QUIET_HOURS_DIGEST_EVERY_SECONDS (default 30): how often the quiet-hours digest loop looks. */
  ...QuietHoursEnvShape,
  /** CHARTS (on|off) and CHART_BUDGET_MS: /chart and the chart in each notification. */
  ...ChartsEnvShape,
  /** DRY_RUN_BUDGET_MS: how long the dry run under a new alert's confirmation may take (0: no dry run). */
  ...DryRunEnvShape,
  LOG_LEVEL: envLogLevel(),
});
export type DiscordEnv = z.output<typeof DiscordEnvSchema>;

export function loadEnv(source: NodeJS.ProcessEnv = process.env): DiscordEnv {
  return parseEnv("discord-bot", DiscordEnvSchema, source, {
    secrets: ["DISCORD_TOKEN", "ALERTS_API_TOKEN"],
  });
}

/** What `npm run register` needs: only the Discord side. */
export const RegisterEnvSchema = DiscordEnvSchema.pick({
  DISCORD_TOKEN: true,
  DISCORD_API_BASE: true,
  DISCORD_APPLICATION_ID: true,
  LOG_LEVEL: true,
});
export type RegisterEnv = z.output<typeof RegisterEnvSchema>;

export function loadRegisterEnv(source: NodeJS.ProcessEnv = process.env): RegisterEnv {
  return parseEnv("discord-register", RegisterEnvSchema, source, { secrets: ["DISCORD_TOKEN"] });
}
