import { describe, expect, it } from "vitest";
import { RateLimiter } from "./rate-limiter.ts";

/** Virtual time: sleeping advances the clock instantly. */
function virtualTime() {
  let now = 0;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
  };
}

describe("RateLimiter", () => {
  it("stretches the gaps by the headroom", async () => {
    const time = virtualTime();
    const limiter = new RateLimiter(
      { globalPerSecond: 30, perChatPerSecond: 1, headroom: 0.05 },
      time.now,
      time.sleep,
    );
    const at: number[] = [];
    for (let i = 0; i < 3; i++) {
      await limiter.acquire("chat-1");
      at.push(time.now());
    }
    expect(at).toEqual([0, 1050, 2100]);
  });

  it("without headroom spaces slots exactly by the rate", async () => {
    const time = virtualTime();
    const limiter = new RateLimiter({ globalPerSecond: 30, perChatPerSecond: 2 }, time.now, time.sleep);
    const at: number[] = [];
    for (let i = 0; i < 3; i++) {
      await limiter.acquire("chat-1");
      at.push(time.now());
    }
    expect(at).toEqual([0, 500, 1000]);
  });

  it("pushes a chat's next slot out after a retry-after, leaving other chats alone", async () => {
    const time = virtualTime();
    const limiter = new RateLimiter({ globalPerSecond: 30, perChatPerSecond: 1 }, time.now, time.sleep);
    await limiter.acquire("chat-1");
    limiter.backOff(5000, "chat-1");
    await limiter.acquire("chat-2");
    expect(time.now()).toBeLessThan(100);
    await limiter.acquire("chat-1");
    expect(time.now()).toBe(5000);
  });
});

describe("RateLimiter when timers fire late", () => {
  it("spreads waiters that all wake at once instead of letting them go in a burst", async () => {
    let now = 0;
    // A busy event loop: every sleep overshoots to the same late instant (t = 500).
    const lateSleep = async (ms: number) => {
      now = Math.max(now + ms, 500);
    };
    const limiter = new RateLimiter({ globalPerSecond: 10, perChatPerSecond: 10 }, () => now, lateSleep);
    const granted: number[] = [];
    for (let i = 0; i < 4; i++) {
      await limiter.acquire(`chat-${i}`);
      granted.push(now);
    }
    const gaps = granted.slice(1).map((t, i) => t - granted[i]!);
    expect(gaps.every((gap) => gap >= 100)).toBe(true);
  });
});
