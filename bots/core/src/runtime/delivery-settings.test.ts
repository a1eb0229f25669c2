import { describe, expect, it } from "vitest";
import { isTelegramGroupChat, loadDeliverySettings } from "./delivery-settings.ts";

describe("Telegram delivery settings", () => {
  it("pace groups at 20 messages a minute by default, private chats at the per-chat rate", () => {
    const { limits } = loadDeliverySettings({}).telegram;
    expect(limits.perChatPerSecond).toBe(1);
    expect(limits.slowerChats?.perSecond).toBeCloseTo(20 / 60, 9);
    expect(limits.slowerChats?.matches("-1001234567890")).toBe(true);
    expect(limits.slowerChats?.matches("-4567")).toBe(true);
    expect(limits.slowerChats?.matches("4567")).toBe(false);
  });

  it("take the group pace from TELEGRAM_GROUP_MESSAGES_PER_MINUTE", () => {
    const { limits } = loadDeliverySettings({ TELEGRAM_GROUP_MESSAGES_PER_MINUTE: "6" }).telegram;
    expect(limits.slowerChats?.perSecond).toBeCloseTo(0.1, 9);
  });

  it.each([
    ["0", /at least 1 message a minute/],
    ["601", /at most 600 messages a minute/],
    ["fast", /TELEGRAM_GROUP_MESSAGES_PER_MINUTE/],
  ])("refuse TELEGRAM_GROUP_MESSAGES_PER_MINUTE=%s with a reason", (value, reason) => {
    expect(() => loadDeliverySettings({ TELEGRAM_GROUP_MESSAGES_PER_MINUTE: value })).toThrow(reason);
  });

  it("tell a group's chat id from a private chat's", () => {
    expect(isTelegramGroupChat("-100987")).toBe(true);
    expect(isTelegramGroupChat("987")).toBe(false);
  });
});
