import { isTelegramGroupChat, telegramDeliverySettings } from "@tickerbell/bot-core";
import { EnvError } from "@tickerbell/config";
import { describe, expect, it } from "vitest";
import { loadEnv } from "./env.ts";

const minimal = {
  TELEGRAM_TOKEN: "123456:ABC-def_ghi",
  ALERTS_URL: "http://alerts:8081",
  ALERTS_API_TOKEN: "telegram-token-value",
  PRICING_URL: "http://pricing:8082",
  KAFKA_BROKERS: "kafka-0:9092, kafka-1:9092",
};

describe("telegram bot env", () => {
  /** Groups (negative chat ids) at 20 messages a minute. */
  const groupPace = { matches: isTelegramGroupChat, perSecond: 20 / 60 };

  it("applies defaults: the public Bot API, port 8084, Telegram's 30/s overall and 1/s per chat", () => {
    const env = loadEnv(minimal);
    expect(env).toEqual({
      ...minimal,
      KAFKA_BROKERS: ["kafka-0:9092", "kafka-1:9092"],
      TELEGRAM_API_ROOT: "https://api.telegram.org",
      PORT: 8084,
      TELEGRAM_MESSAGES_PER_CHAT_PER_SECOND: 1,
      TELEGRAM_GROUP_MESSAGES_PER_MINUTE: 20,
      TELEGRAM_ALLOW_PAID_BROADCAST: false,
      QUIET_HOURS_DIGEST_EVERY_SECONDS: 30,
      CHARTS: true,
      CHART_BUDGET_MS: 1500,
      DRY_RUN_BUDGET_MS: 300,
      TELEGRAM_GROUP_ID: "telegram-bot",
      LOG_LEVEL: "info",
    });
    expect(telegramDeliverySettings(env)).toEqual({
      limits: { globalPerSecond: 30, perChatPerSecond: 1, headroom: 0.05, slowerChats: groupPace },
      allowPaidBroadcast: false,
    });
  });

  it("with TELEGRAM_ALLOW_PAID_BROADCAST paces at 1,000/s unless TELEGRAM_MESSAGES_PER_SECOND says otherwise", () => {
    const paid = loadEnv({ ...minimal, TELEGRAM_ALLOW_PAID_BROADCAST: "true" });
    expect(telegramDeliverySettings(paid)).toEqual({
      limits: { globalPerSecond: 1000, perChatPerSecond: 1, headroom: 0.05, slowerChats: groupPace },
      allowPaidBroadcast: true,
    });
    const capped = loadEnv({
      ...minimal,
      TELEGRAM_ALLOW_PAID_BROADCAST: "yes",
      TELEGRAM_MESSAGES_PER_SECOND: "400",
    });
    expect(telegramDeliverySettings(capped).limits.globalPerSecond).toBe(400);
    expect(
      telegramDeliverySettings(loadEnv({ ...minimal, TELEGRAM_MESSAGES_PER_SECOND: "300" })).limits,
    ).toEqual({ globalPerSecond: 300, perChatPerSecond: 1, headroom: 0.05, slowerChats: groupPace });
    expect(() => loadEnv({ ...minimal, TELEGRAM_ALLOW_PAID_BROADCAST: "maybe" })).toThrow(
      /TELEGRAM_ALLOW_PAID_BROADCAST/,
    );
    expect(() => loadEnv({ ...minimal, TELEGRAM_MESSAGES_PER_SECOND: "1001" })).toThrow(
      /TELEGRAM_MESSAGES_PER_SECOND/,
    );
  });

  it("takes TELEGRAM_API_ROOT, so tests and the acceptance harness can point the bot at a fake", () => {
    expect(loadEnv({ ...minimal, TELEGRAM_API_ROOT: "http://127.0.0.1:9999" }).TELEGRAM_API_ROOT).toBe(
      "http://127.0.0.1:9999",
    );
  });

  it("takes DRY_RUN_BUDGET_MS (0 turns the dry run off) and refuses a negative or huge one by name", () => {
    expect(loadEnv({ ...minimal, DRY_RUN_BUDGET_MS: "0" }).DRY_RUN_BUDGET_MS).toBe(0);
    expect(loadEnv({ ...minimal, DRY_RUN_BUDGET_MS: "750" }).DRY_RUN_BUDGET_MS).toBe(750);
    expect(() => loadEnv({ ...minimal, DRY_RUN_BUDGET_MS: "-1" })).toThrow(
      /DRY_RUN_BUDGET_MS: must be 0 \(off\)/,
    );
    expect(() => loadEnv({ ...minimal, DRY_RUN_BUDGET_MS: "60000" })).toThrow(
      /DRY_RUN_BUDGET_MS: must be at most 10000/,
    );
  });

  it("names every missing or invalid variable at once and echoes no value", () => {
    let caught: unknown;
    try {
      loadEnv({
        TELEGRAM_TOKEN: "not-a-token-secret-value",
        ALERTS_API_TOKEN: "short",
        PRICING_URL: "pricing",
        KAFKA_BROKERS: " , ",
        PORT: "99999",
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EnvError);
    const message = (caught as EnvError).message;
    for (const name of [
      "TELEGRAM_TOKEN",
      "ALERTS_URL is required",
      "ALERTS_API_TOKEN",
      "PRICING_URL",
      "KAFKA_BROKERS",
      "PORT",
    ]) {
      expect(message).toContain(name);
    }
    expect(message).toContain("the token BotFather gave");
    expect(message).not.toContain("not-a-token-secret-value");
  });
});
