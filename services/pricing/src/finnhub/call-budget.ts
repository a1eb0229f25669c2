import { CallBudgetExhaustedError } from "./errors.ts";

export type CallPriority = "interactive" | "background";

export interface CallBudgetOptions {
  callsPerWindow: number;
  windowMs?: number;
  /** Calls per window only interactive requests may use, so polling never starves the HTTP API (default 20%). */
  interactiveReserve?: number;
  now?: () => number;
}

/**
 * One sliding-window budget for every REST call made with a key (Finnhub counts per key, whatever the
 * endpoint). A 429 pauses the whole budget until the server's Retry-After.
 */
export class CallBudget {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #reserve: number;
  readonly #now: () => number;
  readonly #calls: number[] = [];
  #pausedUntil = 0;

  constructor(options: CallBudgetOptions) {
    this.#limit = options.callsPerWindow;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#reserve = Math.min(
      options.interactiveReserve ?? Math.max(1, Math.floor(options.callsPerWindow * 0.2)),
      this.#limit - 1,
    );
    this.#now = options.now ?? Date.now;
  }

  get pausedUntil(): number {
    return this.#pausedUntil;
  }

  /** Takes a call from the budget, or throws with the time one frees up. */
  take(priority: CallPriority): void {
    const now = this.#now();
    const at = this.availableAt(priority, now);
    if (at > now) throw new CallBudgetExhaustedError(at);
    this.#calls.push(now);
  }

  /** When a call of this priority may go out (now or later). */
  availableAt(priority: CallPriority, now = this.#now()): number {
    while (this.#calls.length > 0 && (this.#calls[0] ?? 0) <= now - this.#windowMs) this.#calls.shift();
    const limit = priority === "interactive" ? this.#limit : this.#limit - this.#reserve;
    let at = now;
    if (this.#calls.length >= limit) {
      const freeing = this.#calls[this.#calls.length - limit] ?? now;
      at = freeing + this.#windowMs;
    }
    return Math.max(at, this.#pausedUntil);
  }

  /** The server said 429: nothing goes out before `untilMs`. */
  pause(untilMs: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, untilMs);
  }
}
