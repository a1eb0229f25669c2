import type { InferEntity } from "@mikro-orm/core";
import type { SqlEntityManager } from "@mikro-orm/postgresql";
import type { DeliveryRecord, Platform, UndeliverableNotice } from "@tickerbell/contracts";
import type { DeliveryRepository, NewDelivery } from "../domain/ports.ts";
import { AlertEntity, DeliveryEntity } from "./entities.ts";
import { insertFirstPerTrigger } from "./insert-first.ts";

type DeliveryRow = InferEntity<typeof DeliveryEntity>;

const toRecord = (row: DeliveryRow): DeliveryRecord => ({
  triggerId: row.triggerId,
  alertId: row.alertId,
  platform: row.platform,
  status: row.status,
  reason: row.reason ?? null,
  recordedAt: row.recordedAt.toISOString(),
});

/** DeliveryRepository on MikroORM. Each call runs on its own fork of the EntityManager. */
export class MikroDeliveryRepository implements DeliveryRepository {
  readonly #em: SqlEntityManager;

  constructor(em: SqlEntityManager) {
    this.#em = em;
  }

  async alertTarget(alertId: string): Promise<{ userId: string; platform: Platform } | null> {
    const row = await this.#em
      .fork()
      .findOne(AlertEntity, { id: alertId }, { fields: ["userId", "originPlatform"] });
    return row ? { userId: row.userId, platform: row.originPlatform } : null;
  }

  async find(triggerId: string): Promise<DeliveryRecord | null> {
    const row = await this.#em.fork().findOne(DeliveryEntity, { triggerId });
    return row ? toRecord(row) : null;
  }

  async recordFirst(delivery: NewDelivery): Promise<{ record: DeliveryRecord; created: boolean }> {
    const em = this.#em.fork();
    // Two deliveries of one triggerId can race (a redelivered message on a second bot instance): the primary
    // key lets one insert through, and the other reads what the winner wrote.
    const inserted = await em.execute<{ trigger_id: string }[]>(
      `insert into deliveries (trigger_id, alert_id, user_id, platform, status, reason, recorded_at)
       values (?, ?, ?, ?, ?, ?, ?) on conflict (trigger_id) do nothing returning trigger_id`,
      [
        delivery.triggerId,
        delivery.alertId,
        delivery.userId,
        delivery.platform,
        delivery.status,
        delivery.reason,
        delivery.recordedAt,
      ],
    );
    await releaseHeld(em, [delivery.triggerId]);
    const row = await em.findOneOrFail(DeliveryEntity, { triggerId: delivery.triggerId });
    return { record: toRecord(row), created: inserted.length > 0 };
  }

  async alertTargets(alertIds: string[]): Promise<Map<string, { userId: string; platform: Platform }>> {
    const rows = await this.#em
      .fork()
      .find(AlertEntity, { id: { $in: alertIds } }, { fields: ["id", "userId", "originPlatform"] });
    return new Map(rows.map((row) => [row.id, { userId: row.userId, platform: row.originPlatform }]));
  }

  async findMany(
    triggerIds: string[],
  ): Promise<Map<string, { platform: Platform; status: DeliveryRecord["status"] }>> {
    const rows = await this.#em
      .fork()
      .find(
        DeliveryEntity,
        { triggerId: { $in: triggerIds } },
        { fields: ["triggerId", "platform", "status"] },
      );
    return new Map(rows.map((row) => [row.triggerId, { platform: row.platform, status: row.status }]));
  }

  async recordAllFirst(deliveries: NewDelivery[]): Promise<Set<string>> {
    if (deliveries.length === 0) return new Set();
    // One statement for the whole group: a bot records its outcomes in batches.
    const em = this.#em.fork();
    const inserted = await insertFirstPerTrigger(
      em,
      "deliveries (trigger_id, alert_id, user_id, platform, status, reason, recorded_at)",
      "(?, ?, ?, ?, ?, ?, ?)",
      deliveries.map((d) => [d.triggerId, d.alertId, d.userId, d.platform, d.status, d.reason, d.recordedAt]),
    );
    await releaseHeld(
      em,
      deliveries.map((d) => d.triggerId),
    );
    return inserted;
  }

  async unacknowledged(
    userId: string,
    limit: number,
  ): Promise<{ items: UndeliverableNotice[]; total: number }> {
    const em = this.#em.fork();
    const rows = await em.execute<
      {
        trigger_id: string;
        alert_id: string;
        symbol: string;
        platform: Platform;
        reason: string;
        recorded_at: Date;
        total: string;
      }[]
    >(
      `select d.trigger_id, d.alert_id, a.symbol, d.platform, d.reason, d.recorded_at, count(*) over () as total
       from deliveries d join alerts a on a.id = d.alert_id
       where d.user_id = ? and d.status = 'undeliverable' and d.acknowledged_at is null
       order by d.recorded_at desc, d.trigger_id desc
       limit ?`,
      [userId, limit],
    );
    const total = rows.length === 0 ? 0 : Number(rows[0]!.total);
    const items = rows.reverse().map((r) => ({
      triggerId: r.trigger_id,
      alertId: r.alert_id,
      symbol: r.symbol,
      platform: r.platform,
      reason: r.reason,
      recordedAt: new Date(r.recorded_at).toISOString(),
    }));
    return { items, total };
  }

  async acknowledge(userId: string, triggerIds: string[] | null, now: Date): Promise<number> {
    return this.#em.fork().nativeUpdate(
      DeliveryEntity,
      {
        userId,
        status: "undeliverable",
        acknowledgedAt: null,
        ...(triggerIds === null ? {} : { triggerId: { $in: triggerIds } }),
      },
      { acknowledgedAt: now },
    );
  }
}

/**
 * A notification held during quiet hours is done once the delivery log has it (the digest that carried it was
 * sent, or it was undeliverable): it is no longer held.
 */
async function releaseHeld(em: SqlEntityManager, triggerIds: string[]): Promise<void> {
  await em.execute(
    "delete from held_notifications where trigger_id = any(array(select jsonb_array_elements_text(?::jsonb)))",
    [JSON.stringify(triggerIds)],
  );
}
