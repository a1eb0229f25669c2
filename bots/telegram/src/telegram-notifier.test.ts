import { DeliveryError } from "@tickerbell/bot-core";
import { TelegramError } from "telegraf";
import { describe, expect, it } from "vitest";
import { classify, escapeHtml } from "./telegram-notifier.ts";

/** The error telegraf throws for an `{ok: false}` answer. */
function refused(error_code: number, description: string, retry_after?: number): TelegramError {
  return new TelegramError({
    error_code,
    description,
    ...(retry_after === undefined ? {} : { parameters: { retry_after } }),
  });
}

describe("classify: what a Bot API failure means for delivery", () => {
  it.each([
    [
      refused(429, "Too Many Requests: retry after 7", 7),
      { retryable: true, code: "429", retryAfterMs: 7000 },
    ],
    [refused(403, "Forbidden: bot was blocked by the user"), { retryable: false, code: "blocked_by_user" }],
    [refused(403, "Forbidden: user is deactivated"), { retryable: false, code: "blocked_by_user" }],
    [refused(400, "Bad Request: chat not found"), { retryable: false, code: "chat_not_found" }],
    [refused(400, "Bad Request: can't parse entities"), { retryable: false, code: "400" }],
    [refused(502, "Bad Gateway"), { retryable: true, code: "502" }],
    [new TypeError("fetch failed"), { retryable: true, code: "network" }],
  ])("%s", (error, expected) => {
    const failure = classify(error);
    expect(failure).toBeInstanceOf(DeliveryError);
    expect(failure).toMatchObject(expected);
  });

  // The texts the Bot API answers when a group can no longer be posted in: its alerts are paused, not retried.
  it.each([
    ["Forbidden: bot was kicked from the group chat", 403, "bot_removed"],
    ["Forbidden: bot was kicked from the supergroup chat", 403, "bot_removed"],
    ["Forbidden: bot is not a member of the supergroup chat", 403, "bot_removed"],
    ["Forbidden: the group chat was deleted", 403, "channel_gone"],
    ["Bad Request: chat not found", 400, "channel_gone"],
    ["Bad Request: not enough rights to send text messages to the chat", 400, "access_lost"],
    ["Bad Request: have no rights to send a message", 400, "access_lost"],
    ["Bad Request: CHAT_WRITE_FORBIDDEN", 400, "access_lost"],
  ] as const)("in a group: %s → %s", (description, status, code) => {
    expect(classify(refused(status, description), { group: true })).toMatchObject({ retryable: false, code });
  });

  it("a group's other refusals and a person's chat keep their codes", () => {
    expect(classify(refused(400, "Bad Request: can't parse entities"), { group: true }).code).toBe("400");
    expect(classify(refused(403, "Forbidden: bot was blocked by the user")).code).toBe("blocked_by_user");
  });

  it("a 429 without retry_after still waits a second", () => {
    expect(classify(refused(429, "Too Many Requests")).retryAfterMs).toBe(1000);
  });
});

describe("escapeHtml", () => {
  it("escapes what Telegram's HTML mode would read as markup", () => {
    expect(escapeHtml('<b>1 & 2</b> "q"')).toBe('&lt;b&gt;1 &amp; 2&lt;/b&gt; "q"');
  });
});
