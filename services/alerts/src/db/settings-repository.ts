import type { SqlEntityManager } from "@mikro-orm/postgresql";
import type { Notification, Platform } from "@tickerbell/contracts";
import type {
  HeldRepository,
  NewHeld,
  SettingsRepository,
  StoredSettings,
} from "../domain/settings-service.ts";
import { insertFirstPerTrigger } from "./insert-first.ts";

interface SettingsRow {
  user_id: string;
  time_zone: string | null;
  quiet_start: number | null;
  quiet_end: number | null;
  charts: boolean;
}

const stored = (row: Omit<SettingsRow, "user_id">): StoredSettings => ({
  timeZone: row.time_zone,
  quietStart: row.quiet_start === null ? null : Number(row.quiet_start),
  quietEnd: row.quiet_end === null ? null : Number(row.quiet_end),
  charts: row.charts,
});

/** SettingsRepository on MikroORM (plain SQL: a row per user who changed something). */
export class MikroSettingsRepository implements SettingsRepository {
  readonly #em: SqlEntityManager;

  constructor(em: SqlEntityManager) {
    this.#em = em;
  }

  async find(userIds: readonly string[]): Promise<Map<string, StoredSettings>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.#em.fork().execute<SettingsRow[]>(
      `select user_id, time_zone, quiet_start, quiet_end, charts from user_settings
          where user_id = any(array(select jsonb_array_elements_text(?::jsonb)::uuid))`,
      [JSON.stringify(userIds)],
    );
    return new Map(rows.map((r) => [r.user_id, stored(r)]));
  }

  async upsert(
    userId: string,
    change: { timeZone?: string | null; quiet?: { start: number; end: number } | null; charts?: boolean },
    now: Date,
  ): Promise<StoredSettings> {
    const setZone = change.timeZone !== undefined;
    const setQuiet = change.quiet !== undefined;
    const setCharts = change.charts !== undefined;
    const zone = change.timeZone ?? null;
    const start = change.quiet?.start ?? null;
    const end = change.quiet?.end ?? null;
    // One statement: a first change inserts the row, a later one updates only the fields given.
    const [row] = await this.#em.fork().execute<SettingsRow[]>(
      `insert into user_settings (user_id, time_zone, quiet_start, quiet_end, charts, updated_at)
       values (?, ?, ?, ?, ?, ?)
       on conflict (user_id) do update set
         time_zone = case when ? then excluded.time_zone else user_settings.time_zone end,
         quiet_start = case when ? then excluded.quiet_start else user_settings.quiet_start end,
         quiet_end = case when ? then excluded.quiet_end else user_settings.quiet_end end,
         charts = case when ? then excluded.charts else user_settings.charts end,
         updated_at = excluded.updated_at
       returning user_id, time_zone, quiet_start, quiet_end, charts`,
      [userId, zone, start, end, change.charts ?? true, now, setZone, setQuiet, setQuiet, setCharts],
    );
    return stored(row!);
  }

  async onPlatform(platform: Platform, userIds: readonly string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = await this.#em.fork().execute<{ user_id: string }[]>(
      `select distinct user_id from platform_identities
        where platform = ? and user_id = any(array(select jsonb_array_elements_text(?::jsonb)::uuid))`,
      [platform, JSON.stringify(userIds)],
    );
    return new Set(rows.map((r) => r.user_id));
  }

  async changedSince(platform: Platform, after: { at: Date; userId: string } | null, limit: number) {
    const rows = await this.#em.fork().execute<(SettingsRow & { updated_at: Date | string })[]>(
      `select s.user_id, s.time_zone, s.quiet_start, s.quiet_end, s.charts, s.updated_at from user_settings s
        where (s.updated_at, s.user_id) > (?::timestamptz, ?::uuid)
          and exists (select 1 from platform_identities i where i.user_id = s.user_id and i.platform = ?)
        order by s.updated_at, s.user_id
        limit ?`,
      [after?.at ?? new Date(0), after?.userId ?? "00000000-0000-0000-0000-000000000000", platform, limit],
    );
    return rows.map((r) => ({ userId: r.user_id, settings: stored(r), updatedAt: new Date(r.updated_at) }));
  }
}

