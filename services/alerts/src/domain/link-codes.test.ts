import { RedeemLinkCodeRequestSchema } from "@tickerbell/contracts";
import { describe, expect, it } from "vitest";
import { FailedAttemptLimiter, generateLinkCode, hashLinkCode } from "./link-codes.ts";

describe("link codes", () => {
  it("are 8 unambiguous characters the redeem schema accepts, and differ", () => {
    const codes = new Set(Array.from({ length: 200 }, generateLinkCode));
    expect(codes.size).toBe(200);
    for (const code of codes) {
      expect(code).toMatch(/^[A-HJ-NP-Z2-9]{8}$/);
      expect(RedeemLinkCodeRequestSchema.parse({ code }).code).toBe(code);
    }
  });

  it("hash case-insensitively and never contain the code", () => {
    const hash = hashLinkCode("ABCD2345");
    expect(hash).toBe(hashLinkCode("abcd2345"));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain("ABCD2345");
  });
});

describe("FailedAttemptLimiter", () => {
  it("blocks a key after the maximum failures until the oldest leaves the window", () => {
    let now = 1_000_000;
    const limiter = new FailedAttemptLimiter({ maxFailures: 3, windowMs: 60_000, now: () => now });
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfterMs("a")).toBe(0);
      limiter.recordFailure("a");
      now += 1000;
    }
    expect(limiter.retryAfterMs("a")).toBe(57_000);
    expect(limiter.retryAfterMs("b")).toBe(0);
    now += 57_000;
    expect(limiter.retryAfterMs("a")).toBe(0);
  });
});
