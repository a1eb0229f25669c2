import { KafkaConsumerTuningEnvShape } from "@tickerbell/bus";
import {
  envBrokers,
  envInt,
  envLogLevel,
  envPort,
  envSecret,
  envUrl,
  parseEnv,
  registerSecret,
} from "@tickerbell/config";
import { z } from "zod";

/** How long price history is kept; shared with the standalone, which records it too. */
export const PriceHistoryEnvShape = {
  /** Minute bars older than this many days are deleted. */
  PRICE_HISTORY_MINUTE_DAYS: envInt(30).pipe(
    z
      .number()
      .int()
      .min(1, "keep minute bars at least 1 day")
      .max(3650, "keep minute bars at most 3650 days"),
  ),
  /** Daily bars older than this many days are deleted. */
  PRICE_HISTORY_DAILY_DAYS: envInt(400).pipe(
    z
      .number()
      .int()
      .min(1, "keep daily bars at least 1 day")
      .max(36500, "keep daily bars at most 36500 days"),
  ),
};

export const PricingEnvSchema = z
  .object({
    PORT: envPort(8082),
    /** Unset: the simulated feed answers everything (standalone demo mode). */
    FINNHUB_API_KEY: z.string().min(1).optional(),
    FINNHUB_WS_URL: envUrl().default("wss://ws.finnhub.io"),
    FINNHUB_REST_URL: envUrl().default("https://finnhub.io/api/v1"),
    /** Symbols one websocket may carry (Finnhub free tier: 50): the most urgent stream, the rest are polled over REST. */
    FINNHUB_SYMBOL_CAP: envInt(50).pipe(
      z.number().int().min(1, "the websocket must carry at least 1 symbol"),
    ),
    /** How often the streamed symbols are re-ranked by urgency as prices move (also on every demand change). */
    STREAM_REBALANCE_SECONDS: envInt(60).pipe(
      z.number().int().min(5, "re-balance at most every 5 seconds").max(3600, "re-balance at least hourly"),
    ),
    /** REST budget shared by polling and the HTTP API (Finnhub free tier: 60 per minute). */
    FINNHUB_REST_CALLS_PER_MINUTE: envInt(60).pipe(z.number().int().min(1)),
    /** Comma-separated bootstrap brokers; unset: in-memory bus (only useful for a local try-out). */
    KAFKA_BROKERS: envBrokers().optional(),
    ...KafkaConsumerTuningEnvShape,
    /** The alert service, for the demand snapshot (GET /v1/internal/demand). */
    ALERTS_URL: envUrl().optional(),
    API_TOKEN_INTERNAL: envSecret().optional(),
    SIMULATION_SEED: envInt(42),
    /** `always-open` makes the simulated market trade around the clock (the standalone try-out uses it). */
    SIMULATION_MARKET_HOURS: z.enum(["real", "always-open"]).default("real"),
    /** Market time per wall-clock time of the simulated walks (1 = real pace). */
    SIMULATION_SPEED: envInt(1).pipe(z.number().int().min(1).max(3600)),
    /** How often the demand snapshot is refreshed (watchlist changes have no event). */
    DEMAND_REFRESH_SECONDS: envInt(300).pipe(z.number().int().min(5)),
    /** PostgreSQL for recorded price history (its own table and migrations; may share the alert service's database). Unset: no history. */
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
      .optional(),
    ...PriceHistoryEnvShape,
    LOG_LEVEL: envLogLevel(),
  })
  .superRefine(
    (env, ctx) => {
      if (env.ALERTS_URL && !env.API_TOKEN_INTERNAL) {
        ctx.addIssue({
          code: "custom",
          path: ["API_TOKEN_INTERNAL"],
          message: "is required when ALERTS_URL is set",
        });
      }
    },
    // Run even when other variables are invalid, so one start-up error names every problem.
    { when: () => true },
  );
export type PricingEnv = z.output<typeof PricingEnvSchema>;

/** Parses the environment once; no log line shows the Finnhub key, the internal token or the database password. */
export function loadPricingEnv(source: NodeJS.ProcessEnv = process.env): PricingEnv {
  const env = parseEnv("pricing", PricingEnvSchema, source, {
    secrets: ["FINNHUB_API_KEY", "API_TOKEN_INTERNAL", "DATABASE_URL"],
  });
  const password = env.DATABASE_URL ? passwordOf(env.DATABASE_URL) : undefined;
  if (password) registerSecret(password);
  return env;
}

function passwordOf(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}
