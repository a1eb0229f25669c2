/** Waits for a number of milliseconds; injectable so tests can drive time. */
export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RateLimits {
  /** Messages per second across all chats. */
  globalPerSecond: number;
  /** Messages per second to one chat. */
  perChatPerSecond: number;
  /** Chats the platform paces slower than the others (Telegram groups: about 20 messages a minute). */
  slowerChats?: { matches: (chatId: string) => boolean; perSecond: number };
  /**
   * Spaces slots this fraction further apart than the rates allow (default 0; 0.05 = 5%). Requests leave on
   * time but arrive with some jitter, so a platform counting strictly in sliding windows (Telegram's 1 message
   * per second per chat) would see exactly spaced slots as too close now and then.
   */
  headroom?: number;
}

/**
 * Paces sends to stay inside a platform's limits: a global rate and a per-chat rate. Each chat waits for its own
 * slot (evenly spaced), then joins one queue for the global rate, served in order by a single timer at the
 * global pace (a token bucket: after a busy moment of the event loop, at most a small burst catches up). A 429's
 * retry-after holds one chat's next slot, or every send.
 */
export class RateLimiter {
  readonly #globalGapMs: number;
  readonly #chatGapMs: number;
  readonly #slowerChats: { matches: (chatId: string) => boolean; gapMs: number } | undefined;
  /** Grants the global pace allows at once after the event loop was busy: 1 at 30/s, 6 at 300/s, 20 at 1,000/s. */
  readonly #burst: number;
  #tokens: number;
  #tokensAt: number;
  /** No send at all before this (the platform answered a 429 that holds for every chat). */
  #pausedUntil = 0;
  /** Senders waiting for a global slot, oldest first (from `head`). */
  #queue: Array<() => void> = [];
  #head = 0;
  /** Low-priority senders (a chart edited into a sent DM): served only when no send is waiting. */
  #spare: Array<() => void> = [];
  #pumpScheduled = false;
  /** Each chat's next free slot (reserved when asked, so two senders to one chat are spaced too). */
  readonly #nextChatAt = new Map<string, number>();
  /** When each chat's last slot was actually taken: one chat's sends are never closer than its gap. */
  readonly #lastChatGrant = new Map<string, number>();
  #nextSweepAt = Number.NEGATIVE_INFINITY;
  readonly #now: () => number;
  readonly #sleep: Sleep;

  constructor(limits: RateLimits, now: () => number = Date.now, sleep: Sleep = realSleep) {
    const stretch = 1 + (limits.headroom ?? 0);
    this.#globalGapMs = (1000 / limits.globalPerSecond) * stretch;
    this.#chatGapMs = (1000 / limits.perChatPerSecond) * stretch;
    this.#slowerChats = limits.slowerChats && {
      matches: limits.slowerChats.matches,
      gapMs: (1000 / limits.slowerChats.perSecond) * stretch,
    };
    this.#burst = Math.max(1, Math.round(limits.globalPerSecond / 50));
    this.#tokens = this.#burst;
    this.#now = now;
    this.#sleep = sleep;
    this.#tokensAt = now();
  }

  /** Waits for this chat's next slot, then for a global one; resolves when the send may go. */
  async acquire(chatId: string): Promise<void> {
    const gapMs = this.#gapOf(chatId);
    const now = this.#now();
    const chatAt = Math.max(now, this.#nextChatAt.get(chatId) ?? 0);
    this.#nextChatAt.set(chatId, chatAt + gapMs);
    this.#forgetIdleChats(now);
    if (chatAt > now) await this.#sleep(chatAt - now);
    await new Promise<void>((resolve) => {
      this.#queue.push(resolve);
      this.#pump();
    });
    // The global queue may have held this send past its chat slot while another sender to the same chat (a
    // reply next to a DM) went: its gap still comes first.
    const last = this.#lastChatGrant.get(chatId) ?? Number.NEGATIVE_INFINITY;
    const early = last + gapMs - this.#now();
    if (early > 0) await this.#sleep(early);
    const granted = this.#now();
    this.#lastChatGrant.set(chatId, granted);
    this.#nextChatAt.set(chatId, Math.max(this.#nextChatAt.get(chatId) ?? 0, granted + gapMs));
  }

  #gapOf(chatId: string): number {
    return this.#slowerChats?.matches(chatId) ? this.#slowerChats.gapMs : this.#chatGapMs;
  }

  /**
   * A global slot no send wants: resolves only while nothing waits in `acquire`, so what takes spare slots (a
   * chart edited into a DM already sent) never slows a DM. No chat slot is taken: an edit is not a new message.
   */
  async acquireSpare(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#spare.push(resolve);
      this.#pump();
    });
  }

  /**
   * The platform answered a send to `chatId` with a 429. Telegram's overall limit holds every chat, so usually
   * everything waits it out; a slower chat's 429 (a group's 20 a minute, with waits of up to a minute) holds
   * only that chat, or one busy group would stop every DM.
   */
  floodWait(delayMs: number, chatId: string): void {
    this.backOff(delayMs, this.#slowerChats?.matches(chatId) ? chatId : undefined);
  }

  /** The platform said wait: no send to this chat (or anywhere, if global) before the delay has passed. */
  backOff(delayMs: number, chatId?: string): void {
    const until = this.#now() + delayMs;
    if (chatId === undefined) this.#pausedUntil = Math.max(this.#pausedUntil, until);
    else this.#nextChatAt.set(chatId, Math.max(this.#nextChatAt.get(chatId) ?? 0, until));
  }

  /** Lets waiting senders go as far as the tokens allow, and sets one timer for the next token. */
  #pump(): void {
    if (this.#pumpScheduled) return;
    const now = this.#now();
    if (now < this.#pausedUntil) {
      this.#pumpAfter(this.#pausedUntil - now);
      return;
    }
    // Rounded up when a hair short of a whole token: elapsed/gap of exactly one gap can come out as 0.999…,
    // and a wait of 1e-13 ms for the rest would not move a clock at that magnitude.
    const refilled = this.#tokens + (now - this.#tokensAt) / this.#globalGapMs;
    this.#tokens = Math.min(
      this.#burst,
      Math.ceil(refilled) - refilled < 1e-9 ? Math.ceil(refilled) : refilled,
    );
    this.#tokensAt = now;
    while (this.#head < this.#queue.length && this.#tokens >= 1) {
      this.#tokens -= 1;
      const next = this.#queue[this.#head]!;
      this.#queue[this.#head++] = undefined as unknown as () => void;
      next();
    }
    while (this.#head === this.#queue.length && this.#spare.length > 0 && this.#tokens >= 1) {
      this.#tokens -= 1;
      this.#spare.shift()!();
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    if (this.#head < this.#queue.length || this.#spare.length > 0)
      this.#pumpAfter((1 - this.#tokens) * this.#globalGapMs);
  }

  #pumpAfter(ms: number): void {
    this.#pumpScheduled = true;
    void this.#sleep(ms).then(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  /** Drops chats whose slots are past; at most once a second (a burst to 10,000 chats keeps them all busy). */
  #forgetIdleChats(now: number): void {
    if (this.#nextChatAt.size < 10_000 || now < this.#nextSweepAt) return;
    this.#nextSweepAt = now + 1000;
    for (const [chat, at] of this.#nextChatAt) {
      if (at < now) {
        this.#nextChatAt.delete(chat);
        this.#lastChatGrant.delete(chat);
      }
    }
  }
}
