import { describe, expect, it } from "vitest";
import { RateLimiter } from "./rate-limiter.ts";

/** Virtual timers: the clock jumps to the next timer once everything runnable has run. */
function virtualTimers() {
  let now = 0;
  const timers: Array<{ at: number; seq: number; wake: () => void }> = [];
  let seq = 0;
  let scheduled = false;
  const fireNext = () => {
    scheduled = false;
    timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = timers.shift();
    if (!next) return;
    now = Math.max(now, next.at);
    next.wake();
    if (timers.length > 0) schedule();
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(fireNext);
  };
  return {
    now: () => now,
    sleep: (ms: number) =>
      new Promise<void>((wake) => {
        timers.push({ at: now + ms, seq: seq++, wake });
        schedule();
      }),
  };
}

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

/** Telegram's pace on virtual time: 30/s overall, 1/s per chat, groups (negative ids) 20 a minute. */
function withGroups() {
  const time = virtualTime();
  const limiter = new RateLimiter(
    {
      globalPerSecond: 30,
      perChatPerSecond: 1,
      slowerChats: { matches: (chat) => chat.startsWith("-"), perSecond: 20 / 60 },
    },
    time.now,
    time.sleep,
  );
  return { time, limiter };
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

  it("paces the slower chats (Telegram groups) at their own rate, the others at the per-chat one", async () => {
    const { time, limiter } = withGroups();
    const group: number[] = [];
    for (let i = 0; i < 3; i++) {
      await limiter.acquire("-1001234");
      group.push(time.now());
    }
    expect(group).toEqual([0, 3000, 6000]);
    await limiter.acquire("42");
    const first = time.now();
    await limiter.acquire("42");
    expect(time.now() - first).toBe(1000);
  });

  it("grants a slot whose token is a rounding error short of whole (it used to wait 1e-13 ms forever)", async () => {
    const time = virtualTime();
    const limiter = new RateLimiter({ globalPerSecond: 30, perChatPerSecond: 1 }, time.now, time.sleep);
    await limiter.acquire("chat-1");
    await limiter.acquire("chat-1");
    await limiter.acquire("chat-2");
    expect(time.now()).toBeCloseTo(1000 + 1000 / 30, 6);
  });

  it("holds only a slower chat on its 429, and every chat on another chat's", async () => {
    const { time, limiter } = withGroups();
    await limiter.acquire("-100777");
    limiter.floodWait(40_000, "-100777");
    await limiter.acquire("42");
    expect(time.now()).toBeLessThan(100);
    await limiter.acquire("-100777");
    expect(time.now()).toBe(40_000);
    limiter.floodWait(5_000, "42");
    await limiter.acquire("43");
    expect(time.now()).toBe(45_000);
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

describe("RateLimiter after a global back-off", () => {
  it("holds every send, also those already waiting for a slot, and spaces them again after it", async () => {
    const time = virtualTimers();
    const limiter = new RateLimiter({ globalPerSecond: 10, perChatPerSecond: 1 }, time.now, time.sleep);
    const granted: number[] = [];
    const waiting = Array.from({ length: 4 }, async (_, i) => {
      await limiter.acquire(`chat-${i}`);
      granted.push(time.now());
    });
    // Slot 0 is taken at once; the platform then says wait two seconds.
    await Promise.resolve();
    limiter.backOff(2000);
    await Promise.all(waiting);
    expect(granted[0]).toBe(0);
    expect(granted.slice(1)).toEqual([2000, 2100, 2200]);
  });
});

describe("RateLimiter when timers fire late", () => {
  /**
   * Virtual timers on a busy event loop: nothing fires before t = 500, then everything due fires at once. The
   * clock jumps to the next timer once everything runnable has run.
   */
  function lateTime() {
    let now = 0;
    const timers: Array<{ at: number; wake: () => void }> = [];
    let scheduled = false;
    const fireNext = () => {
      scheduled = false;
      timers.sort((a, b) => a.at - b.at);
      const next = timers.shift();
      if (!next) return;
      now = Math.max(now, next.at, 500);
      next.wake();
      if (timers.length > 0) schedule();
    };
    const schedule = () => {
      if (scheduled) return;
      scheduled = true;
      setImmediate(fireNext);
    };
    return {
      now: () => now,
      sleep: (ms: number) =>
        new Promise<void>((wake) => {
          timers.push({ at: now + ms, wake });
          schedule();
        }),
    };
  }

  it("lets late waiters of different chats catch up together, but only a small burst at once", async () => {
    const time = lateTime();
    // 500/s: slots every 2 ms, a burst of 10.
    const limiter = new RateLimiter({ globalPerSecond: 500, perChatPerSecond: 1 }, time.now, time.sleep);
    const granted: number[] = [];
    await Promise.all(
      Array.from({ length: 400 }, async (_, i) => {
        await limiter.acquire(`chat-${i}`);
        granted.push(time.now());
      }),
    );
    granted.sort((a, b) => a - b);
    // The first went on time; 250 slots fell due by 500, when the loop woke: ten of them went at once, the rest
    // at the steady pace after.
    expect(granted[0]).toBe(0);
    expect(granted.filter((t) => t === 500)).toHaveLength(10);
    const second = (from: number) => granted.filter((t) => t >= from && t < from + 1000).length;
    for (const from of granted) expect(second(from)).toBeLessThanOrEqual(510);
  });

  it("spreads one chat's late waiters by the chat's gap", async () => {
    const time = lateTime();
    const limiter = new RateLimiter({ globalPerSecond: 100, perChatPerSecond: 10 }, time.now, time.sleep);
    const granted: number[] = [];
    for (let i = 0; i < 4; i++) {
      await limiter.acquire("chat-1");
      granted.push(time.now());
    }
    const gaps = granted.slice(1).map((t, i) => t - granted[i]!);
    expect(gaps.every((gap) => gap >= 100)).toBe(true);
  });
});

describe("RateLimiter's spare slots", () => {
  it("serves a spare slot only when no send waits, at the global pace", async () => {
    const time = virtualTimers();
    const limiter = new RateLimiter({ globalPerSecond: 10, perChatPerSecond: 1 }, time.now, time.sleep);
    const order: string[] = [];
    const granted = new Map<string, number>();
    const take = (name: string, slot: Promise<void>) =>
      slot.then(() => {
        order.push(name);
        granted.set(name, time.now());
      });
    // The token left at the start goes to the first send; the edits asked for early still wait for the sends.
    const all = [
      take("send-0", limiter.acquire("chat-0")),
      take("edit-0", limiter.acquireSpare()),
      take("edit-1", limiter.acquireSpare()),
      ...[1, 2, 3].map((i) => take(`send-${i}`, limiter.acquire(`chat-${i}`))),
    ];
    await Promise.all(all);
    expect(order).toEqual(["send-0", "send-1", "send-2", "send-3", "edit-0", "edit-1"]);
    expect([granted.get("edit-0"), granted.get("edit-1")]).toEqual([400, 500]);
  });

  it("does not hold a chat's next send: an edit takes no chat slot", async () => {
    const time = virtualTime();
    const limiter = new RateLimiter({ globalPerSecond: 10, perChatPerSecond: 1 }, time.now, time.sleep);
    await limiter.acquire("chat-1");
    await limiter.acquireSpare();
    const editedAt = time.now();
    await limiter.acquire("chat-1");
    expect([editedAt, time.now()]).toEqual([100, 1000]);
  });
});
