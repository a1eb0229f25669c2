// The fault suite's reference: hand-worked cases for each kind on a small path, and the plan's guarantees.
import { describe, expect, it } from "vitest";
import { firingStep, levelOf, pathOf, planAlerts, STEPS, SYMBOLS } from "./scenario.ts";

const PATH = [100, 104, 110, 103, 95, 101];

describe("firingStep (the reference the fault suite expects)", () => {
  it.each([
    ["above 105", { kind: "price", direction: "above", target: 105 }, 2],
    ["above 111 never", { kind: "price", direction: "above", target: 111 }, null],
    ["below 96", { kind: "price", direction: "below", target: 96 }, 4],
    ["cross 102 from below", { kind: "price", direction: "cross", target: 102 }, 1],
    ["cross 97 from above", { kind: "price", direction: "cross", target: 97 }, 4],
    ["up 5%", { kind: "percent", direction: "up", percent: 5, basis: "last" }, 2],
    ["down 4%", { kind: "percent", direction: "down", percent: 4, basis: "last" }, 4],
    ["move 3.5%", { kind: "percent", direction: "move", percent: 3.5, basis: "last" }, 1],
    // Peak 110 at step 2: 5% below is 104.5, reached at 103.
    ["trail down 5%", { kind: "trailing", direction: "down", offset: { unit: "percent", value: 5 } }, 3],
    // Peak 110: $12 below is 98, reached at 95.
    ["trail down $12", { kind: "trailing", direction: "down", offset: { unit: "amount", value: 12 } }, 4],
    // The trough is still the reference 100 on the way up: 5.5% above is 105.5, passed by 110.
    ["trail up 5.5%", { kind: "trailing", direction: "up", offset: { unit: "percent", value: 5.5 } }, 2],
    // From the reference 100, $3.5 above is 103.5: reached at 104 before any trough.
    ["trail up $3.5", { kind: "trailing", direction: "up", offset: { unit: "amount", value: 3.5 } }, 1],
    [
      "trail up $20 never",
      { kind: "trailing", direction: "up", offset: { unit: "amount", value: 20 } },
      null,
    ],
  ] as const)("%s", (_, condition, step) => {
    expect(firingStep(condition, PATH)).toBe(step);
  });

  it("trails the trough: 3% above a trough of 90 is 92.7, reached on the way back up", () => {
    const path = [100, 96, 90, 93];
    expect(
      firingStep({ kind: "trailing", direction: "up", offset: { unit: "percent", value: 3 } }, path),
    ).toBe(3);
  });

  it("refuses to decide a threshold within a cent of a visited price", () => {
    expect(firingStep({ kind: "price", direction: "above", target: 110.01 }, PATH)).toBeUndefined();
  });
});

describe("planAlerts", () => {
  it("is reproducible from its seed, covers every symbol, and never plans an alert met at the reference", () => {
    const plan = planAlerts(520, 42);
    expect(planAlerts(520, 42)).toEqual(plan);
    expect(new Set(plan.map((a) => a.symbol))).toEqual(new Set(SYMBOLS));
    expect(plan.every((a) => a.firesAt === null || (a.firesAt > 0 && a.firesAt < STEPS))).toBe(true);
    for (const a of plan) expect(firingStep(a.condition, pathOf(a.symbolIndex))).toBe(a.firesAt);
  });

  it("consecutive plateaus differ, so a plateau can be recognised on prices.ticks", () => {
    for (let i = 0; i < SYMBOLS.length; i++)
      for (let step = 1; step < STEPS; step++) expect(levelOf(i, step)).not.toBe(levelOf(i, step - 1));
  });
});
