import { realSleep, type Sleep } from "./rate-limiter.ts";

export interface RetryPolicy {
  /** Total attempts for a retryable failure before giving up (the message is then retried by the bus). */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Exponential backoff with jitter: somewhere in the upper half of base * 2^(attempt - 1), capped. */
export function backoffMs(policy: Omit<RetryPolicy, "attempts">, attempt: number): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return exp / 2 + Math.random() * (exp / 2);
}

/** Thrown to the waiters a stopping pipeline gives up on; their messages stay uncommitted. */
export class StoppedError extends Error {
  constructor(what: string) {
    super(`${what}: the delivery pipeline stopped`);
    this.name = "StoppedError";
  }
}

/** A stop that cuts waits short: retry loops sleep through it and give up once it is stopped. */
export class StopLatch {
  #stopped = false;
  readonly #sleep: Sleep;
  readonly #wake: () => void;
  /** Resolves when stopped. */
  readonly whenStopped: Promise<void>;

  constructor(sleep: Sleep = realSleep) {
    this.#sleep = sleep;
    const { promise, resolve } = Promise.withResolvers<void>();
    this.whenStopped = promise;
    this.#wake = resolve;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  stop(): void {
    this.#stopped = true;
    this.#wake();
  }

  /** Waits `ms`, or less if stopped meanwhile. */
  async sleep(ms: number): Promise<void> {
    if (this.#stopped) return;
    await Promise.race([this.#sleep(ms), this.whenStopped]);
  }
}
