import { describe, expect, it } from "vitest";
import { CallBudget } from "./call-budget.ts";
import { CallBudgetExhaustedError } from "./errors.ts";

describe("CallBudget", () => {
  it("allows the window's calls, then says when the oldest one frees up", () => {
    let now = 1_000_000;
    const budget = new CallBudget({
      callsPerWindow: 5,
      windowMs: 60_000,
      interactiveReserve: 1,
      now: () => now,
    });
    for (let i = 0; i < 4; i++) {
      budget.take("background");
      now += 1_000;
    }
    // Background work leaves the reserve to interactive requests.
    expect(() => budget.take("background")).toThrow(CallBudgetExhaustedError);
    budget.take("interactive");
    expect(() => budget.take("interactive")).toThrow(CallBudgetExhaustedError);
    expect(budget.availableAt("interactive")).toBe(1_000_000 + 60_000);
    now = 1_000_000 + 60_000;
    budget.take("interactive");
  });

  it("pauses everything until the server's Retry-After after a 429", () => {
    let now = 0;
    const budget = new CallBudget({ callsPerWindow: 60, now: () => now });
    budget.pause(30_000);
    expect(budget.availableAt("interactive")).toBe(30_000);
    expect(() => budget.take("interactive")).toThrow(CallBudgetExhaustedError);
    now = 30_000;
    budget.take("interactive");
  });
});
