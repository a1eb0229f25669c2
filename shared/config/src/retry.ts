/** How a failing operation is retried: everywhere in Tickerbell, one shape. */
export interface RetryPolicy {
  /** Attempts in all, the first included (Infinity: until it succeeds or is stopped). */
  attempts: number;
  /** The delay before the first retry (before jitter); each further retry doubles it. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** The whole budget's deadline: no retry is started once this long has passed since the first attempt. */
  withinMs?: number;
}

export type BackoffPolicy = Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs">;

/**
 * The delay before retry number `attempt` (1 = the first retry): exponential with "equal jitter", drawn from
 * [d/2, d] with d = base · 2^(attempt − 1) capped at max, so many clients retrying at once spread out but none
 * retries at once.
 */
export function backoffMs(
  policy: BackoffPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt - 1, 52));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** The delays of one retry loop that runs until it succeeds (a reconnect, a poll): next() after each failure. */
export class Backoff {
  readonly #policy: BackoffPolicy;
  readonly #random: () => number;
  #attempts = 0;

  constructor(policy: BackoffPolicy & { random?: () => number }) {
    this.#policy = policy;
    this.#random = policy.random ?? Math.random;
  }

  /** Failures since the last reset. */
  get attempts(): number {
    return this.#attempts;
  }

  next(): number {
    this.#attempts += 1;
    return backoffMs(this.#policy, this.#attempts, this.#random);
  }

  reset(): void {
    this.#attempts = 0;
  }
}
