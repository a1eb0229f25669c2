import type { Identity } from "../domain/ports.ts";

/** The channel every process NOTIFYs after a link moved identities to another user. */
export const IDENTITIES_CHANNEL = "tickerbell_identities";

const keyOf = (identity: Identity) => `${identity.platform}:${identity.platformUserId}`;

/**
 * Which user each platform identity belongs to, remembered: every bot request starts by asking, and the answer
 * changes only when a link moves the identity to another user (the former user is deleted). The process that
 * links forgets at once; the others forget when its NOTIFY arrives, and trust nothing while they are not
 * listening (their connection lost, or not yet up), since a notification may be missed then.
 *
 * A lookup that started before a forget must not store its (possibly old) answer after it: each forget starts
 * a new epoch, and an answer is kept only when its lookup began in the current one.
 */
export class IdentityCache {
  readonly #entries = new Map<string, string>();
  readonly #maxEntries: number;
  #epoch = 0;
  #trusted: boolean;

  constructor(options: { maxEntries?: number; trusted?: boolean } = {}) {
    this.#maxEntries = options.maxEntries ?? 100_000;
    this.#trusted = options.trusted ?? false;
  }

  get(identity: Identity): string | undefined {
    return this.#trusted ? this.#entries.get(keyOf(identity)) : undefined;
  }

  /** Take before asking the database; pass to `remember` with the answer. */
  epoch(): number {
    return this.#epoch;
  }

  remember(identity: Identity, userId: string, askedInEpoch: number): void {
    if (!this.#trusted || askedInEpoch !== this.#epoch) return;
    const key = keyOf(identity);
    this.#entries.delete(key);
    this.#entries.set(key, userId);
    // A Map iterates in insertion order: the first key is the one remembered longest ago.
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  forgetAll(): void {
    this.#epoch += 1;
    this.#entries.clear();
  }

  /** Listening (again): start from nothing, since notifications may have been missed. */
  trust(): void {
    this.forgetAll();
    this.#trusted = true;
  }

  distrust(): void {
    this.forgetAll();
    this.#trusted = false;
  }
}
