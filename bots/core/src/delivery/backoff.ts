import { realSleep, type Sleep } from "./rate-limiter.ts";

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
