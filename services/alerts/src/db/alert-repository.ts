import { type FilterQuery, LockMode } from "@mikro-orm/core";
import type { SqlEntityManager } from "@mikro-orm/postgresql";
import type { Alert, AlertStatus, ExtremeUpdate, RecordTriggerResponse } from "@tickerbell/contracts";
import type { FiringDecision } from "../domain/alert-rules.ts";
import type { AlertChange, AlertRepository, RecordedFiring } from "../domain/ports.ts";
import { AlertEntity, AlertTriggerEntity, UserEntity } from "./entities.ts";
import { type AlertRow, toAlert, toAlertRow } from "./mapping.ts";
import { appendAlertChange } from "./outbox.ts";

const OPEN: AlertStatus[] = ["active", "paused"];
const DUE_BATCH = 500;

/** AlertRepository on MikroORM (PostgreSQL or PGlite). Each call runs on its own fork of the EntityManager. */
export class MikroAlertRepository implements AlertRepository {
  readonly #em: SqlEntityManager;

  constructor(em: SqlEntityManager) {
    this.#em = em;
  }

  createWithinLimit(alert: Alert, limit: number) {
    return this.#em.fork().transactional(async (em) => {
      // The user's row lock serialises concurrent creates, so two requests cannot both take the last slot.
      await em.findOneOrFail(UserEntity, { id: alert.userId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const openCount = await em.count(AlertEntity, { userId: alert.userId, status: { $in: OPEN } });
      if (openCount >= limit) return { created: false as const, openCount };
      em.create(AlertEntity, { ...toAlertRow(alert), runtimeOffset: null });
      await em.flush();
      await appendAlertChange(em, "created", alert, new Date(alert.updatedAt));
      return { created: true as const };
    });
  }

  async findOwned(userId: string, alertId: string): Promise<Alert | null> {
    const row = await this.#em.fork().findOne(AlertEntity, { id: alertId, userId });
    return row ? toAlert(row) : null;
  }

