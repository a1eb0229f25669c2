import { NotificationSchema } from "@tickerbell/contracts";
import { describe, expect, it } from "vitest";
import { makeAlert } from "../../test/alert-fixtures.ts";
import type { Firing } from "../types.ts";
import { expiryNotification, firingNotification } from "./notifications.ts";

describe("notifications", () => {
  const alert = {
    ...makeAlert({
      id: "0f8fad5b-d9cb-469f-a165-70867728950e",
      symbol: "AAPL",
      condition: { kind: "percent", direction: "up", percent: 5, basis: "last" },
      referencePrice: 200,
      cooldownSeconds: 3600,
    }),
    note: "sell half",
  };

  it("reports a new high against the previous high it went beyond", () => {
    const highs = makeAlert({
      id: "0f8fad5b-d9cb-469f-a165-70867728950f",
      symbol: "AAPL",
      condition: { kind: "extreme", side: "high", span: "session" },
      referencePrice: 190,
    });
    const firing: Firing = {
      type: "fired",
      alertId: highs.id,
      symbol: "AAPL",
      generation: 0,
      triggerId: `${highs.id}:0`,
      condition: highs.condition,
      side: "upper",
      level: 192.5,
      price: 193.8,
      tickPrice: 193.8,
      referencePrice: 190,
      extreme: 192.5,
      firedBefore: false,
      repeating: false,
      next: null,
      ts: Date.parse("2026-03-02T15:00:00Z"),
    };
    expect(NotificationSchema.parse(firingNotification(firing, highs))).toMatchObject({
      price: 193.8,
      referencePrice: 192.5,
      extreme: 192.5,
      moveAbs: 1.3,
      movePercent: 0.6753,
    });
  });

  it("names the study value a volume or indicator alert fired on", () => {
    const volume = makeAlert({
      id: "0f8fad5b-d9cb-469f-a165-708677289510",
      symbol: "AAPL",
      condition: { kind: "volume", multiple: 3 },
      referencePrice: 190,
      cooldownSeconds: 3600,
    });
    const firing: Firing = {
      type: "fired",
      alertId: volume.id,
      symbol: "AAPL",
      generation: 0,
      triggerId: `${volume.id}:0`,
      condition: volume.condition,
      side: "upper",
      // 3 x 1,200,000 typical
      level: 3_600_000,
      price: 191,
      tickPrice: 191,
      referencePrice: 190,
      extreme: null,
      firedBefore: false,
      repeating: true,
      next: { cooldownEndsAt: Date.parse("2026-03-03T05:00:00Z"), upper: null, lower: null, extreme: null },
      ts: Date.parse("2026-03-02T15:00:00Z"),
      study: { key: "volume", value: 3_700_000, typical: 1_200_000 },
    };
    expect(NotificationSchema.parse(firingNotification(firing, volume))).toMatchObject({
      study: { key: "volume", value: 3_700_000, typical: 1_200_000 },
      rearm: { at: "2026-03-03T05:00:00.000Z", band: null },
    });
    const { study: _, ...priceOnly } = firing;
    expect(firingNotification(priceOnly, volume)).not.toHaveProperty("study");
  });

  it("carries the move since the reference and the crossing price of a firing", () => {
    const firing: Firing = {
      type: "fired",
      alertId: alert.id,
      symbol: "AAPL",
      generation: 2,
      triggerId: `${alert.id}:2`,
      condition: alert.condition,
      side: "upper",
      level: 210,
      price: 210.5,
      tickPrice: 209,
      referencePrice: 200,
      extreme: null,
      firedBefore: true,
      repeating: true,
      next: { cooldownEndsAt: Date.parse("2026-03-02T16:00:00Z"), upper: 221.03, lower: null, extreme: null },
      ts: Date.parse("2026-03-02T15:00:00Z"),
    };
    const n = NotificationSchema.parse(firingNotification(firing, alert));
    expect(n).toMatchObject({
      type: "triggered",
      triggerId: `${alert.id}:2`,
      generation: 2,
      price: 210.5,
      referencePrice: 200,
      moveAbs: 10.5,
      movePercent: 5.25,
      note: "sell half",
      repeating: true,
      firedAt: "2026-03-02T15:00:00.000Z",
      origin: alert.origin,
      userId: alert.userId,
      side: "upper",
      level: 210,
      lastPrice: 209,
      // It fired before, so its reference is that firing's price, not the price when it was set.
      referenceKind: "lastFiring",
      rearm: { at: "2026-03-02T16:00:00.000Z", upper: 221.03, lower: null, band: null, extreme: null },
    });
  });

  const base: Firing = {
    type: "fired",
    alertId: alert.id,
    symbol: "AAPL",
    generation: 1,
    triggerId: `${alert.id}:1`,
    condition: { kind: "price", direction: "above", target: 200 },
    side: "upper",
    level: 200,
    price: 200.5,
    tickPrice: 200.5,
    referencePrice: 190,
    extreme: null,
    firedBefore: false,
    repeating: false,
    next: null,
    ts: Date.parse("2026-03-02T15:00:00Z"),
  };

  it("names the reference: the previous close, the price when set, or the last firing", () => {
    const kindOf = (firing: Partial<Firing>) =>
      firingNotification({ ...base, ...firing }, alert).referenceKind;
    expect(kindOf({})).toBe("whenSet");
    // A price alert keeps its reference when it repeats.
    expect(kindOf({ firedBefore: true })).toBe("whenSet");
    const fromClose = { kind: "percent", direction: "down", percent: 3, basis: "close" } as const;
    expect(kindOf({ condition: fromClose })).toBe("previousClose");
    expect(kindOf({ condition: fromClose, firedBefore: true })).toBe("lastFiring");
  });

  it("gives a trailing alert's move from its peak, and a repeating above alert its re-arm band", () => {
    const trailing = firingNotification(
      {
        ...base,
        condition: { kind: "trailing", direction: "down", offset: { unit: "percent", value: 8 } },
        side: "lower",
        level: 202.4,
        price: 202.4,
        tickPrice: 203,
        extreme: 220,
      },
      alert,
    );
    expect(trailing).toMatchObject({ extreme: 220, moveAbs: -17.6, movePercent: -8, side: "lower" });

    const above = firingNotification(
      {
        ...base,
        repeating: true,
        next: { cooldownEndsAt: base.ts + 3_600_000, upper: 200, lower: null, extreme: null },
      },
      alert,
    );
    expect(above.rearm).toEqual({
      at: "2026-03-02T16:00:00.000Z",
      upper: 200,
      lower: null,
      band: 199,
      extreme: null,
    });
  });

  it("reports an expiry under its own id, with the last price seen or the reference", () => {
    const at = Date.parse("2026-03-03T00:00:00Z");
    const seen = NotificationSchema.parse(expiryNotification(alert, 190, at));
    expect(seen).toMatchObject({
      type: "expired",
      triggerId: `${alert.id}:expired`,
      price: 190,
      moveAbs: -10,
    });
    expect(expiryNotification(alert, undefined, at)).toMatchObject({
      price: 200,
      moveAbs: 0,
      movePercent: 0,
    });
  });
});

describe("urgent alerts", () => {
  it("mark their firings and expiries urgent, so a bot sends them during quiet hours; others carry no mark", () => {
    const base = makeAlert({
      id: "1f8fad5b-d9cb-469f-a165-70867728950e",
      symbol: "MSFT",
      condition: { kind: "price", direction: "above", target: 400 },
      referencePrice: 390,
    });
    const firing: Firing = {
      type: "fired",
      alertId: base.id,
      symbol: "MSFT",
      generation: 0,
      triggerId: `${base.id}:0`,
      condition: base.condition,
      side: "upper",
      level: 400,
      price: 400.5,
      tickPrice: 400.5,
      referencePrice: 390,
      extreme: null,
      repeating: false,
      firedBefore: false,
      next: null,
      ts: Date.parse("2026-03-02T15:00:00Z"),
    };
    const urgent = { ...base, urgent: true };
    expect(NotificationSchema.parse(firingNotification(firing, urgent)).urgent).toBe(true);
    expect(NotificationSchema.parse(expiryNotification(urgent, 395, Date.now())).urgent).toBe(true);
    expect(firingNotification(firing, base)).not.toHaveProperty("urgent");
  });
});
