import { EnvError } from "@tickerbell/config";
import { describe, expect, it } from "vitest";
import { loadPricingEnv } from "./env.ts";

describe("loadPricingEnv", () => {
  it("defaults to the real Finnhub endpoints, the free-tier limits and the simulated feed", () => {
    expect(loadPricingEnv({})).toEqual({
      PORT: 8082,
      FINNHUB_WS_URL: "wss://ws.finnhub.io",
      FINNHUB_REST_URL: "https://finnhub.io/api/v1",
      FINNHUB_SYMBOL_CAP: 50,
      STREAM_REBALANCE_SECONDS: 60,
      FINNHUB_REST_CALLS_PER_MINUTE: 60,
      SIMULATION_SEED: 42,
      SIMULATION_MARKET_HOURS: "real",
      SIMULATION_SPEED: 1,
      DEMAND_REFRESH_SECONDS: 300,
      PRICE_HISTORY_MINUTE_DAYS: 30,
      PRICE_HISTORY_DAILY_DAYS: 400,
      LOG_LEVEL: "info",
    });
  });

  it("takes a PostgreSQL URL for price history, and says what is wrong with anything else", () => {
    expect(loadPricingEnv({ DATABASE_URL: "postgres://pricing@db:5432/tickerbell" }).DATABASE_URL).toBe(
      "postgres://pricing@db:5432/tickerbell",
    );
    expect(() => loadPricingEnv({ DATABASE_URL: "mysql://db/x" })).toThrow(
      /DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/,
    );
  });

  it("refuses retention periods that keep nothing", () => {
    expect(loadPricingEnv({ PRICE_HISTORY_MINUTE_DAYS: "7" }).PRICE_HISTORY_MINUTE_DAYS).toBe(7);
    expect(() => loadPricingEnv({ PRICE_HISTORY_MINUTE_DAYS: "0", PRICE_HISTORY_DAILY_DAYS: "0" })).toThrow(
      /PRICE_HISTORY_MINUTE_DAYS: keep minute bars at least 1 day[\s\S]*PRICE_HISTORY_DAILY_DAYS: keep daily bars at least 1 day/,
    );
  });

  it("names every invalid variable without echoing values", () => {
    let message = "";
    try {
      loadPricingEnv({ FINNHUB_SYMBOL_CAP: "0", FINNHUB_REST_URL: "not a url", API_TOKEN_INTERNAL: "short" });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/FINNHUB_SYMBOL_CAP/);
    expect(message).toMatch(/FINNHUB_REST_URL/);
    expect(message).toMatch(/API_TOKEN_INTERNAL/);
    expect(message).not.toContain("short");
  });

  it("takes LOG_LEVEL from the same levels as every service, and refuses others", () => {
    expect(loadPricingEnv({ LOG_LEVEL: "debug" }).LOG_LEVEL).toBe("debug");
    expect(() => loadPricingEnv({ LOG_LEVEL: "loud" })).toThrow(/LOG_LEVEL/);
  });

  it("reads KAFKA_BROKERS and the consumer tuning like every Kafka-using service", () => {
    const env = loadPricingEnv({
      KAFKA_BROKERS: " kafka-1:9092, kafka-2:9092 ",
      KAFKA_CONSUMER_MIN_BYTES: "1",
    });
    expect(env.KAFKA_BROKERS).toEqual(["kafka-1:9092", "kafka-2:9092"]);
    expect(env.KAFKA_CONSUMER_MIN_BYTES).toBe(1);
    expect(() => loadPricingEnv({ KAFKA_BROKERS: " , " })).toThrow(
      /KAFKA_BROKERS: must name at least one broker/,
    );
  });

  it("needs the internal token when the alert service is configured", () => {
    // An EnvError like any other bad variable (main.ts prints it and exits 1), with the others named alongside.
    expect(() => loadPricingEnv({ ALERTS_URL: "http://alerts:8080", PORT: "http" })).toThrow(EnvError);
    expect(() => loadPricingEnv({ ALERTS_URL: "http://alerts:8080", PORT: "http" })).toThrow(
      /API_TOKEN_INTERNAL: is required when ALERTS_URL is set[\s\S]*PORT|PORT[\s\S]*API_TOKEN_INTERNAL: is required when ALERTS_URL is set/,
    );
    expect(
      loadPricingEnv({ ALERTS_URL: "http://alerts:8080", API_TOKEN_INTERNAL: "long-enough-token" })
        .ALERTS_URL,
    ).toBe("http://alerts:8080");
  });
});
