import { describe, expect, it } from "vitest";
import { SlidingWindowLimiter } from "./rate-limiter.ts";

describe("SlidingWindowLimiter", () => {
  it("admits up to the limit within a window and frees slots as they slide out", () => {
    const limiter = new SlidingWindowLimiter({ limit: 2, windowMs: 1000 });
    expect(limiter.retryAfterSeconds("chat", 0)).toBe(0);
    limiter.record("chat", 0);
    expect(limiter.retryAfterSeconds("chat", 400)).toBe(0);
    limiter.record("chat", 400);
    expect(limiter.retryAfterSeconds("other", 500)).toBe(0);
    expect(limiter.retryAfterSeconds("chat", 500)).toBe(1);
    expect(limiter.retryAfterSeconds("chat", 1500)).toBe(0);
  });

  it("keeps refusing until the announced retry_after has passed, like Telegram's flood wait", () => {
    const limiter = new SlidingWindowLimiter({ limit: 1, windowMs: 1000 });
    limiter.record("chat", 0);
    expect(limiter.retryAfterSeconds("chat", 900)).toBe(1);
    // The window frees at 1000 ms, but the flood wait announced at 900 ms lasts until 1900 ms.
    expect(limiter.retryAfterSeconds("chat", 1200)).toBe(1);
    expect(limiter.retryAfterSeconds("chat", 1900)).toBe(0);
  });

  it("rounds retry_after up to whole seconds", () => {
    const limiter = new SlidingWindowLimiter({ limit: 1, windowMs: 60_000 });
    limiter.record("chat", 0);
    expect(limiter.retryAfterSeconds("chat", 500)).toBe(60);
  });
});
