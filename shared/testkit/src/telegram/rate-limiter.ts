/** How many messages may be accepted within any window of `windowMs` milliseconds. */
export interface RateWindow {
  limit: number;
  windowMs: number;
}

/**
 * A sliding-window limiter with Telegram's flood-wait behaviour: once a key is refused, every attempt on that key
 * is refused until the announced `retry_after` has passed, so a client that retries early keeps getting 429s.
 */
export class SlidingWindowLimiter {
  readonly #window: RateWindow;
  /** Accepted times per key, oldest first; `head` skips those already out of the window (cheap at 1,000/s). */
  readonly #accepted = new Map<string, { times: number[]; head: number }>();
  readonly #floodWaitUntil = new Map<string, number>();

  constructor(window: RateWindow) {
    this.#window = window;
  }

  /** Seconds the caller must wait before `key` may send, or 0 when it may send now (nothing is recorded). */
  retryAfterSeconds(key: string, now: number): number {
    const waitUntil = this.#floodWaitUntil.get(key) ?? 0;
    if (now < waitUntil) return Math.max(1, Math.ceil((waitUntil - now) / 1000));
    const recent = this.#recent(key, now);
    const count = recent.times.length - recent.head;
    if (count < this.#window.limit) return 0;
    const freeAt = recent.times[recent.times.length - this.#window.limit]! + this.#window.windowMs;
    const seconds = Math.max(1, Math.ceil((freeAt - now) / 1000));
    this.#floodWaitUntil.set(key, now + seconds * 1000);
    return seconds;
  }

  record(key: string, now: number): void {
    this.#recent(key, now).times.push(now);
  }

  #recent(key: string, now: number): { times: number[]; head: number } {
    const since = now - this.#window.windowMs;
    let entry = this.#accepted.get(key);
    if (!entry) {
      entry = { times: [], head: 0 };
      this.#accepted.set(key, entry);
    }
    while (entry.head < entry.times.length && entry.times[entry.head]! <= since) entry.head++;
    if (entry.head > 1024 && entry.head * 2 > entry.times.length) {
      entry.times = entry.times.slice(entry.head);
      entry.head = 0;
    }
    return entry;
  }
}
