import {
  clockTimeOfMinutes,
  DEFAULT_USER_SETTINGS,
  MAX_SETTINGS_CHANGES_PAGE,
  type Notification,
  type Platform,
  type QuietHours,
  type UserSettings,
} from "@tickerbell/contracts";
import { DomainError } from "./errors.ts";
import type { Clock } from "./ports.ts";

/** A user's settings as stored: quiet hours in minutes after midnight. */
export interface StoredSettings {
  timeZone: string | null;
  quietStart: number | null;
  quietEnd: number | null;
  charts: boolean;
}

export interface SettingsRepository {
  /** The users' stored settings; users without a row are missing from the map. */
  find(userIds: readonly string[]): Promise<Map<string, StoredSettings>>;
  /** Writes the given fields (undefined: left as is) and answers the row as it is now. */
  upsert(
    userId: string,
    change: { timeZone?: string | null; quiet?: { start: number; end: number } | null; charts?: boolean },
    now: Date,
  ): Promise<StoredSettings>;
  /** Of `userIds`, those with an identity on `platform`. */
  onPlatform(platform: Platform, userIds: readonly string[]): Promise<Set<string>>;
  /** Up to `limit` rows of users with an identity on `platform`, in (updatedAt, userId) order after `after`. */
  changedSince(
    platform: Platform,
    after: { at: Date; userId: string } | null,
    limit: number,
  ): Promise<{ userId: string; settings: StoredSettings; updatedAt: Date }[]>;
}

export interface NewHeld {
  triggerId: string;
  alertId: string;
  userId: string;
  platform: Platform;
  notification: Notification;
  heldAt: Date;
}

export interface HeldRepository {
  alertTargets(alertIds: string[]): Promise<Map<string, { userId: string; platform: Platform }>>;
  /** Of `triggerIds`, those the delivery log has a record of. */
  delivered(triggerIds: string[]): Promise<Set<string>>;
  /** Inserts each unless its triggerId is held already; answers the triggerIds inserted now. */
  holdAll(rows: NewHeld[]): Promise<Set<string>>;
  /** Users of `platform` with held notifications, longest waiting first. */
  users(
    platform: Platform,
    limit: number,
  ): Promise<{ userId: string; held: number; oldestHeldAt: Date; settings: StoredSettings | null }[]>;
  /** Claims one user's held notifications on `platform` (unclaimed or lease over), oldest first. */
  claim(platform: Platform, userId: string, until: Date, now: Date, limit: number): Promise<Notification[]>;
}

export function toUserSettings(stored: StoredSettings | null | undefined): UserSettings {
  if (!stored) return DEFAULT_USER_SETTINGS;
  const quietHours: QuietHours | null =
    stored.quietStart === null || stored.quietEnd === null
      ? null
      : { start: clockTimeOfMinutes(stored.quietStart), end: clockTimeOfMinutes(stored.quietEnd) };
  return { timeZone: stored.timeZone, quietHours, charts: stored.charts };
}

/**
 * Per-user settings (time zone, quiet hours, charts) and the notifications bots hold during quiet hours. The bots decide
 * when a user's quiet hours are on (they hold the clock that sends); this service keeps what they hold durable
 * across restarts of either side and hands each user's held notifications to one digest sender at a time.
 */
export class SettingsService {
  readonly #settings: SettingsRepository;
  readonly #held: HeldRepository;
  readonly #clock: Clock;

  constructor(options: { settings: SettingsRepository; held: HeldRepository; clock: Clock }) {
    this.#settings = options.settings;
    this.#held = options.held;
    this.#clock = options.clock;
  }

