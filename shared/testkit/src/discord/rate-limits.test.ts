import { describe, expect, it } from "vitest";
import { RateLimiter } from "./rate-limits.ts";

const ROUTE = "POST /channels/:channel_id/messages";

describe("RateLimiter", () => {
  it("counts a bucket per route and major parameter, with Discord's headers", () => {
    const limiter = new RateLimiter(50, { [ROUTE]: { limit: 2, windowMs: 5000 } });
    const first = limiter.check(ROUTE, "c1", true, 1_000_000);
    expect(first.rejection).toBeUndefined();
    expect(first.headers).toMatchObject({
      "X-RateLimit-Limit": "2",
      "X-RateLimit-Remaining": "1",
      "X-RateLimit-Reset": "1005.000",
      "X-RateLimit-Reset-After": "5.000",
    });
    expect(first.headers["X-RateLimit-Bucket"]).toMatch(/^[0-9a-f]{16}$/);
    expect(limiter.check(ROUTE, "c1", true, 1_000_100).headers["X-RateLimit-Remaining"]).toBe("0");
    const third = limiter.check(ROUTE, "c1", true, 1_001_000);
    expect(third.rejection).toEqual({ retryAfterSeconds: 4, global: false, scope: "user", cause: "route" });
    expect(limiter.check(ROUTE, "c2", true, 1_001_000).rejection).toBeUndefined();
    expect(limiter.check(ROUTE, "c1", true, 1_005_000).rejection).toBeUndefined();
  });

  it("applies the global budget only to requests that count globally", () => {
    const limiter = new RateLimiter(2, {});
    expect(limiter.check("GET /a", "", true, 0).rejection).toBeUndefined();
    expect(limiter.check("GET /b", "", true, 10).rejection).toBeUndefined();
    const over = limiter.check("GET /c", "", true, 20);
    expect(over.rejection).toMatchObject({ global: true, scope: "global", cause: "global" });
    expect(over.headers["X-RateLimit-Global"]).toBe("true");
    expect(
      limiter.check("POST /interactions/:interaction_id/:interaction_token/callback", "i", false, 30)
        .rejection,
    ).toBeUndefined();
    expect(limiter.check("GET /c", "", true, 1000).rejection).toBeUndefined();
  });

  it("rejects everything during a storm, with Retry-After until the storm ends", () => {
    const limiter = new RateLimiter(50, {});
    limiter.storm(60_000, false);
    const verdict = limiter.check("GET /a", "", true);
    expect(verdict.rejection?.cause).toBe("storm");
    expect(verdict.rejection?.retryAfterSeconds).toBeGreaterThan(50);
    expect(verdict.headers["X-RateLimit-Remaining"]).toBe("0");
    limiter.storm(60_000, true);
    expect(limiter.check("GET /a", "", true).rejection).toMatchObject({ global: true, cause: "storm" });
  });
});
