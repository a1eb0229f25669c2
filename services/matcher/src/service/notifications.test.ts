import { NotificationSchema } from "@tickerbell/contracts";
import { describe, expect, it } from "vitest";
import { makeAlert } from "../../test/alert-fixtures.ts";
import type { Firing } from "../types.ts";
import { describeCondition, expiryNotification, firingNotification } from "./notifications.ts";

describe("describeCondition", () => {
  it("puts every kind in words", () => {
    expect(describeCondition({ kind: "price", direction: "above", target: 200 }, 190)).toBe("above 200.00");
    expect(describeCondition({ kind: "price", direction: "cross", target: 0.5 }, 0.4)).toBe("crossing 0.5");
    expect(describeCondition({ kind: "percent", direction: "down", percent: 5, basis: "last" }, 190)).toBe(
      "down 5% from 190.00",
    );
    expect(describeCondition({ kind: "percent", direction: "move", percent: 3, basis: "close" }, 50)).toBe(
      "moving 3% from the previous close 50.00",
    );
    expect(
      describeCondition({ kind: "trailing", direction: "down", offset: { unit: "percent", value: 8 } }, 1),
    ).toBe("trailing 8% below the peak");
    expect(
      describeCondition({ kind: "trailing", direction: "up", offset: { unit: "amount", value: 2.5 } }, 1),
    ).toBe("trailing 2.50 above the low");
  });
});

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
      repeating: true,
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
      description: "up 5% from 200.00",
      firedAt: "2026-03-02T15:00:00.000Z",
      origin: alert.origin,
      userId: alert.userId,
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
