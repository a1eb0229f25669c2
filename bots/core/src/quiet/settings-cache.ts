import type { UserSettings } from "@tickerbell/contracts";
import { DEFAULT_USER_SETTINGS } from "@tickerbell/contracts";
import type { SettingsSource } from "./held-client.ts";

export interface SettingsCacheOptions {
  source: SettingsSource;
  /** How long a user's settings are trusted (default 60 s); /settings on this bot refreshes them at once. */
  ttlMs?: number;
  /** Lookups asked within this window go in one request (default 5 ms). */
  windowMs?: number;
  /** Users remembered (least recently fetched forgotten first; default 100,000). */
  capacity?: number;
  now?: () => number;
}

interface Cached {
  settings: UserSettings;
  at: number;
}

/**
 * The settings of the users this bot is notifying, cached briefly so the delivery path makes no request per
 * message: a user's first notification in a while asks the alert service (batched with the others of that
 * moment), the rest read the cache. A failed lookup falls back to what was cached before, however old; with
 * nothing cached it fails, and the notification is retried.
 */
export class SettingsCache {
  readonly #source: SettingsSource;
  readonly #ttlMs: number;
  readonly #windowMs: number;
  readonly #capacity: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, Cached>();
  #pending: { ids: Set<string>; result: Promise<Map<string, UserSettings>> } | undefined;
  /**
   * A copy of every setting of the platform's users, once `sync` has read them: from then on `get` asks nothing
   * (a user absent from it has the defaults), and each later `sync` reads only what changed. Each entry keeps
   * when it changed, so an older read never overwrites a newer one.
   */
  readonly #copy = new Map<string, { settings: UserSettings; changedAt: number }>();
  #synced = false;
  /** The last change read: where the next `sync` goes on from. */
  #position: { since: string; afterUserId: string } | null = null;
  /** Lookup requests made, for tests and metrics. */
  requests = 0;

  constructor(options: SettingsCacheOptions) {
    this.#source = options.source;
    this.#ttlMs = options.ttlMs ?? 60_000;
    this.#windowMs = options.windowMs ?? 5;
    this.#capacity = options.capacity ?? 100_000;
    this.#now = options.now ?? Date.now;
  }

  async get(userId: string): Promise<UserSettings> {
    if (this.#synced) return this.#copy.get(userId)?.settings ?? DEFAULT_USER_SETTINGS;
    const cached = this.#cache.get(userId);
    if (cached && this.#now() - cached.at < this.#ttlMs) return cached.settings;
    try {
      const found = await this.#lookup(userId);
      const settings = found.get(userId) ?? DEFAULT_USER_SETTINGS;
      this.set(userId, settings);
      return settings;
    } catch (error) {
      if (cached) return cached.settings;
      throw error;
    }
  }

  /** What the user just set (through this bot's /settings): used from now on. */
  set(userId: string, settings: UserSettings): void {
    if (this.#synced) this.#copy.set(userId, { settings, changedAt: this.#now() });
    this.#cache.delete(userId);
    this.#cache.set(userId, { settings, at: this.#now() });
    if (this.#cache.size > this.#capacity) this.#cache.delete(this.#cache.keys().next().value!);
  }

  #lookup(userId: string): Promise<Map<string, UserSettings>> {
    if (this.#pending) {
      this.#pending.ids.add(userId);
      return this.#pending.result;
    }
    const ids = new Set([userId]);
    const result = new Promise<Map<string, UserSettings>>((resolve, reject) => {
      setTimeout(() => {
        this.#pending = undefined;
        this.requests++;
        this.#source.lookupSettings([...ids]).then(resolve, reject);
      }, this.#windowMs);
    });
    this.#pending = { ids, result };
    return result;
  }

  /** Whether `get` answers from the copy (a sync has read every setting). */
  get synced(): boolean {
    return this.#synced;
  }

  /**
   * Reads what changed since the last sync (everything, the first time) into the copy. A source that cannot list
   * changes leaves the cache asking per user. Throws when the alert service does not answer: the copy stays as
   * it was (or unused, before the first sync) and the next sync goes on from the same position.
   */
  async sync(): Promise<void> {
    const source = this.#source;
    if (!source.settingsChanges) return;
    // A row commits a moment after its updated_at: read again from a little before the last change, so one that
    // committed late is not skipped (reading a change twice is harmless).
    let after =
      this.#position === null
        ? null
        : {
            since: new Date(Date.parse(this.#position.since) - SYNC_OVERLAP_MS).toISOString(),
            afterUserId: ZERO_ID,
          };
    for (;;) {
      const page = await source.settingsChanges(after);
      for (const change of page.changes) {
        const changedAt = Date.parse(change.updatedAt);
        const held = this.#copy.get(change.userId);
        if (!held || held.changedAt <= changedAt)
          this.#copy.set(change.userId, { settings: change.settings, changedAt });
      }
      const last = page.changes.at(-1);
      if (last) {
        after = { since: last.updatedAt, afterUserId: last.userId };
        if (this.#position === null || Date.parse(last.updatedAt) >= Date.parse(this.#position.since))
          this.#position = after;
      }
      if (!page.more || !last) break;
    }
    this.#position ??= { since: new Date(0).toISOString(), afterUserId: ZERO_ID };
    this.#synced = true;
  }
}

/** How far back each sync reads again (see sync). */
const SYNC_OVERLAP_MS = 60_000;
const ZERO_ID = "00000000-0000-0000-0000-000000000000";
