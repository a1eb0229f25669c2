import { EnvError } from "@tickerbell/config";
import { describe, expect, it } from "vitest";
import { loadEnv } from "./env.ts";

describe("alerts env", () => {
  it("applies defaults: PGlite under ./data, port 8081, 100 alerts per user", () => {
    const env = loadEnv({ API_TOKEN_TELEGRAM: "telegram-token-value" });
    expect(env).toMatchObject({
      PORT: 8081,
      DATA_DIR: "./data",
      ALERTS_MAX_ACTIVE_PER_USER: 100,
      ALERTS_USER_COMMANDS_PER_MINUTE: 60,
      LOG_LEVEL: "info",
      API_TOKEN_TELEGRAM: "telegram-token-value",
    });
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it("names every bad variable at once and echoes no value", () => {
    let caught: unknown;
    try {
      loadEnv({
        PORT: "http",
        DATABASE_URL: "mysql://root:hunter2-secret@db/x",
        API_TOKEN_INTERNAL: "short",
        ALERTS_MAX_ACTIVE_PER_USER: "0",
        ALERTS_USER_COMMANDS_PER_MINUTE: "lots",
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
      "ALERTS_USER_COMMANDS_PER_MINUTE",
      "at least one bot token",
    ]) {
      expect(message).toContain(name);
    }
    expect(message).not.toContain("hunter2-secret");
    expect(message).not.toContain("short");
  });
});
