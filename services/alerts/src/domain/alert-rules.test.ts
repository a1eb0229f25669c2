import type { Alert, AlertCondition } from "@tickerbell/contracts";
import { describe, expect, it } from "vitest";
import { applyUpdate, cancel, checkExpiry, expire, planAlert } from "./alert-rules.ts";
import { DomainError } from "./errors.ts";

const now = new Date("2026-03-02T15:00:00Z");

function refusal(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

function alertWith(condition: AlertCondition, overrides: Partial<Alert> = {}): Alert {
  const { extremeSince: _, ...baseline } = planAlert({ condition, market: { last: 100, previousClose: 95 } });
  return {
    id: "0f8fad5b-d9cb-469f-a165-70867728950e",
    userId: "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    symbol: "AAPL",
    condition,
    ...baseline,
    status: "active",
    generation: 0,
    version: 1,
    resumeAt: null,
    repeat: { cooldownSeconds: 300 },
    expiresAt: null,
    note: null,
    regularHoursOnly: false,
    origin: { platform: "telegram", chatId: "1" },
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    lastTriggeredAt: null,
    lastTriggerPrice: null,
    phase: "armed",
    stateAsOfTick: null,
    ...overrides,
  };
}

describe("planAlert: price", () => {
  it.each([
    ["above", 110, { upper: 110, lower: null }],
    ["below", 90, { upper: null, lower: 90 }],
    ["cross", 110, { upper: 110, lower: null }],
    ["cross", 90, { upper: null, lower: 90 }],
  ] as const)("%s %d at last 100 watches %j", (direction, target, thresholds) => {
    const plan = planAlert({ condition: { kind: "price", direction, target }, market: { last: 100 } });
    expect(plan).toEqual({ referencePrice: 100, thresholds, extreme: null });
  });

  it.each([
    ["above", 100],
    ["above", 99.5],
    ["below", 100],
    ["below", 100.5],
    ["cross", 100],
  ] as const)("refuses %s %d when the last price is 100, showing the price", (direction, target) => {
    const error = refusal(() =>
      planAlert({ condition: { kind: "price", direction, target }, market: { last: 100 } }),
    );
    expect(error.code).toBe("condition_already_met");
    expect(error.kind).toBe("conflict");
    expect(error.message).toContain("current price $100.00");
    expect(error.details).toMatchObject({ currentPrice: 100 });
  });

  it("writes a currency pair's rates to the pip in the refusal (cents would say 1.08 for both)", () => {
    const error = refusal(() =>
      planAlert({
        symbol: "OANDA:EUR_USD",
        condition: { kind: "price", direction: "above", target: 1.0825 },
        market: { last: 1.0842 },
      }),
    );
    expect(error.message).toBe("price is already at or above 1.0825 (current price 1.0842)");
  });
});

describe("planAlert: percent", () => {
  it("measures from the last price by default", () => {
    const plan = planAlert({
      condition: { kind: "percent", direction: "up", percent: 5, basis: "last" },
      market: { last: 190 },
    });
    expect(plan).toEqual({ referencePrice: 190, thresholds: { upper: 199.5, lower: null }, extreme: null });
  });

  it("measures from the previous close with `from close`, both sides for `move`", () => {
    const plan = planAlert({
      condition: { kind: "percent", direction: "move", percent: 10, basis: "close" },
      market: { last: 100, previousClose: 98 },
    });
    expect(plan.referencePrice).toBe(98);
    expect(plan.thresholds).toEqual({ upper: 107.8, lower: 88.2 });
  });

  it("refuses `from close` without a previous close", () => {
    const error = refusal(() =>
      planAlert({
        condition: { kind: "percent", direction: "down", percent: 3, basis: "close" },
        market: { last: 100 },
      }),
    );
    expect(error).toMatchObject({ kind: "invalid", code: "previous_close_unknown" });
  });

  it("refuses when today's move already exceeds the percentage", () => {
    const error = refusal(() =>
      planAlert({
        condition: { kind: "percent", direction: "up", percent: 2, basis: "close" },
        market: { last: 105, previousClose: 100 },
      }),
    );
    expect(error.code).toBe("condition_already_met");
    expect(error.message).toContain("105.00");
    const down = refusal(() =>
      planAlert({
        condition: { kind: "percent", direction: "move", percent: 2, basis: "close" },
        market: { last: 97, previousClose: 100 },
      }),
    );
    expect(down.code).toBe("condition_already_met");
  });
});

describe("planAlert: trailing", () => {
  it("starts the extreme at the last price with no fixed thresholds", () => {
    const plan = planAlert({
      condition: { kind: "trailing", direction: "down", offset: { unit: "percent", value: 8 } },
      market: { last: 250 },
    });
    expect(plan).toEqual({ referencePrice: 250, thresholds: { upper: null, lower: null }, extreme: 250 });
  });

  it("refuses a dollar trail down as large as the price itself", () => {
    const error = refusal(() =>
      planAlert({
        condition: { kind: "trailing", direction: "down", offset: { unit: "amount", value: 300 } },
        market: { last: 250 },
      }),
    );
    expect(error.code).toBe("trailing_offset_too_large");
  });
});

describe("checkExpiry", () => {
  it("accepts null and dates within 366 days", () => {
    expect(() => checkExpiry(null, now)).not.toThrow();
    expect(() => checkExpiry("2027-03-01T00:00:00Z", now)).not.toThrow();
  });
  it.each(["2026-03-02T15:00:00Z", "2020-01-01T00:00:00Z", "2027-03-04T00:00:00Z"])("refuses %s", (at) => {
    expect(refusal(() => checkExpiry(at, now)).code).toBe("invalid_expiry");
  });
});

describe("planAlert: new high / new low", () => {
  const market = { last: 100, sessionHigh: 101.5, sessionLow: 98.25, high52w: 140, low52w: 80 };

  it("a session high starts at today's high, its day from the moment it is set", () => {
    expect(planAlert({ condition: { kind: "extreme", side: "high", span: "session" }, market }, now)).toEqual(
      {
        referencePrice: 101.5,
        thresholds: { upper: null, lower: null },
        extreme: 101.5,
        extremeSince: now.getTime(),
      },
    );
  });

  it("a 52-week low starts at the 52-week low and keeps no day", () => {
    expect(
      planAlert({ condition: { kind: "extreme", side: "low", span: "52w" }, market }, now),
    ).toMatchObject({
      extreme: 80,
      extremeSince: null,
    });
  });

  it("is refused (400) when the bot brought no range", () => {
    const error = refusal(() =>
      planAlert({ condition: { kind: "extreme", side: "high", span: "52w" }, market: { last: 100 } }, now),
    );
    expect(error).toMatchObject({ kind: "invalid", code: "extreme_range_unknown" });
    expect(error.message).toContain("the 52-week high is not known");
  });

  it("a 52-week high on a pair is refused (400): pairs have no 52-week range", () => {
    const error = refusal(() =>
      applyUpdate(
        { ...alertWith({ kind: "price", direction: "above", target: 110 }), symbol: "BINANCE:BTCUSDT" },
        { condition: { kind: "extreme", side: "high", span: "52w" }, market },
        now,
      ),
    );
    expect(error).toMatchObject({ kind: "invalid", code: "year_range_not_applicable" });
  });

  it("an edit to a session high starts its day at the edit; an edit away from it clears the day", () => {
    const later = new Date(now.getTime() + 3_600_000);
    const price = alertWith({ kind: "price", direction: "above", target: 110 });
    const edited = applyUpdate(
      price,
      { condition: { kind: "extreme", side: "high", span: "session" }, market },
      later,
    )!.alert;
    expect(edited).toMatchObject({ extreme: 101.5, extremeSince: later.toISOString(), phase: "armed" });
    const back = applyUpdate(
      edited,
      { condition: { kind: "price", direction: "above", target: 110 }, market },
      later,
    )!.alert;
    expect(back).toMatchObject({
      extreme: null,
      extremeSince: null,
      thresholds: { upper: 110, lower: null },
    });
  });
});

describe("applyUpdate / cancel / expire", () => {
  const alert = alertWith({ kind: "price", direction: "above", target: 110 });

  it("pauses and resumes with the matching change kind", () => {
    const paused = applyUpdate(alert, { status: "paused" }, now);
    expect(paused).toMatchObject({ change: "paused", alert: { status: "paused" } });
    expect(applyUpdate(paused!.alert, { status: "active" }, now)?.change).toBe("resumed");
  });

  it("reports a no-op as null and other edits as updated", () => {
    expect(applyUpdate(alert, { status: "active" }, now)).toBeNull();
    expect(applyUpdate(alert, { note: "earnings" }, now)).toMatchObject({
      change: "updated",
      alert: { note: "earnings" },
    });
  });

  it("refuses to edit a finished alert", () => {
    const done = { ...alert, status: "triggered" as const };
    expect(refusal(() => applyUpdate(done, { note: "x" }, now)).code).toBe("alert_not_modifiable");
  });

  it("deletes a finished alert (the Delete button under its notification)", () => {
    for (const status of ["triggered", "expired"] as const) {
      expect(cancel({ ...alert, status }, now)).toMatchObject({
        change: "cancelled",
        alert: { status: "cancelled" },
      });
    }
  });

  it("cancels once; cancelling again changes nothing", () => {
    const cancelled = cancel(alert, now);
    expect(cancelled).toMatchObject({ change: "cancelled", alert: { status: "cancelled" } });
    expect(cancel(cancelled!.alert, now)).toBeNull();
  });

  it("expires only open alerts whose expiry has passed", () => {
    const due = { ...alert, expiresAt: "2026-03-02T14:59:59.000Z" };
    expect(expire(due, now)).toMatchObject({ change: "expired", alert: { status: "expired" } });
    expect(expire({ ...due, expiresAt: "2026-03-02T15:00:01.000Z" }, now)).toBeNull();
    expect(expire({ ...due, status: "cancelled" }, now)).toBeNull();
    expect(expire(alert, now)).toBeNull();
  });
});

describe("an edited condition", () => {
  const cooling = (condition: AlertCondition) =>
    alertWith(condition, {
      phase: "cooling",
      generation: 3,
      lastTriggeredAt: now.toISOString(),
      lastTriggerPrice: 99,
    });

  it("is re-based from the market like a new alert and re-armed under the next generation and revision", () => {
    const alert = cooling({ kind: "price", direction: "above", target: 110 });
    const result = applyUpdate(
      alert,
      {
        condition: { kind: "percent", direction: "move", percent: 5, basis: "close" },
        market: { last: 101, previousClose: 100 },
      },
      now,
    );
    expect(result?.alert).toMatchObject({
      referencePrice: 100,
      thresholds: { upper: expect.closeTo(105, 9), lower: expect.closeTo(95, 9) },
      phase: "armed",
      generation: 4,
      levelsRevision: 1,
      lastTriggeredAt: now.toISOString(),
      lastTriggerPrice: 99,
    });
    expect(result?.change).toBe("updated");
  });

  it("changes nothing when it is the same condition, written in another order", () => {
    const alert = cooling({ kind: "trailing", direction: "down", offset: { unit: "percent", value: 8 } });
    const same = {
      offset: { value: 8, unit: "percent" },
      direction: "down",
      kind: "trailing",
    } as AlertCondition;
    expect(applyUpdate(alert, { condition: same, market: { last: 120 } }, now)).toBeNull();
  });

  it("is refused when the market already meets it, as a create is", () => {
    const alert = cooling({ kind: "price", direction: "above", target: 110 });
    const error = refusal(() =>
      applyUpdate(
        alert,
        { condition: { kind: "price", direction: "below", target: 101 }, market: { last: 100 } },
        now,
      ),
    );
    expect(error.code).toBe("condition_already_met");
  });
});
