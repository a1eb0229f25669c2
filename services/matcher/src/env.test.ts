import { EnvError } from "@tickerbell/config";
import { describe, expect, it } from "vitest";
import { loadMatcherEnv } from "./env.ts";

describe("matcher env", () => {
  it("needs the brokers and the internal token, and defaults the rest", () => {
    const env = loadMatcherEnv({ KAFKA_BROKERS: "k1:9092, k2:9092", API_TOKEN_INTERNAL: "internal-token-x" });
    expect(env).toMatchObject({
      KAFKA_BROKERS: ["k1:9092", "k2:9092"],
      ALERTS_URL: "http://localhost:8081",
      PORT: 8083,
      MATCHER_CHECKPOINT_MS: 500,
      MATCHER_GROUP_ID: "matcher",
      KAFKA_SESSION_TIMEOUT_MS: 30_000,
      LOG_LEVEL: "info",
    });
  });

  it("names every missing or invalid variable at once without echoing a value", () => {
    let caught: unknown;
    try {
      loadMatcherEnv({ ALERTS_URL: "not a url", PORT: "eighty", API_TOKEN_INTERNAL: "short" });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EnvError);
    const message = (caught as EnvError).message;
    for (const name of ["KAFKA_BROKERS is required", "ALERTS_URL", "PORT", "API_TOKEN_INTERNAL"]) {
      expect(message).toContain(name);
    }
    expect(message).not.toContain("short");
  });
});
