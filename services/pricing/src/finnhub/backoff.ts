export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Source of randomness in [0, 1) (injectable for tests). */
  random?: () => number;
}

/**
 * Exponential backoff with "equal jitter": the n-th delay is uniformly drawn from [d/2, d] with d = initial * 2^n
 * capped at max, so reconnecting clients spread out but never retry immediately.
 */
export class Backoff {
  readonly #options: BackoffOptions;
  #attempt = 0;

  constructor(options: BackoffOptions) {
    this.#options = options;
  }

  get attempts(): number {
    return this.#attempt;
  }

  next(): number {
    const { initialMs, maxMs, random = Math.random } = this.#options;
    const ceiling = Math.min(maxMs, initialMs * 2 ** this.#attempt);
    this.#attempt++;
    return Math.round(ceiling / 2 + random() * (ceiling / 2));
  }

  reset(): void {
    this.#attempt = 0;
  }
}
