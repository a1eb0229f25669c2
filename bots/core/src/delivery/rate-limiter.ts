/** Waits for a number of milliseconds; injectable so tests can drive time. */
export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RateLimits {
  /** Messages per second across all chats. */
  globalPerSecond: number;
  /** Messages per second to one chat. */
  perChatPerSecond: number;
  /**
   * Spaces slots this fraction further apart than the rates allow (default 0; 0.05 = 5%). Requests leave on
   * time but arrive with some jitter, so a platform counting strictly in sliding windows (Telegram's 1 message
   * per second per chat) would see exactly spaced slots as too close now and then.
   */
  headroom?: number;
}

/**
 * Paces sends to stay inside a platform's limits: a global rate and a per-chat rate, each as evenly spaced
 * slots (no bursts that the platform would answer with 429). A 429's retry-after pushes the next slot out.
 */
export class RateLimiter {
  private readonly globalGapMs: number;
  private readonly chatGapMs: number;
  private nextGlobalAt = 0;
  /** No send at all before this (the platform answered a 429 that holds for every chat). */
  private pausedUntil = 0;
  private readonly nextChatAt = new Map<string, number>();
  private nextSweepAt = Number.NEGATIVE_INFINITY;
  /**
   * A token bucket over the grants actually made: timers fire late when the event loop is busy, and late waiters
   * may then catch up together, but at most `burst` at once (1 at 30/s, 6 at 300/s, 20 at 1,000/s), so what
   * reaches the platform in any second stays under its limit even with some jitter on the way.
   */
  private readonly burst: number;
  private tokens: number;
  private tokensAt: number;
  /** When each chat's last slot was actually taken: one chat's late sends are spread, never bunched. */
  private readonly lastChatGrant = new Map<string, number>();
  private readonly now: () => number;
  private readonly sleep: Sleep;

  constructor(limits: RateLimits, now: () => number = Date.now, sleep: Sleep = realSleep) {
    const stretch = 1 + (limits.headroom ?? 0);
    this.globalGapMs = (1000 / limits.globalPerSecond) * stretch;
    this.chatGapMs = (1000 / limits.perChatPerSecond) * stretch;
    this.burst = Math.max(1, Math.round(limits.globalPerSecond / 50));
    this.tokens = this.burst;
    this.now = now;
    this.sleep = sleep;
    this.tokensAt = now();
  }

  /**
   * Reserves the next slot for this chat and waits until it comes. A waiter that wakes late (a busy event loop
   * fires many timers at once) checks the slots actually taken: the chat's own gap, and the overall token bucket,
   * so late sends never bunch beyond a small burst.
   */
  async acquire(chatId: string): Promise<void> {
    const now = this.now();
    const at = Math.max(now, this.nextGlobalAt, this.nextChatAt.get(chatId) ?? 0);
    this.nextGlobalAt = at + this.globalGapMs;
    this.nextChatAt.set(chatId, at + this.chatGapMs);
    this.forgetIdleChats(now);
    if (at > now) await this.sleep(at - now);
    for (;;) {
      const current = this.now();
      if (current < this.pausedUntil) {
        // Every send waits out a global back-off; slots that fell inside it are taken again, evenly spaced after
        // it, so the waiters do not all go at once when it ends.
        const later = Math.max(this.pausedUntil, this.nextGlobalAt);
        this.nextGlobalAt = later + this.globalGapMs;
        await this.sleep(later - current);
        continue;
      }
      this.tokens = Math.min(this.burst, this.tokens + (current - this.tokensAt) / this.globalGapMs);
      this.tokensAt = current;
      const free = Math.max(
        current + (this.tokens >= 1 ? 0 : (1 - this.tokens) * this.globalGapMs),
        (this.lastChatGrant.get(chatId) ?? Number.NEGATIVE_INFINITY) + this.chatGapMs,
      );
      if (current >= free) {
        this.tokens -= 1;
        this.lastChatGrant.set(chatId, current);
        return;
      }
      await this.sleep(free - current);
    }
  }

  /** The platform said wait: no send to this chat (or anywhere, if global) before the delay has passed. */
  backOff(delayMs: number, chatId?: string): void {
    const until = this.now() + delayMs;
    if (chatId === undefined) {
      this.pausedUntil = Math.max(this.pausedUntil, until);
      this.nextGlobalAt = Math.max(this.nextGlobalAt, until);
    } else this.nextChatAt.set(chatId, Math.max(this.nextChatAt.get(chatId) ?? 0, until));
  }

  /** Drops chats whose slots are past; at most once a second (a burst to 10,000 chats keeps them all busy). */
  private forgetIdleChats(now: number): void {
    if (this.nextChatAt.size < 10_000 || now < this.nextSweepAt) return;
    this.nextSweepAt = now + 1000;
    for (const [chat, at] of this.nextChatAt) {
      if (at < now) {
        this.nextChatAt.delete(chat);
        this.lastChatGrant.delete(chat);
      }
    }
  }
}
