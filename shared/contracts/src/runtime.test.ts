import { describe, expect, it } from "vitest";
import { AlertRuntimeEventSchema } from "./runtime.ts";

// What the alert service stores from alerts.runtime goes into typed columns: a value the column cannot hold
// must be refused at the boundary (the bus dead-letters it at once), never reach PostgreSQL and fail the whole
// batch's transaction on every retry while the partition waits.
const alertId = "0f8fad5b-d9cb-469f-a165-70867728950e";
const state = {
  generation: 1,
  phase: "armed",
  referencePrice: 100,
  upper: 110,
  lower: null,
  extreme: null,
  lastFiredAt: null,
  lastFirePrice: null,
};
const event = (overrides: { state?: object; triggerId?: string }) => ({
  v: 1,
  alertId,
  symbol: "AAPL",
  asOfTick: "42",
  state: { ...state, ...overrides.state },
  done: false,
  ...(overrides.triggerId === undefined
    ? {}
    : {
        firing: {
          triggerId: overrides.triggerId,
          price: 111,
          firedAt: "2026-12-02T15:00:00.000Z",
          notification: {},
        },
      }),
});

describe("AlertRuntimeEventSchema", () => {
  it("accepts a state its columns hold", () => {
    expect(AlertRuntimeEventSchema.safeParse(event({})).success).toBe(true);
    expect(AlertRuntimeEventSchema.safeParse(event({ state: { generation: 2_147_483_647 } })).success).toBe(
      true,
    );
  });

  it.each([
    ["a generation past 32 bits", { state: { generation: 3_000_000_000 } }, /32 bits/],
    ["a firing time past the last date", { state: { lastFiredAt: 9e15 } }, /last representable date/],
    ["a triggerId of 36 dashes", { triggerId: `${"-".repeat(36)}:1` }, /<alertId>:<generation>/],
    ["a triggerId with a NUL", { triggerId: `${alertId}:1\u0000` }, /<alertId>:<generation>/],
    ["a generation of eleven digits in the triggerId", { triggerId: `${alertId}:12345678901` }, /<alertId>/],
  ])("refuses %s", (_what, overrides, reason) => {
    const parsed = AlertRuntimeEventSchema.safeParse(event(overrides));
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toMatch(reason);
  });
});
