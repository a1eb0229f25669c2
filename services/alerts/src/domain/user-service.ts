import {
  LINK_CODE_TTL_SECONDS,
  type LinkCode,
  MAX_WATCHLIST_SIZE,
  type WatchlistItem,
} from "@tickerbell/contracts";
import { DomainError } from "./errors.ts";
import { type FailedAttemptLimiter, generateLinkCode, hashLinkCode } from "./link-codes.ts";
import type { Clock, Identity, UserRepository } from "./ports.ts";

export interface UserServiceOptions {
  repository: UserRepository;
  clock: Clock;
  redeemLimiter: FailedAttemptLimiter;
  /** The cap on a user's active and paused alerts, which linking two users must respect too. */
  maxOpenAlertsPerUser: number;
}

/** Users, watchlists and linking a second platform identity with a one-time code. */
export class UserService {
  readonly #repository: UserRepository;
  readonly #clock: Clock;
  readonly #limiter: FailedAttemptLimiter;
  readonly #maxOpenAlerts: number;

  constructor(options: UserServiceOptions) {
    this.#repository = options.repository;
    this.#clock = options.clock;
    this.#limiter = options.redeemLimiter;
    this.#maxOpenAlerts = options.maxOpenAlertsPerUser;
  }

  /** `displayName`: the platform's name, already cleaned; null when it has none left, undefined when not sent. */
  resolve(identity: Identity, displayName?: string | null) {
    return this.#repository.resolve(identity, displayName, this.#clock.now());
  }

  /** The id of the user behind `identity`, registering it on first contact. */
  async resolveId(identity: Identity): Promise<string> {
    const known = await this.#repository.findUserId(identity);
    return known ?? (await this.#repository.register(identity, undefined, this.#clock.now())).userId;
  }

  watchlist(userId: string): Promise<WatchlistItem[]> {
    return this.#repository.watchlist(userId);
  }

  async addToWatchlist(userId: string, symbols: string[]): Promise<WatchlistItem[]> {
    const result = await this.#repository.addToWatchlist(
      userId,
      [...new Set(symbols)],
      MAX_WATCHLIST_SIZE,
      this.#clock.now(),
    );
    if (!result.ok) {
      throw new DomainError(
        "conflict",
        "watchlist_full",
        `a watchlist holds at most ${MAX_WATCHLIST_SIZE} tickers and yours has ${result.size}; remove some first`,
        { limit: MAX_WATCHLIST_SIZE, size: result.size },
      );
    }
    return result.items;
  }

  async removeFromWatchlist(userId: string, symbol: string): Promise<WatchlistItem[]> {
    if (!(await this.#repository.removeFromWatchlist(userId, symbol))) {
      throw new DomainError("not_found", "not_on_watchlist", `${symbol} is not on your watchlist`);
    }
    return this.#repository.watchlist(userId);
  }

  async createLinkCode(userId: string): Promise<LinkCode> {
    const code = generateLinkCode();
    const now = this.#clock.now();
    const expiresAt = new Date(now.getTime() + LINK_CODE_TTL_SECONDS * 1000);
    await this.#repository.saveLinkCode(userId, hashLinkCode(code), now, expiresAt);
    return { code, expiresAt: expiresAt.toISOString() };
  }

  async redeemLinkCode(identity: Identity, code: string) {
    const key = `${identity.platform}:${identity.platformUserId}`;
    const attempt = this.#limiter.attempt(key);
    if (!attempt.allowed) {
      const retryAfterSeconds = Math.ceil(attempt.retryAfterMs / 1000);
      throw new DomainError(
        "rate_limited",
        "too_many_attempts",
        `too many wrong link codes; try again in ${retryAfterSeconds} seconds`,
        { retryAfterSeconds },
      );
    }
    let outcome: Awaited<ReturnType<UserRepository["redeemLinkCode"]>>;
    try {
      outcome = await this.#repository.redeemLinkCode(hashLinkCode(code), identity, this.#clock.now(), {
        openAlerts: this.#maxOpenAlerts,
        watchlist: MAX_WATCHLIST_SIZE,
      });
    } catch (error) {
      attempt.forgive(); // the database failed, not the guess
      throw error;
    }
    if (outcome.kind !== "invalid_code") attempt.forgive();
    switch (outcome.kind) {
      case "linked":
        return { user: outcome.user, movedAlerts: outcome.movedAlerts };
      case "own_code":
        throw new DomainError(
          "conflict",
          "own_link_code",
          "that link code is your own account's (already linked to this one); send it from the account you want to link",
        );
      case "over_limit":
        throw new DomainError(
          "conflict",
          "link_over_limit",
          outcome.what === "alerts"
            ? `linked, you would have ${outcome.total} active or paused alerts and the most allowed is ${outcome.limit}; cancel ${outcome.total - outcome.limit} first, then use the code again`
            : `linked, your watchlist would hold ${outcome.total} tickers and the most is ${outcome.limit}; remove ${outcome.total - outcome.limit} first, then use the code again`,
          { what: outcome.what, total: outcome.total, limit: outcome.limit },
        );
      case "invalid_code":
        throw new DomainError(
          "not_found",
          "invalid_link_code",
          "this link code is unknown, already used or expired; create a new one with /link",
        );
      case "platform_taken":
        throw new DomainError(
          "conflict",
          "platform_already_linked",
          `that account already has a ${outcome.platform} identity linked; one identity per platform`,
          { platform: outcome.platform },
        );
    }
  }
}
