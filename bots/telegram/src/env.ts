import {
  ChartsEnvShape,
  DryRunEnvShape,
  QuietHoursEnvShape,
  TelegramDeliveryEnvShape,
} from "@tickerbell/bot-core";
import { KafkaConsumerTuningEnvShape } from "@tickerbell/bus";
import { envBrokers, envLogLevel, envPort, envSecret, parseEnv } from "@tickerbell/config";
import { z } from "zod";

export const TelegramEnvSchema = z.object({
  TELEGRAM_TOKEN: z
    .string()
    .regex(/^\d+:[A-Za-z0-9_-]+$/, "must look like 123456:ABC-DEF (the token BotFather gave)"),
  TELEGRAM_API_ROOT: z.url().default("https://api.telegram.org"),
  ALERTS_URL: z.url(),
  /** This bot's token for the alert service (the service's API_TOKEN_TELEGRAM). */
  ALERTS_API_TOKEN: envSecret(),
  PRICING_URL: z.url(),
  KAFKA_BROKERS: envBrokers(),
  ...KafkaConsumerTuningEnvShape,
  /** Consumer group of notifications.telegram: every instance of this bot shares it. */
  TELEGRAM_GROUP_ID: z.string().min(1).default("telegram-bot"),
  PORT: envPort(8084),
  /**
   * TELEGRAM_MESSAGES_PER_SECOND, TELEGRAM_MESSAGES_PER_CHAT_PER_SECOND, TELEGRAM_GROUP_MESSAGES_PER_MINUTE,
   * TELEGRAM_ALLOW_PAID_BROADCAST.
   */
  ...TelegramDeliveryEnvShape,
  /** QUIET_HOURS_DIGEST_EVERY_SECONDS (default 30): how often the quiet-hours digest loop looks. */
  ...QuietHoursEnvShape,
  /** CHARTS (on|off) and CHART_BUDGET_MS: /chart and the chart in each notification. */
  ...ChartsEnvShape,
  /** DRY_RUN_BUDGET_MS: how long the dry run under a new alert's confirmation may take (0: no dry run). */
  ...DryRunEnvShape,
  LOG_LEVEL: envLogLevel(),
});
export type TelegramEnv = z.output<typeof TelegramEnvSchema>;

export function loadEnv(source: NodeJS.ProcessEnv = process.env): TelegramEnv {
  return parseEnv("telegram-bot", TelegramEnvSchema, source, {
    secrets: ["TELEGRAM_TOKEN", "ALERTS_API_TOKEN"],
  });
}
