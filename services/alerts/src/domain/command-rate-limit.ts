/** The one default of ALERTS_USER_COMMANDS_PER_MINUTE, in every mode (a bot command costs 2–3 requests). */
export const DEFAULT_USER_COMMANDS_PER_MINUTE = 60;

export interface CommandRateLimiterOptions {
  /** Sustained commands per minute; also the burst a rested user may send at once. */
  perMinute: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per key (user): `perMinute` tokens, refilled continuously at `perMinute` per minute, one per
 * command. Kept in memory per process: a restart forgets, which only ever helps the honest user.
 */
export class CommandRateLimiter {
  readonly #capacity: number;
  readonly #perMs: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: CommandRateLimiterOptions) {
    this.#capacity = options.perMinute;
    this.#perMs = options.perMinute / 60_000;
    this.#now = options.now ?? Date.now;
  }

  /** Takes one token for `key`; when none is left, answers how long until the next one (and takes nothing). */
  take(key: string): { allowed: true } | { allowed: false; retryAfterMs: number } {
    const now = this.#now();
    const bucket = this.#refilled(key, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      this.#buckets.set(key, bucket);
      this.#forgetRested(now);
      return { allowed: true };
    }
    this.#buckets.set(key, bucket);
    return { allowed: false, retryAfterMs: Math.ceil((1 - bucket.tokens) / this.#perMs) };
  }

  #refilled(key: string, now: number): Bucket {
    const bucket = this.#buckets.get(key);
    if (!bucket) return { tokens: this.#capacity, at: now };
    const elapsed = Math.max(0, now - bucket.at);
    return { tokens: Math.min(this.#capacity, bucket.tokens + elapsed * this.#perMs), at: now };
  }

  /** A full bucket is the same as no bucket: drop those now and then so the map holds only recent users. */
  #forgetRested(now: number): void {
    if (this.#buckets.size < 10_000) return;
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + (now - bucket.at) * this.#perMs >= this.#capacity) this.#buckets.delete(key);
    }
  }

  /** Keys currently tracked (for tests of the clean-up). */
  get size(): number {
    return this.#buckets.size;
  }
}
