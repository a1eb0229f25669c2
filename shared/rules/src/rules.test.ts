import type { Alert, AlertCondition, AlertRuntimeState } from "@tickerbell/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HYSTERESIS_FRACTION } from "./levels.ts";
import { planAlert } from "./plan.ts";
import { type AlertRule, recordFieldsOf, runtimeStateOf } from "./runtime.ts";
import { stepAlert } from "./step.ts";

const T0 = Date.parse("2026-12-01T15:00:00Z");
const MIN = 60_000;

function ruleFor(condition: AlertCondition, cooldownMs: number | null = 60 * MIN): AlertRule {
  return { condition, cooldownMs, expiresAtMs: null, regularHoursOnly: false };
}

function startState(condition: AlertCondition, last: number): AlertRuntimeState {
  const plan = planAlert(condition, { last });
  if (!plan.ok) throw new Error(plan.message);
  return {
    generation: 0,
    phase: "armed",
    referencePrice: plan.baseline.referencePrice,
    upper: condition.kind === "trailing" ? null : plan.baseline.thresholds.upper,
    lower: condition.kind === "trailing" ? null : plan.baseline.thresholds.lower,
    extreme: plan.baseline.extreme,
    lastFiredAt: null,
    lastFirePrice: null,
  };
}

/** Runs prices one minute apart; returns the prices that fired. */
function run(rule: AlertRule, state: AlertRuntimeState, prices: number[], restartEvery?: number): number[] {
  const fired: number[] = [];
  let current: AlertRuntimeState | null = state;
  prices.forEach((price, i) => {
    if (!current) return;
    const result = stepAlert(rule, current, { price, ts: T0 + (i + 1) * MIN }, true);
    if (result.kind === "fired") {
      fired.push(price);
      current = result.next;
    } else if (result.kind === "none") current = result.next;
    else current = null;
    if (current && restartEvery && i % restartEvery === 0) current = throughRecord(rule, current);
  });
  return fired;
}

/** What a matcher that takes the alert over starts from: the state written into the record and read back. */
function throughRecord(rule: AlertRule, state: AlertRuntimeState): AlertRuntimeState {
  const record = {
    condition: rule.condition,
    repeat: rule.cooldownMs === null ? null : { cooldownSeconds: rule.cooldownMs / 1000 },
    ...recordFieldsOf(state),
  } as Pick<Alert, "condition" | "repeat"> & ReturnType<typeof recordFieldsOf>;
  return runtimeStateOf(record);
}

describe("cross with repeat", () => {
  const rule = ruleFor({ kind: "price", direction: "cross", target: 200 }, MIN);
  it("fires once crossing up, then not again while price hovers at the level, only past the band", () => {
    const hovering = [199, 200.1, 199.9, 200.2, 199.5, 200, 199.2, 198.99, 200.5];
    // 200.1 fires up; the next firing needs <= 199.00; 198.99 fires down; then >= 201.00 for up again.
    expect(run(rule, startState(rule.condition, 199), hovering)).toEqual([200.1, 198.99]);
    expect(198.99 <= 200 * (1 - HYSTERESIS_FRACTION)).toBe(true);
  });

  it("keeps the band through the stored record (the restart path)", () => {
    const hovering = [199, 200.1, 199.9, 200.2, 199.5, 200, 199.2, 198.99, 200.5, 201.2];
    const direct = run(rule, startState(rule.condition, 199), hovering);
    expect(run(rule, startState(rule.condition, 199), hovering, 1)).toEqual(direct);
  });
});

describe("above with repeat", () => {
  it("re-arms only after the cooldown and a move back below the band", () => {
    const rule = ruleFor({ kind: "price", direction: "above", target: 100 }, 2 * MIN);
    //                       fire  cooling  band not reached   band   fire
    const prices = [99, 100.5, 101, 100.2, 99.6, 99.5, 100.1];
    expect(run(rule, startState(rule.condition, 99), prices)).toEqual([100.5, 100.1]);
  });
});

describe("percent with repeat", () => {
  it("re-bases on the fire price, rounded like at creation", () => {
    const rule = ruleFor({ kind: "percent", direction: "up", percent: 5, basis: "last" }, MIN);
    const first = startState(rule.condition, 190);
    expect(first.upper).toBe(199.5);
    const result = stepAlert(rule, first, { price: 199.5, ts: T0 }, true);
    expect(result.kind).toBe("fired");
    if (result.kind !== "fired") return;
    expect(result.next?.referencePrice).toBe(199.5);
    // 5% above 199.5, rounded to 12 significant digits (the raw product is 209.47500000000002).
    expect(result.next?.upper).toBe(209.475);
    expect(result.next?.generation).toBe(1);
  });
});

