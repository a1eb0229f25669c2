import type { Notification } from "@tickerbell/contracts";
import { describe, expect, it } from "vitest";
import { formatNotification, notificationText } from "./notification.ts";

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
  price: 201.5,
  referencePrice: 190,
  moveAbs: 11.5,
  movePercent: 6.052631,
  note: "take profit",
  repeating: false,
  firedAt: "2026-11-24T15:00:00.000Z",
  side: "upper",
  level: 200,
  lastPrice: 201.5,
  referenceKind: "whenSet",
  extreme: null,
  rearm: null,
};

describe("notificationText", () => {
  it("says what fired with its threshold, the price and trade time, the move since it was set, and the note", () => {
    expect(notificationText(fired)).toBe(
      [
        "🔔 AAPL rose above $200.00",
        "Price: $201.50 · 2026-11-24 15:00 UTC",
        "Move: +$11.50 (+6.05%) since it was set ($190.00)",
        "Note: take profit",
      ].join("\n"),
    );
  });

  it("says the time of the trade in the reader's zone", () => {
    expect(notificationText(fired, { kind: "zone", timeZone: "Europe/Berlin" })).toContain(
      "Price: $201.50 · 2026-11-24 16:00 GMT+1",
    );
    expect(notificationText(fired, { kind: "discord" })).toContain(
      `Price: $201.50 · <t:${Date.parse(fired.firedAt) / 1000}:f>`,
    );
  });

  it("says which way a cross went, and where a repeating one fires next", () => {
    const text = notificationText({
      ...fired,
      condition: { kind: "price", direction: "cross", target: 200 },
      side: "lower",
      price: 199.8,
      lastPrice: 199.9,
      moveAbs: 9.8,
      movePercent: 5.16,
      repeating: true,
      rearm: { at: "2026-11-24T16:00:00.000Z", upper: 201, lower: null, band: null, extreme: null },
      note: null,
    });
    expect(text).toBe(
      [
        "🔔 AAPL crossed $200.00 going down",
        "Price: $199.90 (reached $199.80) · 2026-11-24 15:00 UTC",
        "Move: +$9.80 (+5.16%) since it was set ($190.00)",
        "Repeats: after 2026-11-24 16:00 UTC, on a rise to $201.00",
      ].join("\n"),
    );
  });

  it("says a repeating above alert waits for price to come back through its band", () => {
    expect(
      notificationText({
        ...fired,
        repeating: true,
        rearm: { at: "2026-11-24T16:00:00.000Z", upper: 200, lower: null, band: 199, extreme: null },
      }),
    ).toContain("Repeats: after 2026-11-24 16:00 UTC, once AAPL has been back at or below $199.00");
  });

  it("names a percent alert's reference: the previous close is not the price when set", () => {
    const fromClose: Notification = {
      ...fired,
      condition: { kind: "percent", direction: "down", percent: 3, basis: "close" },
      side: "lower",
      level: 237.65,
      price: 237.6,
      lastPrice: 237.6,
      referencePrice: 245,
      moveAbs: -7.4,
      movePercent: -3.0204,
      referenceKind: "previousClose",
      note: null,
    };
    expect(notificationText(fromClose)).toBe(
      [
        "🔔 AAPL is down 3% from the previous close",
        "Price: $237.60 · 2026-11-24 15:00 UTC",
        "Level: $237.65",
        "Move: -$7.40 (-3.02%) since the previous close ($245.00)",
      ].join("\n"),
    );
    const again = notificationText({ ...fromClose, referenceKind: "lastFiring", referencePrice: 244.9 });
    expect(again).toContain("🔔 AAPL is down 3% since its last alert");
    expect(again).toContain("since its last alert ($244.90)");
  });

  it("says which way a two-sided move went, and both next levels", () => {
    const text = notificationText({
      ...fired,
      condition: { kind: "percent", direction: "move", percent: 5, basis: "last" },
      side: "upper",
      level: 210,
      price: 210.2,
      lastPrice: 210.2,
      referencePrice: 200,
      moveAbs: 10.2,
      movePercent: 5.1,
      repeating: true,
      rearm: { at: "2026-11-24T16:00:00.000Z", upper: 220.71, lower: 199.69, band: null, extreme: null },
      note: null,
    });
    expect(text.split("\n")[0]).toBe("🔔 AAPL moved up 5% from the price when set");
    expect(text).toContain("Repeats: after 2026-11-24 16:00 UTC, at $220.71 (up) or $199.69 (down)");
  });

  it("gives a trailing alert the direction that happened, its peak, its level and the move from the peak", () => {
    const trailingUp: Notification = {
      ...fired,
      condition: { kind: "trailing", direction: "up", offset: { unit: "percent", value: 0.3 } },
      side: "upper",
      level: 188.8,
      price: 188.82,
      lastPrice: 188.82,
      referencePrice: 190.34,
      extreme: 188.24,
      moveAbs: 0.58,
      movePercent: 0.3081,
      note: null,
    };
    // What a user saw before: "rises 0.3% above its low" over "-$2.10 (-1.10%) since $190.34", the low unsaid.
    expect(notificationText(trailingUp)).toBe(
      [
        "🔔 AAPL rose 0.3% from its low (trailing)",
        "Price: $188.82 · 2026-11-24 15:00 UTC",
        "Low: $188.24",
        "Level: $188.80",
        "Move: +$0.58 (+0.31%) from the low",
      ].join("\n"),
    );
    const trailingDown = notificationText({
      ...trailingUp,
      condition: { kind: "trailing", direction: "down", offset: { unit: "amount", value: 5 } },
      side: "lower",
      level: 215,
      price: 214.9,
      lastPrice: 214.9,
      extreme: 220,
      moveAbs: -5.1,
      movePercent: -2.3182,
      repeating: true,
      rearm: { at: "2026-11-24T16:00:00.000Z", upper: null, lower: null, band: null, extreme: 214.9 },
    });
    expect(trailingDown).toContain("🔔 AAPL fell $5.00 from its peak (trailing)");
    expect(trailingDown).toContain("Peak: $220.00");
    expect(trailingDown).toContain("Move: -$5.10 (-2.32%) from the peak");
    expect(trailingDown).toContain("Repeats: after 2026-11-24 16:00 UTC, trailing again from $214.90");
  });

  it("names the window's low a rise within a window fired from, its level and the move from it", () => {
    const window: Notification = {
      ...fired,
      condition: { kind: "window", direction: "move", percent: 3, windowSeconds: 3600 },
      side: "upper",
      level: 103,
      price: 103.2,
      lastPrice: 103.2,
      referenceKind: "window",
      referencePrice: 100,
      extreme: 100,
      moveAbs: 3.2,
      movePercent: 3.2,
      note: null,
    };
    expect(notificationText(window).split("\n")).toEqual([
      "🔔 AAPL is up 3.2% from its 1h low of $100.00 (now $103.20)",
      "Price: $103.20 · 2026-11-24 15:00 UTC",
      "1h low: $100.00",
      "Level: $103.00",
      "Move: +$3.20 (+3.20%) from the 1h low",
    ]);
  });

  it("names the window's high a fall fired from, and when a repeating one can fire again", () => {
    const text = notificationText({
      ...fired,
      condition: { kind: "window", direction: "down", percent: 3, windowSeconds: 900 },
      side: "lower",
      level: 194,
      price: 193.8,
      lastPrice: 194.1,
      referenceKind: "window",
      referencePrice: 200,
      extreme: 200,
      moveAbs: -6.2,
      movePercent: -3.1,
      note: null,
      repeating: true,
      rearm: { at: "2026-11-24T16:00:00.000Z", upper: null, lower: null, band: null, extreme: null },
    });
    expect(text.split("\n")).toEqual([
      "🔔 AAPL is down 3.1% from its 15m high of $200.00 (reached $193.80)",
      "Price: $194.10 (reached $193.80) · 2026-11-24 15:00 UTC",
      "15m high: $200.00",
      "Level: $194.00",
      "Move: -$6.20 (-3.10%) from the 15m high",
      "Repeats: after 2026-11-24 16:00 UTC, whenever AAPL falls 3% within 15m again",
    ]);
  });

  it("names the new session high and the previous high it went beyond", () => {
    const text = notificationText({
      ...fired,
      condition: { kind: "extreme", side: "high", span: "session" },
      side: "upper",
      level: 192.5,
      price: 193.8,
      lastPrice: 193.8,
      referencePrice: 192.5,
      extreme: 192.5,
      moveAbs: 1.3,
      movePercent: 0.675325,
      note: null,
    });
    expect(text.split("\n")).toEqual([
      "🔔 AAPL made a new session high: $193.80 (previous high $192.50)",
      "Price: $193.80 · 2026-11-24 15:00 UTC",
      "Previous high: $192.50",
      "Move: +$1.30 (+0.68%) from the previous high",
    ]);
  });

  it("names a new 52-week low, and where a repeating one fires next", () => {
    const text = notificationText({
      ...fired,
      condition: { kind: "extreme", side: "low", span: "52w" },
      side: "lower",
      level: 164.08,
      price: 163.9,
      lastPrice: 164,
      referencePrice: 164.08,
      extreme: 164.08,
      moveAbs: -0.18,
      movePercent: -0.1097,
      note: null,
      repeating: true,
      rearm: { at: "2026-11-24T16:00:00.000Z", upper: null, lower: null, band: null, extreme: 163.9 },
    });
    expect(text.split("\n")).toEqual([
      "🔔 AAPL made a new 52-week low: $163.90 (previous low $164.08)",
      "Price: $164.00 (reached $163.90) · 2026-11-24 15:00 UTC",
      "Previous low: $164.08",
      "Move: -$0.18 (-0.11%) from the previous low",
      "Repeats: after 2026-11-24 16:00 UTC, at the next trade below the 52-week low so far",
    ]);
  });

  it("names the moving average a cross went through and its value, and which side a repeat fires from", () => {
    const crossed: Notification = {
      ...fired,
      condition: { kind: "average", average: "sma", period: 50, direction: "cross" },
      side: "lower",
      level: 187.2,
      price: 186.9,
      lastPrice: 186.9,
      referencePrice: 190.1,
      moveAbs: -3.2,
      movePercent: -1.6833,
      note: null,
      study: { key: "sma50", value: 187.2 },
      repeating: true,
      rearm: { at: "2026-11-24T16:00:00.000Z", upper: null, lower: null, band: null, extreme: null },
    };
    expect(notificationText(crossed).split("\n")).toEqual([
      "🔔 AAPL crossed its 50-day SMA going down: $186.90 (SMA $187.20)",
      "Price: $186.90 · 2026-11-24 15:00 UTC",
      "50-day SMA: $187.20",
      "Repeats: after 2026-11-24 16:00 UTC, when AAPL crosses back above its 50-day SMA",
    ]);
    const above = notificationText({
      ...crossed,
      condition: { kind: "average", average: "ema", period: 200, direction: "above" },
      side: "upper",
      price: 190.1,
      lastPrice: 190.3,
      study: { key: "ema200", value: 189.9 },
    });
    expect(above.split("\n")).toEqual([
      "🔔 AAPL rose above its 200-day EMA: $190.10 (EMA $189.90)",
      "Price: $190.30 (reached $190.10) · 2026-11-24 15:00 UTC",
      "200-day EMA: $189.90",
      "Repeats: after 2026-11-24 16:00 UTC, once AAPL has been back below its 200-day EMA",
    ]);
    expect(
      notificationText({ ...crossed, condition: { ...crossed.condition, direction: "below" } as never }),
    ).toMatch(/^🔔 AAPL fell below its 50-day SMA: \$186\.90 \(SMA \$187\.20\)/);
  });

  it("names the RSI that made an RSI alert fire, and the band a repeat waits for", () => {
    const fell: Notification = {
      ...fired,
      condition: { kind: "rsi", direction: "below", level: 30, period: 14, interval: "1d" },
      side: "lower",
      price: 183.2,
      lastPrice: 183.2,
      note: null,
      study: { key: "rsi14:1d", value: 29.43 },
      repeating: true,
      rearm: { at: "2026-11-24T16:00:00.000Z", upper: null, lower: null, band: null, extreme: null },
    };
    expect(notificationText(fell).split("\n")).toEqual([
      "🔔 AAPL daily RSI(14) fell to 29.4 (below 30)",
      "Price: $183.20 · 2026-11-24 15:00 UTC",
      "Daily RSI(14): 29.4",
      // The rule book's band: 5 points back across the level (30 + 5).
      "Repeats: after 2026-11-24 16:00 UTC, once the daily RSI(14) has been back above 35",
    ]);
    const rose = notificationText({
      ...fell,
      condition: { kind: "rsi", direction: "above", level: 80, period: 7, interval: "1h" },
      side: "upper",
      study: { key: "rsi7:1h", value: 81.06 },
    });
    expect(rose.split("\n")[0]).toBe("🔔 AAPL hourly RSI(7) rose to 81.1 (above 80)");
    expect(rose).toContain("once the hourly RSI(7) has been back below 75");
  });

  it("names today's volume against the usual by that time of day, in the reader's time", () => {
    const heavy: Notification = {
      ...fired,
      condition: { kind: "volume", multiple: 3 },
      side: "upper",
      price: 190.1,
      lastPrice: 190.1,
      note: null,
      firedAt: "2026-11-24T16:30:00.000Z",
      // 4,200,000 / 1,350,000 = 3.11×
      study: { key: "volume", value: 4_200_000, typical: 1_350_000 },
      repeating: true,
      rearm: { at: "2026-11-24T17:30:00.000Z", upper: null, lower: null, band: null, extreme: null },
    };
    const newYork = { kind: "zone", timeZone: "America/New_York" } as const;
    expect(notificationText(heavy, newYork).split("\n")).toEqual([
      "🔔 AAPL volume is 3.1× the usual by 11:30 (4.2M vs 1.35M)",
      "Price: $190.10 · 2026-11-24 11:30 EST",
      "Volume today: 4.2M",
      "Usual by now: 1.35M",
      "Repeats: after 2026-11-24 12:30 EST, on a later trading day when volume is 3× the usual again",
    ]);
    expect(formatNotification(heavy).title).toBe("🔔 AAPL volume is 3.1× the usual by 16:30 (4.2M vs 1.35M)");
    expect(formatNotification(heavy, { kind: "discord" }).title).toBe(
      `🔔 AAPL volume is 3.1× the usual by <t:${Date.parse(heavy.firedAt) / 1000}:t> (4.2M vs 1.35M)`,
    );
  });

  it("says a volume or indicator alert fired without its value when the notification does not carry one", () => {
    const { side: _side, ...bare } = { ...fired, note: null };
    expect(formatNotification({ ...bare, condition: { kind: "volume", multiple: 3 } }).title).toBe(
      "🔔 AAPL volume is 3× the usual by this time of day",
    );
    expect(
      formatNotification({
        ...bare,
        side: "lower",
        condition: { kind: "rsi", direction: "below", level: 30, period: 14, interval: "1d" },
      }).title,
    ).toBe("🔔 AAPL daily RSI(14) fell below 30");
    expect(
      formatNotification({
        ...bare,
        condition: { kind: "average", average: "sma", period: 50, direction: "cross" },
      }).title,
    ).toBe("🔔 AAPL crossed its 50-day SMA");
  });

  it("still reads a notification published before the facts existed", () => {
    const { side, level, lastPrice, referenceKind, extreme, rearm, ...older } = fired;
    expect(notificationText({ ...older, repeating: true })).toBe(
      [
        "🔔 AAPL rose above $200.00",
        "Price: $201.50 · 2026-11-24 15:00 UTC",
        "Move: +$11.50 (+6.05%) since $190.00",
        "Repeats: yes, after its cooldown",
        "Note: take profit",
      ].join("\n"),
    );
  });

  it("tells the user an alert expired, what it waited for and the last price", () => {
    expect(notificationText({ ...fired, type: "expired", price: 190.5, note: null })).toBe(
      [
        "⌛ Your AAPL alert expired",
        "Condition: above $200.00, not met before it expired",
        "Last price: $190.50 · 2026-11-24 15:00 UTC",
      ].join("\n"),
    );
  });

  it("marks the short facts inline and the sentences full width", () => {
    const message = formatNotification({
      ...fired,
      repeating: true,
      rearm: { at: "2026-11-24T16:00:00.000Z", upper: 200, lower: null, band: 199, extreme: null },
    });
    expect(message.fields.map((f) => [f.label, f.inline])).toEqual([
      ["Price", true],
      ["Move", true],
      ["Repeats", false],
      ["Note", false],
    ]);
  });
});

