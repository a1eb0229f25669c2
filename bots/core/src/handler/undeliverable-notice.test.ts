import type { UndeliverableNotice } from "@tickerbell/contracts";
import { describe, expect, it } from "vitest";
import { formatUndeliverableNotice } from "./undeliverable-notice.ts";

let n = 0;
function item(
  symbol: string,
  platform: UndeliverableNotice["platform"],
  reason: string,
): UndeliverableNotice {
  n++;
  return {
    triggerId: `0f8fad5b-d9cb-469f-a165-70867728950e:${n}`,
    alertId: "0f8fad5b-d9cb-469f-a165-70867728950e",
    symbol,
    platform,
    reason,
    recordedAt: "2026-11-24T15:00:00.000Z",
  };
}
const list = (...items: UndeliverableNotice[]) => ({ items, total: items.length });

describe("formatUndeliverableNotice", () => {
  it("says nothing when everything arrived", () => {
    expect(formatUndeliverableNotice(list(), "discord")).toBeNull();
  });

  it("names the alert, the platform, the reason and the fix", () => {
    expect(formatUndeliverableNotice(list(item("AAPL", "discord", "dms_closed")), "discord")).toBe(
      "⚠️ I couldn't DM you about your AAPL alert on Discord (your DMs are closed). To get them, open your DMs on Discord, or /link another platform where I can reach you.",
    );
  });

  it("suggests setting alerts again where the user is talking when the failure was elsewhere", () => {
    expect(formatUndeliverableNotice(list(item("TSLA", "telegram", "blocked_by_user")), "discord")).toBe(
      "⚠️ I couldn't DM you about your TSLA alert on Telegram (you blocked me). To get them, unblock me on Telegram, or set those alerts again here on Discord.",
    );
  });

  it("groups by platform and reason, names each symbol once, and counts what it does not list", () => {
    const text = formatUndeliverableNotice(
      {
        items: [
          item("AAPL", "discord", "50007"),
          item("AAPL", "discord", "50007"),
          item("MSFT", "discord", "50007"),
          item("NVDA", "telegram", "chat_not_found"),
        ],
        total: 6,
      },
      "telegram",
    );
    expect(text).toBe(
      "⚠️ I couldn't DM you about your AAPL and MSFT alerts on Discord (your DMs are closed). I couldn't DM you about your NVDA alert on Telegram (our chat no longer exists). 2 older notifications did not arrive either. To get them, open your DMs on Discord, start a chat with me on Telegram again, or set those alerts again here on Telegram.",
    );
  });

  it("shortens a long list of symbols and explains an unknown reason generically", () => {
    const text = formatUndeliverableNotice(
      list(...["A", "B", "C", "D", "E"].map((s) => item(s, "telegram", "418"))),
      "telegram",
    );
    expect(text).toBe(
      "⚠️ I couldn't DM you about your A, B, C and 2 more alerts on Telegram (the platform refused the message). To get them, /link another platform where I can reach you.",
    );
  });

  it("tells a community alert's creator it could not be posted where it was set, and that it is paused", () => {
    expect(
      formatUndeliverableNotice(
        list(item("AAPL", "discord", "channel_gone"), item("MSFT", "discord", "access_lost")),
        "discord",
      ),
    ).toBe(
      "⚠️ I couldn't post your AAPL alert in its channel on Discord (the channel no longer exists); it is paused. I couldn't post your MSFT alert in its channel on Discord (I lost access or permissions there); it is paused. Resume them with the channel's alert commands once I can post there again.",
    );
    expect(formatUndeliverableNotice(list(item("TSLA", "telegram", "bot_removed")), "telegram")).toBe(
      "⚠️ I couldn't post your TSLA alert in its group on Telegram (I was removed from it); it is paused. Resume them with the group's alert commands once I can post there again.",
    );
  });
});
