import type { SqlEntityManager } from "@mikro-orm/postgresql";
import type { DestinationKind, Notification, Platform } from "@tickerbell/contracts";
import type { EarningsAlertTarget, EarningsRepository } from "../domain/earnings-scheduler.ts";
import { originOf } from "./mapping.ts";

interface TargetRow {
  id: string;
  user_id: string;
  symbol: string;
  origin_platform: Platform;
  origin_chat_id: string;
  origin_kind: DestinationKind;
  origin_community_id: string | null;
  origin_mention_role_id: string | null;
  note: string | null;
  urgent: boolean;
  time_zone: string | null;
}

/** The earnings scheduler's reads and writes, in plain SQL. */
export class MikroEarningsRepository implements EarningsRepository {
  readonly #em: SqlEntityManager;

  constructor(em: SqlEntityManager) {
    this.#em = em;
  }

  async activeEarningsAlerts(): Promise<EarningsAlertTarget[]> {
    const rows = await this.#em.fork().execute<TargetRow[]>(
      `select a.id, a.user_id, a.symbol, a.origin_platform, a.origin_chat_id, a.origin_kind,
              a.origin_community_id, a.origin_mention_role_id, a.note, a.urgent, s.time_zone
         from alerts a left join user_settings s on s.user_id = a.user_id
        where a.kind = 'earnings' and a.status = 'active'
        order by a.id`,
    );
    return rows.map((r) => ({
      id: r.id,
      userId: r.user_id,
      symbol: r.symbol,
      origin: originOf({
        originPlatform: r.origin_platform,
        originChatId: r.origin_chat_id,
        originKind: r.origin_kind,
        originCommunityId: r.origin_community_id,
        originMentionRoleId: r.origin_mention_role_id,
      }),
      note: r.note,
      urgent: r.urgent,
      timeZone: r.time_zone,
    }));
  }

  recordFirings(notifications: readonly Notification[], now: Date): Promise<Set<string>> {
    return this.#em.fork().transactional(async (em) => {
      // Awaiting an outcome like the matcher's firings: the re-emitter sends it again if no bot reports on it.
      const inserted = await em.execute<{ trigger_id: string; alert_id: string; fired_at: Date }[]>(
        `insert into alert_triggers
           (trigger_id, alert_id, generation, price, fired_at, outcome, recorded_at, notification, awaiting_outcome)
         select r.trigger_id, r.alert_id, r.generation, 0, r.fired_at, 'rearmed', ?, r.notification, true
           from jsonb_to_recordset(?::jsonb) as r(trigger_id text, alert_id uuid, generation int,
                                                 fired_at timestamptz, notification jsonb)
         on conflict (trigger_id) do nothing
         returning trigger_id, alert_id, fired_at`,
        [
          now,
          JSON.stringify(
            notifications.map((n) => ({
              trigger_id: n.triggerId,
              alert_id: n.alertId,
              generation: n.generation,
              fired_at: n.firedAt,
              notification: n,
            })),
          ),
        ],
      );
      // `/alerts` shows when it last spoke; runtime state like the matcher's (no version, no change event).
      if (inserted.length > 0)
        await em.execute(
          `update alerts a set last_triggered_at = greatest(a.last_triggered_at, r.fired_at)
             from jsonb_to_recordset(?::jsonb) as r(alert_id uuid, fired_at timestamptz)
            where a.id = r.alert_id`,
          [JSON.stringify(inserted.map((r) => ({ alert_id: r.alert_id, fired_at: r.fired_at })))],
        );
      return new Set(inserted.map((r) => r.trigger_id));
    });
  }
}
