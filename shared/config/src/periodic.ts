import type { Logger } from "./logger.ts";

export interface PeriodicPassOptions<T> {
  /** One pass over the work; may throw (the next pass retries). */
  pass: () => Promise<T>;
  /** How often a pass starts after the first. */
  everyMs: number;
  logger: Pick<Logger, "warn">;
  /** What a failed pass answers, and the warning logged with its error. */
  failure: { result: T; message: string };
}

/**
 * Work done in passes (a digest loop, a sweep of overdue records): one at start, then one every `everyMs`, never
 * two at a time; a pass asked for while one runs starts after it. A failed pass is logged and the next retries.
 */
export class PeriodicPass<T> {
  readonly #options: PeriodicPassOptions<T>;
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<T | undefined> = Promise.resolve(undefined);

  constructor(options: PeriodicPassOptions<T>) {
    this.#options = options;
  }

  start(): void {
    if (this.#timer) return;
    void this.runOnce();
    this.#timer = setInterval(() => void this.runOnce(), this.#options.everyMs);
    // A timer alone never keeps the process alive: stopping is the owner's.
    this.#timer.unref();
  }

  /** No further passes; resolves once the pass at work (if any) is done. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** One pass, after any still at work; never rejects (a failure answers `failure.result`). */
  runOnce(): Promise<T> {
    const { pass, logger, failure } = this.#options;
    const next = this.#running
      .then(() => pass())
      .catch((err: unknown) => {
        logger.warn({ err }, failure.message);
        return failure.result;
      });
    this.#running = next;
    return next;
  }
}
