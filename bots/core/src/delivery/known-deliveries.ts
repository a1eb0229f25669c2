import type { DeliveryState } from "./ports.ts";

/**
 * What this process already did with recent triggerIds (sent, or found undeliverable), so a redelivered
 * notification is skipped without asking anybody. Bounded: past `capacity` the least recently used are
 * forgotten (a Map keeps insertion order; a hit moves the entry to the end).
 */
export class KnownDeliveries {
  readonly #capacity: number;
  readonly #states = new Map<string, Exclude<DeliveryState, "new">>();

  constructor(capacity = 200_000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error("capacity must be a positive integer");
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#states.size;
  }

  get(triggerId: string): Exclude<DeliveryState, "new"> | undefined {
    const state = this.#states.get(triggerId);
    if (state !== undefined) {
      this.#states.delete(triggerId);
      this.#states.set(triggerId, state);
    }
    return state;
  }

  remember(triggerId: string, state: Exclude<DeliveryState, "new">): void {
    this.#states.delete(triggerId);
    this.#states.set(triggerId, state);
    if (this.#states.size > this.#capacity) {
      const oldest = this.#states.keys().next().value;
      if (oldest !== undefined) this.#states.delete(oldest);
    }
  }
}
