import { DeliveryError } from "@tickerbell/bot-core";
import { DiscordAPIError, HTTPError, RateLimitError } from "discord.js";
import { describe, expect, it } from "vitest";
import { classify, nonceOf, notificationButtons, notificationEmbed } from "./discord-notifier.ts";

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

  it.each([
    [apiError(404, 10003), "channel_gone"],
    [apiError(403, 50001), "access_lost"],
    [apiError(403, 50013), "access_lost"],
  ])("a channel post refused with %s: the channel is lost (%s)", (error, code) => {
    expect(classify(error, "channel")).toMatchObject({ retryable: false, code });
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

describe("notificationEmbed and notificationButtons", () => {
  const base = {
    v: 1 as const,
    triggerId: "0f8fad5b-d9cb-469f-a165-70867728950e:4",
    alertId: "0f8fad5b-d9cb-469f-a165-70867728950e",
    generation: 4,
    userId: "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    origin: { platform: "discord" as const, chatId: "100000000000000001" },
    symbol: "TSLA",
    condition: { kind: "percent" as const, direction: "down" as const, percent: 3, basis: "close" as const },
    price: 237.65,
    referencePrice: 245,
    moveAbs: -7.35,
    movePercent: -3,
    note: null,
    repeating: true,
    firedAt: "2026-11-24T15:00:00.000Z",
    side: "lower" as const,
    level: 237.65,
    lastPrice: 237.7,
    referenceKind: "previousClose" as const,
    extreme: null,
    rearm: { at: "2026-11-24T16:00:00.000Z", upper: null, lower: 230.52, band: null, extreme: null },
  };

  it("colours a fall red and offers Snooze for a repeating alert", () => {
    const embed = notificationEmbed({ ...base, type: "triggered" });
    expect(embed).toMatchObject({ title: "🔔 TSLA is down 3% from the previous close", color: 0xd14b4b });
    // The formatter's fields as embed fields, times as Discord timestamps each reader sees in their own zone.
    expect(embed.fields).toEqual([
      { name: "Price", value: "$237.70 (reached $237.65) · <t:1795532400:f>", inline: true },
      { name: "Level", value: "$237.65", inline: true },
      { name: "Move", value: "-$7.35 (-3.00%) since the previous close ($245.00)", inline: true },
      { name: "Repeats", value: "after <t:1795536000:f>, on a fall to $230.52", inline: false },
    ]);
    expect(notificationButtons({ ...base, type: "triggered" }).map((b) => b.action)).toEqual([
      `snooze:${base.alertId}`,
      `delete:${base.alertId}`,
    ]);
  });

  it("says plainly when an alert expired: what it waited for, the last price, the note", () => {
    const embed = notificationEmbed({ ...base, type: "expired", note: "earnings" });
    expect(embed.title).toBe("⌛ Your TSLA alert expired");
    expect(embed.color).toBe(0x7f8c8d);
    expect(embed.fields?.map((f) => [f.name, f.value])).toEqual([
      ["Condition", "down 3% from the previous close, not met before it expired"],
      ["Last price", "$237.65 · <t:1795532400:f>"],
      ["Note", "earnings"],
    ]);
  });
});
