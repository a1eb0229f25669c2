import type { Notification } from "@tickerbell/contracts";
import { describe, expect, it } from "vitest";
import { digestText, formatDigest, MAX_DIGEST_LINES } from "./digest.ts";

let n = 0;
function fired(symbol: string, target: number, price: number, firedAt: string): Notification {
  n++;
  const alertId = `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
  return {
    v: 1,
    type: "triggered",
    triggerId: `${alertId}:0`,
    alertId,
    generation: 0,
    userId: "00000000-0000-4000-8000-000000000000",
    origin: { platform: "telegram", chatId: "1" },
    symbol,
    condition: { kind: "price", direction: "above", target },
    price,
    referencePrice: target - 10,
    moveAbs: 10,
    movePercent: 5,
    note: null,
    repeating: false,
    firedAt,
  };
}

describe("the quiet-hours digest", () => {
  it("groups by ticker (first to fire first), oldest first, with condition, price and time in the user's zone", () => {
    const digest = formatDigest(
      [
        fired("MSFT", 400, 401.5, "2026-12-03T23:30:00Z"),
        fired("AAPL", 200, 200.25, "2026-12-03T22:15:00Z"),
        fired("AAPL", 205, 205.1, "2026-12-04T01:05:00Z"),
      ],
      { kind: "zone", timeZone: "Europe/Berlin" },
    );
    expect(digestText(digest)).toBe(
      [
        "🌙 3 alerts fired during your quiet hours",
        "AAPL",
        "  above $200.00 — $200.25 · 2026-12-03 23:15 GMT+1",
        "  above $205.00 — $205.10 · 2026-12-04 02:05 GMT+1",
        "MSFT",
        "  above $400.00 — $401.50 · 2026-12-04 00:30 GMT+1",
      ].join("\n"),
    );
  });

  it("uses <t:…> on Discord and counts what does not fit", () => {
    const many = Array.from({ length: MAX_DIGEST_LINES + 3 }, (_, i) =>
      fired("NVDA", 100 + i, 101 + i, new Date(Date.UTC(2026, 11, 3, 22, i)).toISOString()),
    );
    const digest = formatDigest(many, { kind: "discord" });
    expect(digest.groups[0]!.lines).toHaveLength(MAX_DIGEST_LINES);
    expect(digest.groups[0]!.lines[0]).toBe(
      `above $100.00 — $101.00 · <t:${Date.UTC(2026, 11, 3, 22, 0) / 1000}:f>`,
    );
    expect(digest.omitted).toBe(3);
    expect(digestText(digest)).toMatch(/…and 3 more$/);
  });
});

describe("an earnings message in the digest", () => {
  it("says which release and which message, without a price", () => {
    const base = fired("AAPL", 200, 0, "2027-01-27T23:00:00Z");
    const eve: Notification = {
      ...base,
      condition: { kind: "earnings" },
      earnings: {
        moment: "eve",
        event: {
          symbol: "AAPL",
          date: "2027-01-28",
          hour: "amc",
          quarter: 1,
          year: 2027,
          epsEstimate: null,
          revenueEstimate: null,
        },
      },
    };
    const digest = formatDigest([eve], { kind: "zone", timeZone: "UTC" });
    expect(digest.groups).toEqual([
      {
        symbol: "AAPL",
        lines: [
          "earnings 2027-01-28 — results due tomorrow, after the close (due 16:00 ET) · 2027-01-27 23:00 UTC",
        ],
      },
    ]);
  });
});
