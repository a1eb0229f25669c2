import type { Notification } from "@tickerbell/contracts";
import { describe, expect, it } from "vitest";
import { notificationText } from "./notification.ts";

const fired: Notification = {
  v: 1,
  type: "triggered",
  triggerId: "0f8fad5b-d9cb-469f-a165-70867728950e:0",
  alertId: "0f8fad5b-d9cb-469f-a165-70867728950e",
  generation: 0,
  userId: "7c9e6679-7425-40de-944b-e07fc1f90ae7",
  origin: { platform: "telegram", chatId: "1" },
  symbol: "AAPL",
  condition: { kind: "price", direction: "above", target: 200 },
  description: "above $200.00",
  price: 201.5,
  referencePrice: 190,
  moveAbs: 11.5,
  movePercent: 6.052631,
  note: "take profit",
  repeating: false,
  firedAt: "2026-11-24T15:00:00.000Z",
};

describe("notificationText", () => {
  it("says what fired, the price now, the move since it was set and the note", () => {
    expect(notificationText(fired)).toBe(
      [
        "🔔 AAPL above $200.00",
        "AAPL is at $201.50 now.",
        "+$11.50 (+6.05%) since $190.00 when the alert was set.",
        "Note: take profit",
      ].join("\n"),
    );
  });

  it("tells the user an alert expired", () => {
    expect(notificationText({ ...fired, type: "expired", note: null })).toMatch(
      /^⌛ Your AAPL alert expired\n/,
    );
  });
});
