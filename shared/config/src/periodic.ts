import type { Logger } from "./logger.ts";

export interface PeriodicPassOptions<T> {
  /** How long from one pass's start to the next. */
  intervalMs: number;
  /** What a failed pass answers. */
  fallback: T;
  logger: Logger;
  /** The warning a failed pass logs, e.g. "earnings pass failed; the next pass retries". */
  failure: string;
}

/**
 * A pass that runs at start and then every `intervalMs`, one at a time: a pass asked for while another is at
 * work runs after it. A failed pass is logged and answers the fallback; the next one tries again. The timer does
 * not keep the process alive.
 */
export class PeriodicPass<T> {
  readonly #pass: () => Promise<T>;
  readonly #options: PeriodicPassOptions<T>;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<T>;

  constructor(pass: () => Promise<T>, options: PeriodicPassOptions<T>) {
    this.#pass = pass;
    this.#options = options;
    this.#running = Promise.resolve(options.fallback);
  }

  start(): void {
    if (this.#timer) return;
    void this.runOnce();
    this.#timer = setInterval(() => void this.runOnce(), this.#options.intervalMs);
    this.#timer.unref();
  }

  /** No pass starts any more; resolves once the one at work (if any) is over. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** One pass, after any pass still at work. */
  runOnce(): Promise<T> {
    this.#running = this.#running
      .then(() => this.#pass())
      .catch((err: unknown) => {
        this.#options.logger.warn({ err }, this.#options.failure);
        return this.#options.fallback;
      });
    return this.#running;
  }
}
