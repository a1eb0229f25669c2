import { describe, expect, it } from "vitest";
import { Backoff, backoffMs } from "./retry.ts";

const policy = { baseDelayMs: 100, maxDelayMs: 1_000 };

describe("backoffMs", () => {
  it("doubles from the base, capped, with the delay drawn from the upper half [d/2, d]", () => {
    expect([1, 2, 3, 4, 5].map((attempt) => backoffMs(policy, attempt, () => 0))).toEqual([
      50, 100, 200, 400, 500,
    ]);
    expect([1, 2, 3, 4, 5].map((attempt) => backoffMs(policy, attempt, () => 0.999999))).toEqual([
      100, 200, 400, 800, 1_000,
    ]);
  });

  it("never goes past the cap however many attempts failed", () => {
    expect(backoffMs(policy, 5_000, () => 0.999999)).toBe(1_000);
  });
});

describe("Backoff (the delays of one retry loop)", () => {
  it("counts its attempts and starts over after reset", () => {
    const backoff = new Backoff({ ...policy, random: () => 0.999999 });
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([100, 200, 400]);
    expect(backoff.attempts).toBe(3);
    backoff.reset();
    expect(backoff.attempts).toBe(0);
    expect(backoff.next()).toBe(100);
  });
});
