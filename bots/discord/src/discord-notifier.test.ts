import { DeliveryError } from "@tickerbell/bot-core";
import { DiscordAPIError, HTTPError, RateLimitError } from "discord.js";
import { describe, expect, it } from "vitest";
import { classify, nonceOf } from "./discord-notifier.ts";

function apiError(status: number, code: number): DiscordAPIError {
  return new DiscordAPIError(
    { code, message: `error ${code}` },
    code,
    status,
    "POST",
    "/channels/1/messages",
    {
      body: undefined,
      files: undefined,
    },
  );
}

describe("classify", () => {
  it.each([
    [apiError(403, 50007), { retryable: false, code: "dms_closed" }],
    [apiError(404, 10013), { retryable: false, code: "dms_closed" }],
    [apiError(400, 50035), { retryable: false, code: "discord_50035" }],
    [apiError(429, 0), { retryable: true, code: "429" }],
    [apiError(503, 0), { retryable: true, code: "503" }],
    [
      new HTTPError(502, "Bad Gateway", "POST", "/channels/1/messages", {
        body: undefined,
        files: undefined,
      }),
      { retryable: true, code: "502" },
    ],
    [new Error("ECONNRESET"), { retryable: true, code: "network" }],
  ])("%s", (error, expected) => {
    expect(classify(error)).toMatchObject(expected);
    expect(classify(error)).toBeInstanceOf(DeliveryError);
  });

  it("carries a surfaced rate limit's retry-after", () => {
    const limited = new RateLimitError({
      timeToReset: 1200,
      limit: 5,
      method: "POST",
      hash: "h",
      url: "/channels/1/messages",
      route: "/channels/:id/messages",
      majorParameter: "1",
      global: false,
      retryAfter: 1200,
      sublimitTimeout: 0,
      scope: "user",
    });
    expect(classify(limited)).toMatchObject({ retryable: true, code: "429", retryAfterMs: 1200 });
  });
});

describe("nonceOf", () => {
  it("is stable per triggerId, distinct across them, and fits Discord's 25 characters", () => {
    const a = nonceOf("0f8fad5b-d9cb-469f-a165-70867728950e:1");
    expect(a).toBe(nonceOf("0f8fad5b-d9cb-469f-a165-70867728950e:1"));
    expect(a).not.toBe(nonceOf("0f8fad5b-d9cb-469f-a165-70867728950e:2"));
    expect(a).toHaveLength(25);
  });
});