describe("earnings notifications", () => {
  const earnings = (moment: "eve" | "due", hour: "bmo" | "amc" | "unknown"): Notification => ({
    ...fired,
    condition: { kind: "earnings" },
    price: 0,
    referencePrice: 0,
    moveAbs: 0,
    movePercent: 0,
    repeating: true,
    note: null,
    earnings: {
      moment,
      event: {
        symbol: "AAPL",
        date: "2027-01-28",
        hour,
        quarter: 1,
        year: 2027,
        epsEstimate: 2.35,
        revenueEstimate: 124_130_000_000,
      },
    },
  });

  it("the evening before says which day, when in it, the quarter and the estimates", () => {
    expect(notificationText(earnings("eve", "amc"))).toBe(
      [
        "📅 AAPL reports earnings tomorrow after the close",
        "Date: Thu 2027-01-28 · after the close (due 16:00 ET)",
        "Quarter: Q1 2027",
        "EPS estimate: $2.35",
        "Revenue estimate: $124.1B",
        "Repeats: every quarter, until you delete it",
      ].join("\n"),
    );
  });

  it("when due says the results are due now, or that the day has come when the hour is not known", () => {
    expect(formatNotification(earnings("due", "bmo")).title).toBe(
      "📣 AAPL earnings: results due now (before the open)",
    );
    expect(formatNotification(earnings("due", "unknown")).title).toBe("📣 AAPL reports earnings today");
  });
});
