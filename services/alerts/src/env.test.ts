import { EnvError } from "@tickerbell/config";
import { describe, expect, it } from "vitest";
import { loadEnv, placeholderTokensIn } from "./env.ts";

describe("alerts env", () => {
  it("applies defaults: PGlite under ./data, port 8081, 100 alerts per user", () => {
    const env = loadEnv({ API_TOKEN_TELEGRAM: "telegram-token-value" });
    expect(env).toMatchObject({
      PORT: 8081,
      DATA_DIR: "./data",
      ALERTS_MAX_ACTIVE_PER_USER: 100,
      ALERTS_MAX_ACTIVE_PER_COMMUNITY: 100,
      ALERTS_USER_COMMANDS_PER_MINUTE: 60,
      ALERTS_HISTORY_DAYS: 90,
      ALERTS_CREATE_BATCH_MAX: 100,
      LOG_LEVEL: "info",
      API_TOKEN_TELEGRAM: "telegram-token-value",
    });
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it("takes PRICING_URL for the earnings calendar, and refuses one that is not a URL", () => {
    expect(loadEnv({ API_TOKEN_TELEGRAM: "telegram-token-value" }).PRICING_URL).toBeUndefined();
    expect(
      loadEnv({ API_TOKEN_TELEGRAM: "telegram-token-value", PRICING_URL: "http://pricing:8082" }).PRICING_URL,
    ).toBe("http://pricing:8082");
    expect(() => loadEnv({ API_TOKEN_TELEGRAM: "telegram-token-value", PRICING_URL: "pricing" })).toThrow(
      /PRICING_URL/,
    );
  });

  it("names every bad variable at once and echoes no value", () => {
    let caught: unknown;
    try {
      loadEnv({
        PORT: "http",
        DATABASE_URL: "mysql://root:hunter2-secret@db/x",
        API_TOKEN_INTERNAL: "short",
        ALERTS_MAX_ACTIVE_PER_USER: "0",
        ALERTS_MAX_ACTIVE_PER_COMMUNITY: "100001",
        ALERTS_USER_COMMANDS_PER_MINUTE: "lots",
        ALERTS_HISTORY_DAYS: "forever",
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EnvError);
    const message = (caught as EnvError).message;
    for (const name of [
      "PORT",
      "DATABASE_URL",
      "API_TOKEN_INTERNAL",
      "ALERTS_MAX_ACTIVE_PER_USER",
      "ALERTS_MAX_ACTIVE_PER_COMMUNITY",
      "ALERTS_USER_COMMANDS_PER_MINUTE",
      "ALERTS_HISTORY_DAYS",
      "at least one bot token",
    ]) {
      expect(message).toContain(name);
    }
    expect(message).not.toContain("hunter2-secret");
    expect(message).not.toContain("short");
  });

  it("accepts no token still holding the placeholder of .env.example: that bot is simply not there", () => {
    const source = {
      API_TOKEN_TELEGRAM: "telegram-token-value",
      API_TOKEN_DISCORD: "replace-with-random-discord-bot-token",
      API_TOKEN_INTERNAL: "replace-with-random-internal-token",
    };
    expect(placeholderTokensIn(source)).toEqual(["API_TOKEN_DISCORD", "API_TOKEN_INTERNAL"]);
    const env = loadEnv(source);
    expect(env.API_TOKEN_TELEGRAM).toBe("telegram-token-value");
    expect(env.API_TOKEN_DISCORD).toBeUndefined();
    expect(env.API_TOKEN_INTERNAL).toBeUndefined();
    expect(() => loadEnv({ API_TOKEN_TELEGRAM: "replace-with-random-telegram-bot-token" })).toThrow(
      /at least one bot token is required/,
    );
  });

  it.each([
    ["0", /at least 1 day/],
    ["3651", /at most 3650 days/],
    ["1.5", /ALERTS_HISTORY_DAYS/],
  ])("refuses ALERTS_HISTORY_DAYS=%s", (value, message) => {
    const load = () => loadEnv({ API_TOKEN_TELEGRAM: "telegram-token-value", ALERTS_HISTORY_DAYS: value });
    expect(load).toThrow(/ALERTS_HISTORY_DAYS/);
    expect(load).toThrow(message);
  });

  it("takes ALERTS_HISTORY_DAYS from 1 to 3650", () => {
    for (const days of [1, 30, 3650]) {
      const env = loadEnv({ API_TOKEN_TELEGRAM: "telegram-token-value", ALERTS_HISTORY_DAYS: String(days) });
      expect(env.ALERTS_HISTORY_DAYS).toBe(days);
    }
  });

  it.each([
    ["0", /at least 1 create/],
    ["1001", /at most 1000 creates/],
    ["many", /ALERTS_CREATE_BATCH_MAX/],
  ])("refuses ALERTS_CREATE_BATCH_MAX=%s", (value, message) => {
    const load = () =>
      loadEnv({ API_TOKEN_TELEGRAM: "telegram-token-value", ALERTS_CREATE_BATCH_MAX: value });
    expect(load).toThrow(/ALERTS_CREATE_BATCH_MAX/);
    expect(load).toThrow(message);
  });

  it("reads WEBHOOK_ALLOW_HOSTS as host names, addresses and ranges, and names an entry that is none", () => {
    const env = loadEnv({
      API_TOKEN_TELEGRAM: "telegram-token-value",
      WEBHOOK_ALLOW_HOSTS: "hooks.internal, 10.20.0.0/16,127.0.0.1",
    });
    expect([...env.WEBHOOK_ALLOW_HOSTS.hosts]).toEqual(["hooks.internal"]);
    expect(env.WEBHOOK_ALLOW_HOSTS.addresses.check("10.20.3.4", "ipv4")).toBe(true);
    expect(loadEnv({ API_TOKEN_TELEGRAM: "telegram-token-value" }).WEBHOOK_ALLOW_HOSTS.entries).toEqual([]);
    expect(() =>
      loadEnv({
        API_TOKEN_TELEGRAM: "telegram-token-value",
        WEBHOOK_ALLOW_HOSTS: "hooks.internal,10.0.0.0/99",
      }),
    ).toThrow(/WEBHOOK_ALLOW_HOSTS.*"10\.0\.0\.0\/99" is not a CIDR range/);
  });
});