describe("trailing", () => {
  it("fires 8% below the highest price since creation and trails again from the fire price", () => {
    const rule = ruleFor({ kind: "trailing", direction: "down", offset: { unit: "percent", value: 8 } }, MIN);
    const prices = [100, 110, 105, 101.3, 101.1, 100, 95, 93];
    // peak 110 -> level 101.2: 101.1 fires; new peak 101.1 -> level 93.012: 93 fires.
    expect(run(rule, startState(rule.condition, 100), prices)).toEqual([101.1, 93]);
  });
});

describe("earnings", () => {
  it("is set at any price and never fires on one, however far it moves; a tick past its expiry ends it", () => {
    const rule = ruleFor({ kind: "earnings" });
    const state = startState(rule.condition, 100);
    expect(state).toMatchObject({ upper: null, lower: null, extreme: null });
    expect(run(rule, state, [100, 0.01, 1e6, 100, 50, 200], 2)).toEqual([]);
    const expiring: AlertRule = { ...rule, expiresAtMs: T0 };
    expect(stepAlert(expiring, state, { price: 100, ts: T0 }, true).kind).toBe("expired");
  });
});

describe("expiry and regular hours", () => {
  it("ends the alert on the first tick at or after its expiry", () => {
    const rule: AlertRule = {
      ...ruleFor({ kind: "price", direction: "above", target: 10 }),
      expiresAtMs: T0,
    };
    expect(stepAlert(rule, startState(rule.condition, 9), { price: 11, ts: T0 }, true).kind).toBe("expired");
  });
  it("leaves a regular-hours-only alert untouched outside the session", () => {
    const rule: AlertRule = {
      ...ruleFor({ kind: "price", direction: "above", target: 10 }),
      regularHoursOnly: true,
    };
    const state = startState(rule.condition, 9);
    expect(stepAlert(rule, state, { price: 11, ts: T0 }, false)).toEqual({ kind: "none", next: state });
  });
});

describe("the stored record", () => {
  const stateArb = fc.record({
    generation: fc.nat(1000),
    phase: fc.constantFrom("armed" as const, "cooling" as const, "awaitingBand" as const),
    referencePrice: fc.double({ min: 0.01, max: 10_000, noNaN: true }),
    upper: fc.option(fc.double({ min: 0.01, max: 10_000, noNaN: true })),
    lower: fc.option(fc.double({ min: 0.01, max: 10_000, noNaN: true })),
    extreme: fc.option(fc.double({ min: 0.01, max: 10_000, noNaN: true })),
    lastFiredAt: fc.option(fc.integer({ min: 0, max: 4_000_000_000_000 })),
    lastFirePrice: fc.option(fc.double({ min: 0.01, max: 10_000, noNaN: true })),
  });

  const conditions: AlertCondition[] = [
    { kind: "price", direction: "above", target: 100 },
    { kind: "price", direction: "cross", target: 100 },
    { kind: "percent", direction: "move", percent: 3, basis: "last" },
    { kind: "trailing", direction: "up", offset: { unit: "amount", value: 2 } },
  ];

  it("gives back exactly the state written into it, for every state a repeating alert can be in", () => {
    fc.assert(
      fc.property(stateArb, fc.constantFrom(...conditions), (state, condition) => {
        const rule = ruleFor(condition);
        const trailing = condition.kind === "trailing";
        const consistent: AlertRuntimeState = {
          ...state,
          phase: state.phase === "awaitingBand" && condition.kind !== "price" ? "armed" : state.phase,
          upper: trailing ? null : state.upper,
          lower: trailing ? null : state.lower,
          extreme: trailing ? (state.extreme ?? state.referencePrice) : null,
          lastFiredAt: state.phase === "cooling" ? (state.lastFiredAt ?? T0) : state.lastFiredAt,
        };
        if (
          condition.kind === "price" &&
          condition.direction === "cross" &&
          consistent.phase === "awaitingBand"
        )
          consistent.phase = "armed";
        expect(throughRecord(rule, consistent)).toEqual(consistent);
      }),
    );
  });
});