  async listOwned(userId: string, filter: { status?: AlertStatus; symbol?: string }): Promise<Alert[]> {
    const rows = await this.#em.fork().find(
      AlertEntity,
      {
        userId,
        ...(filter.status ? { status: filter.status } : {}),
        ...(filter.symbol ? { symbol: filter.symbol } : {}),
      },
      { orderBy: { createdAt: "asc", id: "asc" } },
    );
    return rows.map(toAlert);
  }

  modifyOwned(ownerId: string, alertId: string, decide: (current: Alert) => AlertChange | null) {
    return this.#em.fork().transactional(async (em) => {
      const row = await em.findOne(
        AlertEntity,
        { id: alertId, userId: ownerId },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!row) return null;
      const decision = decide(toAlert(row));
      if (!decision) return toAlert(row);
      return this.#write(em, row, decision);
    });
  }

  recordFiring(firing: RecordedFiring, decide: (current: Alert) => FiringDecision) {
    return this.#em.fork().transactional(async (em): Promise<RecordTriggerResponse | null> => {
      const row = await em.findOne(
        AlertEntity,
        { id: firing.alertId },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!row) return null;
      // Checked under the alert's lock: a retried request waits for the first one and then sees its record.
      const seen = await em.findOne(AlertTriggerEntity, { triggerId: firing.triggerId });
      if (seen) return { outcome: "duplicate", alert: toAlert(row) };
      const decision = decide(toAlert(row));
      if (decision.outcome === "stale") return { outcome: "stale", alert: toAlert(row) };
      em.create(AlertTriggerEntity, {
        triggerId: firing.triggerId,
        alertId: firing.alertId,
        generation: firing.generation,
        price: firing.price,
        firedAt: new Date(firing.firedAt),
        outcome: decision.outcome,
        recordedAt: new Date(decision.alert.updatedAt),
        notification: null,
        reemittedAt: null,
        reemits: 0,
      });
      return { outcome: decision.outcome, alert: await this.#write(em, row, decision) };
    });
  }

  expireDue(now: Date, decide: (current: Alert) => AlertChange | null): Promise<number> {
    return this.#applyToDue({ status: { $in: OPEN }, expiresAt: { $ne: null, $lte: now } }, decide);
  }

  resumeDue(now: Date, decide: (current: Alert) => AlertChange | null): Promise<number> {
    return this.#applyToDue({ status: "paused", resumeAt: { $ne: null, $lte: now } }, decide);
  }

  /** Works in batches of DUE_BATCH, skipping rows another writer holds (the next sweep gets them). */
  async #applyToDue(
    where: FilterQuery<AlertRow>,
    decide: (current: Alert) => AlertChange | null,
  ): Promise<number> {
    let total = 0;
    for (;;) {
      const { changed, seen } = await this.#em.fork().transactional(async (em) => {
        const due = await em.find(AlertEntity, where, {
          lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE,
          orderBy: { id: "asc" },
          limit: DUE_BATCH,
        });
        let changed = 0;
        for (const row of due) {
          const decision = decide(toAlert(row));
          if (!decision) continue;
          await this.#write(em, row, decision);
          changed++;
        }
        return { changed, seen: due.length };
      });
      total += changed;
      if (seen < DUE_BATCH || changed === 0) return total;
    }
  }

  async page(status: AlertStatus, after: string | null, limit: number): Promise<Alert[]> {
    const rows = await this.#em
      .fork()
      .find(
        AlertEntity,
        { status, ...(after ? { id: { $gt: after } } : {}) },
        { orderBy: { id: "asc" }, limit },
      );
    return rows.map(toAlert);
  }

  async committedChangeSeq(): Promise<string> {
    // Outbox writers draw their seq under a lock held to commit, so seq order is commit order and every row
    // below the highest committed one is committed too. (The sequence's last_value would be wrong: it
    // includes seqs of transactions that have not committed yet.)
    const [row] = await this.#em
      .fork()
      .execute<{ seq: string }[]>("select coalesce(max(id), 0)::text as seq from outbox");
    return String(row?.seq ?? "0");
  }

  async demandedSymbols(): Promise<string[]> {
    const rows = await this.#em
      .fork()
      .execute<{ symbol: string }[]>(
        "select symbol from alerts where status = 'active' union select symbol from watchlist_items order by symbol",
      );
    return rows.map((r) => r.symbol);
  }

  async raiseExtremes(updates: ExtremeUpdate[]): Promise<number> {
    if (updates.length === 0) return 0;
    // One statement per batch (several updates of one alert collapse to the outermost). Its row locks
    // serialise it with recordFiring, which re-bases the extreme and moves the generation on, so an update
    // for the old generation then matches nothing.
    const batch = updates.map((u) => ({ alert_id: u.alertId, generation: u.generation, extreme: u.extreme }));
    const rows = await this.#em.fork().execute<{ id: string }[]>(
      `update alerts a
          set extreme = case when a.condition->>'direction' = 'down' then u.highest else u.lowest end
         from (select alert_id, generation, max(extreme) as highest, min(extreme) as lowest
                 from jsonb_to_recordset(?::jsonb) as r(alert_id uuid, generation int, extreme float8)
                group by alert_id, generation) u
        where a.id = u.alert_id and a.generation = u.generation and a.status = 'active' and a.kind = 'trailing'
          and (a.extreme is null
               or (a.condition->>'direction' = 'down' and u.highest > a.extreme)
               or (a.condition->>'direction' = 'up' and u.lowest < a.extreme))
        returning a.id`,
      [JSON.stringify(batch)],
    );
    return rows.length;
  }

  async #write(em: SqlEntityManager, row: AlertRow, decision: AlertChange): Promise<Alert> {
    // Every write is a new version, so consumers holding an older snapshot can tell which one is newer.
    const alert = { ...decision.alert, version: row.version + 1 };
    em.assign(row, toAlertRow(alert));
    await em.flush();
    await appendAlertChange(em, decision.change, alert, new Date(alert.updatedAt));
    return alert;
  }
}
