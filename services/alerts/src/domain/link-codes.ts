import { createHash, randomInt } from "node:crypto";

// No 0/O or 1/I: codes are read off one screen and typed into another.
const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
export const LINK_CODE_LENGTH = 8;

export function generateLinkCode(): string {
  let code = "";
  for (let i = 0; i < LINK_CODE_LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

/** Codes are stored hashed, so a database dump cannot be used to take over accounts. */
export function hashLinkCode(code: string): string {
  return createHash("sha256").update(code.toUpperCase()).digest("hex");
}

export interface FailedAttemptLimiterOptions {
  maxFailures: number;
  windowMs: number;
  now?: () => number;
}

/**
 * Counts failures per key in a sliding window: with 5 per 10 minutes, guessing an 8-character code is
 * hopeless. Kept in memory: a restart forgets counts, which only ever helps the honest user.
 */
export class FailedAttemptLimiter {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #failures = new Map<string, number[]>();

  constructor(options: FailedAttemptLimiterOptions) {
    this.#max = options.maxFailures;
    this.#windowMs = options.windowMs;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Counts an attempt for `key` before it is checked, in one step, so attempts sent in parallel cannot all pass
   * the limit before any failure is recorded. Refused (with the wait) past the limit; otherwise the attempt
   * counts as a failure unless `forgive` is called once it turned out to be right.
   */
  attempt(key: string): { allowed: false; retryAfterMs: number } | { allowed: true; forgive: () => void } {
    const waitMs = this.retryAfterMs(key);
    if (waitMs > 0) return { allowed: false, retryAfterMs: waitMs };
    const at = this.#now();
    const recent = this.#recent(key);
    recent.push(at);
    this.#failures.set(key, recent);
    return {
      allowed: true,
      forgive: () => {
        const current = this.#failures.get(key);
        const index = current?.indexOf(at) ?? -1;
        if (current && index >= 0) current.splice(index, 1);
      },
    };
  }

  /** Milliseconds until `key` may try again, or 0 when it may try now. */
  retryAfterMs(key: string): number {
    const recent = this.#recent(key);
    if (recent.length < this.#max) return 0;
    return recent[recent.length - this.#max]! + this.#windowMs - this.#now();
  }

  recordFailure(key: string): void {
    const recent = this.#recent(key);
    recent.push(this.#now());
    this.#failures.set(key, recent);
  }

  #recent(key: string): number[] {
    const since = this.#now() - this.#windowMs;
    const recent = (this.#failures.get(key) ?? []).filter((t) => t > since);
    if (recent.length === 0) this.#failures.delete(key);
    else this.#failures.set(key, recent);
    return recent;
  }
}
