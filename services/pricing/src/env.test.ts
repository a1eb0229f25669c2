import { describe, expect, it } from "vitest";
import { loadPricingEnv } from "./env.ts";

describe("loadPricingEnv", () => {
  it("defaults to the real Finnhub endpoints, the free-tier limits and the simulated feed", () => {
    expect(loadPricingEnv({})).toEqual({
      PORT: 8082,
      FINNHUB_WS_URL: "wss://ws.finnhub.io",
      FINNHUB_REST_URL: "https://finnhub.io/api/v1",
      FINNHUB_SYMBOL_CAP: 50,
      FINNHUB_REST_CALLS_PER_MINUTE: 60,
      SIMULATION_SEED: 42,
      SIMULATION_MARKET_HOURS: "real",
      SIMULATION_SPEED: 1,
      DEMAND_REFRESH_SECONDS: 300,
    });
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

  it("needs the internal token when the alert service is configured", () => {
    expect(() => loadPricingEnv({ ALERTS_URL: "http://alerts:8080" })).toThrow(
      /API_TOKEN_INTERNAL is required/,
    );
    expect(
      loadPricingEnv({ ALERTS_URL: "http://alerts:8080", API_TOKEN_INTERNAL: "long-enough-token" })
        .ALERTS_URL,
    ).toBe("http://alerts:8080");
  });
});