  async get(userId: string): Promise<UserSettings> {
    return toUserSettings((await this.#settings.find([userId])).get(userId));
  }

  /** `timeZone` comes canonical from the request schema; null resets a setting to its default. */
  async update(
    userId: string,
    change: {
      timeZone?: string | null | undefined;
      quietHours?: QuietHours | null | undefined;
      charts?: boolean | undefined;
    },
  ): Promise<UserSettings> {
    const quiet =
      change.quietHours === undefined
        ? undefined
        : change.quietHours === null
          ? null
          : { start: minutes(change.quietHours.start), end: minutes(change.quietHours.end) };
    const stored = await this.#settings.upsert(
      userId,
      {
        ...(change.timeZone === undefined ? {} : { timeZone: change.timeZone }),
        ...(quiet === undefined ? {} : { quiet }),
        ...(change.charts === undefined ? {} : { charts: change.charts }),
      },
      this.#clock.now(),
    );
    return toUserSettings(stored);
  }

  /** Each asked user's settings; one with no identity on `platform` reads as the defaults (nothing leaks). */
  async lookup(platform: Platform, userIds: string[]): Promise<Record<string, UserSettings>> {
    const unique = [...new Set(userIds)];
    const [visible, stored] = await Promise.all([
      this.#settings.onPlatform(platform, unique),
      this.#settings.find(unique),
    ]);
    const out: Record<string, UserSettings> = {};
    for (const userId of unique)
      out[userId] = toUserSettings(visible.has(userId) ? stored.get(userId) : null);
    return out;
  }

  /**
   * The settings of `platform`'s users in the order they changed, after a position: how a bot keeps a copy of
   * them all instead of asking per notification.
   */
  async changes(platform: Platform, since: string | undefined, afterUserId: string | undefined) {
    const after =
      since === undefined
        ? null
        : { at: new Date(since), userId: afterUserId ?? "00000000-0000-0000-0000-000000000000" };
    const rows = await this.#settings.changedSince(platform, after, MAX_SETTINGS_CHANGES_PAGE + 1);
    return {
      changes: rows.slice(0, MAX_SETTINGS_CHANGES_PAGE).map((row) => ({
        userId: row.userId,
        settings: toUserSettings(row.settings),
        updatedAt: row.updatedAt.toISOString(),
      })),
      more: rows.length > MAX_SETTINGS_CHANGES_PAGE,
    };
  }

  /** Holds notifications of alerts that notify on `platform`; each is taken or refused on its own. */
  async hold(platform: Platform, notifications: Notification[]) {
    const targets = await this.#held.alertTargets([...new Set(notifications.map((n) => n.alertId))]);
    const delivered = await this.#held.delivered(notifications.map((n) => n.triggerId));
    const now = this.#clock.now();
    const rows = new Map<string, NewHeld>();
    for (const n of notifications) {
      const target = targets.get(n.alertId);
      if (!target || target.platform !== platform || delivered.has(n.triggerId)) continue;
      if (!n.triggerId.startsWith(`${n.alertId}:`)) continue;
      rows.set(n.triggerId, {
        triggerId: n.triggerId,
        alertId: n.alertId,
        userId: target.userId,
        platform,
        notification: n,
        heldAt: now,
      });
    }
    const inserted = await this.#held.holdAll([...rows.values()]);
    const reported = new Set<string>();
    return notifications.map((n) => {
      const { triggerId } = n;
      const target = targets.get(n.alertId);
      if (!target || target.platform !== platform) {
        return refused(triggerId, "alert_not_found", `no alert ${n.alertId} notifying on ${platform}`);
      }
      if (!triggerId.startsWith(`${n.alertId}:`)) {
        return refused(
          triggerId,
          "trigger_alert_mismatch",
          `triggerId ${triggerId} does not belong to alert ${n.alertId}`,
        );
      }
      if (delivered.has(triggerId)) return { triggerId, result: "already_delivered" as const };
      if (inserted.has(triggerId) && !reported.has(triggerId)) {
        reported.add(triggerId);
        return { triggerId, result: "held" as const };
      }
      return { triggerId, result: "already_held" as const };
    });
  }

  async heldUsers(platform: Platform, limit = 1000) {
    const rows = await this.#held.users(platform, limit);
    return rows.map((r) => ({
      userId: r.userId,
      held: r.held,
      oldestHeldAt: r.oldestHeldAt.toISOString(),
      settings: toUserSettings(r.settings),
    }));
  }

  async claim(platform: Platform, userId: string, leaseSeconds: number, limit: number) {
    const now = this.#clock.now();
    return this.#held.claim(platform, userId, new Date(now.getTime() + leaseSeconds * 1000), now, limit);
  }
}

function minutes(time: string): number {
  const [h, m] = time.split(":");
  const value = Number(h) * 60 + Number(m);
  if (!Number.isInteger(value) || value < 0 || value > 1439) {
    throw new DomainError("invalid", "invalid_time", `${time} is not a time of day`);
  }
  return value;
}

function refused(triggerId: string, code: string, message: string) {
  return { triggerId, result: "refused" as const, error: { code, message } };
}
