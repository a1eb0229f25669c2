import type { SqlEntityManager } from "@mikro-orm/postgresql";
import { type Alert, AlertChangeEventSchema, TOPIC_ALERT_CHANGES } from "@tickerbell/contracts";
import type { AlertChangeKind } from "../domain/alert-rules.ts";
import type { OutboxRow, OutboxStore } from "../domain/ports.ts";
import { OutboxEntity } from "./entities.ts";

// Outbox writers take this lock before drawing their sequence number and hold it to commit, so `seq` order
// is commit order: a consumer that drops what it has already seen never drops a change committed late.
const OUTBOX_ORDER_LOCK = 74_210_001;

/** Adds the `alerts.changes` row for `alert` to the transaction `em` is in. Call after the alert write. */
export async function appendAlertChange(
  em: SqlEntityManager,
  change: AlertChangeKind,
  alert: Alert,
  at: Date,
): Promise<void> {
  await em.execute("select pg_advisory_xact_lock(?)", [OUTBOX_ORDER_LOCK]);
  const [row] = await em.execute<{ seq: string }[]>("select nextval('outbox_id_seq')::text as seq");
  const seq = String(row!.seq);
  const payload = AlertChangeEventSchema.parse({ v: 1, seq, change, at: at.toISOString(), alert });
  em.create(OutboxEntity, {
    id: seq,
    topic: TOPIC_ALERT_CHANGES,
    key: alert.symbol,
    payload,
    createdAt: at,
    publishedAt: null,
  });
  await em.flush();
}

export class MikroOutboxStore implements OutboxStore {
  readonly #em: SqlEntityManager;

  constructor(em: SqlEntityManager) {
    this.#em = em;
  }

  async claimBatch(limit: number): Promise<OutboxRow[]> {
    const rows = await this.#em
      .fork()
      .find(OutboxEntity, { publishedAt: null }, { orderBy: { id: "asc" }, limit });
    return rows.map((r) => ({
      id: r.id,
      topic: r.topic,
      key: r.key,
      payload: r.payload,
      createdAt: r.createdAt,
    }));
  }

  async markPublished(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.#em.fork().nativeUpdate(OutboxEntity, { id: { $in: ids } }, { publishedAt: new Date() });
  }
}
