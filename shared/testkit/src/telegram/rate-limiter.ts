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
  readonly #accepted = new Map<string, number[]>();
  readonly #floodWaitUntil = new Map<string, number>();

  constructor(window: RateWindow) {
    this.#window = window;
  }

  /** Seconds the caller must wait before `key` may send, or 0 when it may send now (nothing is recorded). */
  retryAfterSeconds(key: string, now: number): number {
    const waitUntil = this.#floodWaitUntil.get(key) ?? 0;
    if (now < waitUntil) return Math.max(1, Math.ceil((waitUntil - now) / 1000));
    const recent = this.#recent(key, now);
    if (recent.length < this.#window.limit) return 0;
    const freeAt = recent[recent.length - this.#window.limit]! + this.#window.windowMs;
    const seconds = Math.max(1, Math.ceil((freeAt - now) / 1000));
    this.#floodWaitUntil.set(key, now + seconds * 1000);
    return seconds;
  }

  record(key: string, now: number): void {
    const recent = this.#recent(key, now);
    recent.push(now);
    this.#accepted.set(key, recent);
  }

  #recent(key: string, now: number): number[] {
    const since = now - this.#window.windowMs;
    return (this.#accepted.get(key) ?? []).filter((at) => at > since);
  }
}
