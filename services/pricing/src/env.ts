import { KafkaConsumerTuningEnvShape } from "@tickerbell/bus";
import { envBrokers, envInt, envLogLevel, envPort, envSecret, envUrl, parseEnv } from "@tickerbell/config";
import { z } from "zod";

export const PricingEnvSchema = z
  .object({
    PORT: envPort(8082),
    /** Unset: the simulated feed answers everything (standalone demo mode). */
    FINNHUB_API_KEY: z.string().min(1).optional(),
    FINNHUB_WS_URL: envUrl().default("wss://ws.finnhub.io"),
    FINNHUB_REST_URL: envUrl().default("https://finnhub.io/api/v1"),
    /** Symbols one websocket may carry (Finnhub free tier: 50); the rest are polled over REST. */
    FINNHUB_SYMBOL_CAP: envInt(50).pipe(z.number().int().min(1)),
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

/** Parses the environment once; no log line shows the Finnhub key or the internal token. */
export function loadPricingEnv(source: NodeJS.ProcessEnv = process.env): PricingEnv {
  return parseEnv("pricing", PricingEnvSchema, source, {
    secrets: ["FINNHUB_API_KEY", "API_TOKEN_INTERNAL"],
  });
}
