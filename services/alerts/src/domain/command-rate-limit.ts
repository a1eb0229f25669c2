/** The one default of ALERTS_USER_COMMANDS_PER_MINUTE, in every mode. */
export const DEFAULT_USER_COMMANDS_PER_MINUTE = 60;

/**
 * The requests one command id may make before the next one counts again: a bot command takes 2–4 requests
 * (the undeliverable-notice check, its acknowledgement, a lookup, the change), so this bounds what a reused id
 * can get for free.
 */
export const MAX_REQUESTS_PER_COMMAND = 10;
/** How long a command id stays known: a command is over well within a minute. */
const COMMAND_WINDOW_MS = 60_000;

export interface CommandRateLimiterOptions {
  /** Sustained commands per minute; also the burst a rested user may send at once. */
  perMinute: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

interface SeenCommand {
  requests: number;
  at: number;
}

/**
 * A token bucket per key (user): `perMinute` tokens, refilled continuously at `perMinute` per minute, one per
 * command. The requests of one command (same command id) take one token between them. Kept in memory per
 * process: a restart forgets, which only ever helps the honest user.
 */
export class CommandRateLimiter {
  readonly #capacity: number;
  readonly #perMs: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();
  /** Commands that took their token in the last minute, oldest first (keyed by user and command id). */
  readonly #commands = new Map<string, SeenCommand>();

  constructor(options: CommandRateLimiterOptions) {
    this.#capacity = options.perMinute;
    this.#perMs = options.perMinute / 60_000;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Takes one token for `key`; when none is left, answers how long until the next one (and takes nothing). A
   * request of a command that already took its token (same `commandId`, within a minute, fewer than
   * MAX_REQUESTS_PER_COMMAND so far) is let through without another.
   */
  take(key: string, commandId?: string): { allowed: true } | { allowed: false; retryAfterMs: number } {
    const now = this.#now();
    this.#forgetOldCommands(now);
    const commandKey = commandId === undefined ? null : `${key}\u0000${commandId}`;
    const seen = commandKey === null ? undefined : this.#commands.get(commandKey);
    if (seen !== undefined && seen.requests < MAX_REQUESTS_PER_COMMAND) {
      seen.requests += 1;
      return { allowed: true };
    }
    const taken = this.#takeToken(key, now);
    if (taken.allowed && commandKey !== null) {
      this.#commands.delete(commandKey);
      this.#commands.set(commandKey, { requests: 1, at: now });
    }
    return taken;
  }

  #takeToken(key: string, now: number): { allowed: true } | { allowed: false; retryAfterMs: number } {
    const bucket = this.#refilled(key, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      this.#buckets.set(key, bucket);
      this.#forgetRested(now);
      return { allowed: true };
    }
    this.#buckets.set(key, bucket);
    return { allowed: false, retryAfterMs: Math.ceil((1 - bucket.tokens) / this.#perMs) };
  }

  #refilled(key: string, now: number): Bucket {
    const bucket = this.#buckets.get(key);
    if (!bucket) return { tokens: this.#capacity, at: now };
    const elapsed = Math.max(0, now - bucket.at);
    return { tokens: Math.min(this.#capacity, bucket.tokens + elapsed * this.#perMs), at: now };
  }

  #forgetOldCommands(now: number): void {
    for (const [key, seen] of this.#commands) {
      if (now - seen.at < COMMAND_WINDOW_MS) break;
      this.#commands.delete(key);
    }
  }

  /** A full bucket is the same as no bucket: drop those now and then so the map holds only recent users. */
  #forgetRested(now: number): void {
    if (this.#buckets.size < 10_000) return;
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + (now - bucket.at) * this.#perMs >= this.#capacity) this.#buckets.delete(key);
    }
  }

  /** Keys currently tracked (for tests of the clean-up). */
  get size(): number {
    return this.#buckets.size;
  }
}
