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
}