/** HeldRepository on MikroORM: held notifications, keyed by triggerId. */
export class MikroHeldRepository implements HeldRepository {
  readonly #em: SqlEntityManager;

  constructor(em: SqlEntityManager) {
    this.#em = em;
  }

  async alertTargets(alertIds: string[]): Promise<Map<string, { userId: string; platform: Platform }>> {
    if (alertIds.length === 0) return new Map();
    const rows = await this.#em.fork().execute<{ id: string; user_id: string; origin_platform: Platform }[]>(
      `select id, user_id, origin_platform from alerts
        where id = any(array(select jsonb_array_elements_text(?::jsonb)::uuid))`,
      [JSON.stringify(alertIds)],
    );
    return new Map(rows.map((r) => [r.id, { userId: r.user_id, platform: r.origin_platform }]));
  }

  async delivered(triggerIds: string[]): Promise<Set<string>> {
    if (triggerIds.length === 0) return new Set();
    const rows = await this.#em
      .fork()
      .execute<{ trigger_id: string }[]>(
        `select trigger_id from deliveries where trigger_id = any(array(select jsonb_array_elements_text(?::jsonb)))`,
        [JSON.stringify(triggerIds)],
      );
    return new Set(rows.map((r) => r.trigger_id));
  }

  async holdAll(rows: NewHeld[]): Promise<Set<string>> {
    return insertFirstPerTrigger(
      this.#em.fork(),
      "held_notifications (trigger_id, alert_id, user_id, platform, notification, held_at)",
      "(?, ?, ?, ?, ?::jsonb, ?)",
      rows.map((r) => [
        r.triggerId,
        r.alertId,
        r.userId,
        r.platform,
        JSON.stringify(r.notification),
        r.heldAt,
      ]),
    );
  }

  async users(platform: Platform, limit: number) {
    const rows = await this.#em
      .fork()
      .execute<(SettingsRow & { held: string; oldest: Date; has_settings: boolean })[]>(
        `select h.user_id, count(*) as held, min(h.held_at) as oldest,
              s.user_id is not null as has_settings, s.time_zone, s.quiet_start, s.quiet_end, s.charts
         from held_notifications h left join user_settings s on s.user_id = h.user_id
        where h.platform = ?
        group by h.user_id, s.user_id, s.time_zone, s.quiet_start, s.quiet_end, s.charts
        order by min(h.held_at), h.user_id
        limit ?`,
        [platform, limit],
      );
    return rows.map((r) => ({
      userId: r.user_id,
      held: Number(r.held),
      oldestHeldAt: new Date(r.oldest),
      settings: r.has_settings ? stored(r) : null,
    }));
  }

  claim(platform: Platform, userId: string, until: Date, now: Date, limit: number): Promise<Notification[]> {
    return this.#em.fork().transactional(async (em) => {
      const rows = await em.execute<{ trigger_id: string; notification: Notification | string }[]>(
        `select trigger_id, notification from held_notifications
          where platform = ? and user_id = ? and (claimed_until is null or claimed_until <= ?)
          order by notification->>'firedAt', held_at, trigger_id
          limit ?
          for update skip locked`,
        [platform, userId, now, limit],
      );
      if (rows.length === 0) return [];
      await em.execute(
        `update held_notifications set claimed_until = ?
          where trigger_id = any(array(select jsonb_array_elements_text(?::jsonb)))`,
        [until, JSON.stringify(rows.map((r) => r.trigger_id))],
      );
      return rows.map((r) =>
        typeof r.notification === "string" ? (JSON.parse(r.notification) as Notification) : r.notification,
      );
    });
  }
}
