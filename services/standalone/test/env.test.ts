import { loadEnv as loadAlertsEnv } from "@tickerbell/alerts";
import { describe, expect, it } from "vitest";
import { renderBanner } from "../src/banner.ts";
import { consoleHistoryFile, loadEnv, placeholdersIn } from "../src/env.ts";

// One default for the per-user command allowance, whichever way Tickerbell runs, and a variable for it in the
// standalone too (it once had none and a different default from the alert service's).
describe("ALERTS_USER_COMMANDS_PER_MINUTE", () => {
  it("has the alert service's default in the standalone, and can be set there", () => {
    const alerts = loadAlertsEnv({ API_TOKEN_TELEGRAM: "telegram-token-0001" });
    expect(loadEnv({}).ALERTS_USER_COMMANDS_PER_MINUTE).toBe(alerts.ALERTS_USER_COMMANDS_PER_MINUTE);
    expect(alerts.ALERTS_USER_COMMANDS_PER_MINUTE).toBe(60);
    expect(loadEnv({ ALERTS_USER_COMMANDS_PER_MINUTE: "7" }).ALERTS_USER_COMMANDS_PER_MINUTE).toBe(7);
    expect(() => loadEnv({ ALERTS_USER_COMMANDS_PER_MINUTE: "lots" })).toThrow(
      /ALERTS_USER_COMMANDS_PER_MINUTE/,
    );
  });
});

describe("ALERTS_HISTORY_DAYS", () => {
  it("has the alert service's default and bounds in the standalone, and can be set there", () => {
    const alerts = loadAlertsEnv({ API_TOKEN_TELEGRAM: "telegram-token-0001" });
    expect(loadEnv({}).ALERTS_HISTORY_DAYS).toBe(alerts.ALERTS_HISTORY_DAYS);
    expect(alerts.ALERTS_HISTORY_DAYS).toBe(90);
    expect(loadEnv({ ALERTS_HISTORY_DAYS: "7" }).ALERTS_HISTORY_DAYS).toBe(7);
    for (const bad of ["0", "3651", "a while"]) {
      expect(() => loadEnv({ ALERTS_HISTORY_DAYS: bad })).toThrow(/ALERTS_HISTORY_DAYS/);
    }
  });
});

describe("ALERTS_MAX_ACTIVE_PER_USER", () => {
  it("has the alert service's default and bounds in the standalone", () => {
    const alerts = loadAlertsEnv({ API_TOKEN_TELEGRAM: "telegram-token-0001" });
    expect(loadEnv({}).ALERTS_MAX_ACTIVE_PER_USER).toBe(alerts.ALERTS_MAX_ACTIVE_PER_USER);
    expect(loadEnv({ ALERTS_MAX_ACTIVE_PER_USER: "100000" }).ALERTS_MAX_ACTIVE_PER_USER).toBe(100_000);
    for (const bad of ["0", "100001", "2.5", "plenty"]) {
      expect(() => loadEnv({ ALERTS_MAX_ACTIVE_PER_USER: bad })).toThrow(/ALERTS_MAX_ACTIVE_PER_USER/);
      expect(() =>
        loadAlertsEnv({ API_TOKEN_TELEGRAM: "telegram-token-0001", ALERTS_MAX_ACTIVE_PER_USER: bad }),
      ).toThrow(/ALERTS_MAX_ACTIVE_PER_USER/);
    }
  });
});

describe("ALERTS_MAX_ACTIVE_PER_COMMUNITY", () => {
  it("has the alert service's default and bounds in the standalone", () => {
    const alerts = loadAlertsEnv({ API_TOKEN_TELEGRAM: "telegram-token-0001" });
    expect(loadEnv({}).ALERTS_MAX_ACTIVE_PER_COMMUNITY).toBe(alerts.ALERTS_MAX_ACTIVE_PER_COMMUNITY);
    expect(alerts.ALERTS_MAX_ACTIVE_PER_COMMUNITY).toBe(100);
    expect(loadEnv({ ALERTS_MAX_ACTIVE_PER_COMMUNITY: "5" }).ALERTS_MAX_ACTIVE_PER_COMMUNITY).toBe(5);
    for (const bad of ["0", "100001", "2.5", "plenty"]) {
      expect(() => loadEnv({ ALERTS_MAX_ACTIVE_PER_COMMUNITY: bad })).toThrow(
        /ALERTS_MAX_ACTIVE_PER_COMMUNITY/,
      );
    }
  });
});

describe("CONSOLE_HISTORY_FILE", () => {
  it("keeps the console's history in DATA_DIR unless told where, or off", () => {
    expect(consoleHistoryFile(loadEnv({ DATA_DIR: "/var/tickerbell" }))).toBe(
      "/var/tickerbell/console-history",
    );
    expect(consoleHistoryFile(loadEnv({ CONSOLE_HISTORY_FILE: "/home/me/.tickerbell_history" }))).toBe(
      "/home/me/.tickerbell_history",
    );
    expect(consoleHistoryFile(loadEnv({ CONSOLE_HISTORY_FILE: "off" }))).toBeNull();
  });
});

describe("placeholders from .env.example", () => {
  it("count as not set, so a copied .env.example still starts (on the console chat)", () => {
    const env = loadEnv({
      TELEGRAM_TOKEN: "123456:replace-with-telegram-bot-token",
      DISCORD_TOKEN: "replace-with-discord-bot-token",
      FINNHUB_API_KEY: "replace-with-finnhub-key",
    });
    expect(env.TELEGRAM_TOKEN).toBeUndefined();
    expect(env.DISCORD_TOKEN).toBeUndefined();
    expect(env.FINNHUB_API_KEY).toBeUndefined();
    expect(
      placeholdersIn({ TELEGRAM_TOKEN: "123456:replace-with-telegram-bot-token", DISCORD_TOKEN: "real" }),
    ).toEqual(["TELEGRAM_TOKEN"]);
    // A real token is kept.
    expect(loadEnv({ TELEGRAM_TOKEN: "123456:AAH-real_token" }).TELEGRAM_TOKEN).toBe("123456:AAH-real_token");
  });
});

describe("ALERTS_API_TOKEN", () => {
  it("is optional, and refused when short or with spaces", () => {
    expect(loadEnv({}).ALERTS_API_TOKEN).toBeUndefined();
    expect(loadEnv({ ALERTS_API_TOKEN: "a-token-of-my-own-1234" }).ALERTS_API_TOKEN).toBe(
      "a-token-of-my-own-1234",
    );
    for (const bad of ["short", "has a space in it, 1234"]) {
      expect(() => loadEnv({ ALERTS_API_TOKEN: bad })).toThrow(/ALERTS_API_TOKEN/);
    }
  });

  it("is named in the banner when set, and printed when made up for the run", () => {
    const summary = {
      database: "embedded PGlite in ./data",
      bus: "in-memory bus",
      prices: "simulated feed",
      chats: ["console chat"],
      consoleLineEditing: false,
      alertsUrl: "http://127.0.0.1:8081",
      pricingUrl: "http://127.0.0.1:8082",
    };
    const made = renderBanner({ ...summary, apiToken: { value: "f".repeat(48) } }, null);
    expect(made).toContain(`API token: ${"f".repeat(48)} (X-Platform-User-Id: local)`);
    expect(made).toContain("alerts http://127.0.0.1:8081/docs");
    const own = renderBanner({ ...summary, apiToken: { variable: "ALERTS_API_TOKEN" } }, null);
    expect(own).toContain("API token: from ALERTS_API_TOKEN");
  });
});
