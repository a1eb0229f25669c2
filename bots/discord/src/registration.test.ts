import { describe, expect, it } from "vitest";
import { loadEnv, loadRegisterEnv } from "./env.ts";
import { guildFromArgs } from "./registration.ts";

describe("guildFromArgs", () => {
  it("reads --guild <id> and --guild=<id>, and refuses a guild that is not an id", () => {
    expect(guildFromArgs([])).toBeUndefined();
    expect(guildFromArgs(["--guild", "900000000000000001"])).toBe("900000000000000001");
    expect(guildFromArgs(["--guild=900000000000000001"])).toBe("900000000000000001");
    expect(() => guildFromArgs(["--guild"])).toThrow(/guild id/);
    expect(() => guildFromArgs(["--guild", "general"])).toThrow(/guild id/);
  });
});

describe("env", () => {
  it("names every missing variable at once, and defaults the rest", () => {
    expect(() => loadEnv({})).toThrow(
      /DISCORD_TOKEN is required[\s\S]*ALERTS_URL is required[\s\S]*KAFKA_BROKERS is required/,
    );
    const env = loadEnv({
      DISCORD_TOKEN: "a-discord-token",
      ALERTS_URL: "http://alerts:8081",
      ALERTS_API_TOKEN: "alerts-token-1",
      PRICING_URL: "http://pricing:8082",
      KAFKA_BROKERS: "kafka:9092",
    });
    expect(env).toMatchObject({ DISCORD_API_BASE: "https://discord.com/api", PORT: 8085, LOG_LEVEL: "info" });
    expect(env.DISCORD_APPLICATION_ID).toBeUndefined();
    expect(() =>
      loadRegisterEnv({ DISCORD_TOKEN: "a-discord-token", DISCORD_APPLICATION_ID: "abc" }),
    ).toThrow(/DISCORD_APPLICATION_ID/);
  });
});
