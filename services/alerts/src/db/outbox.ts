import type { EventSubscriber, TransactionEventArgs } from "@mikro-orm/core";
import type { SqlEntityManager } from "@mikro-orm/postgresql";
import {
  type Alert,
  type AlertChangeEvent,
  AlertChangeEventSchema,
  TOPIC_ALERT_CHANGES,
} from "@tickerbell/contracts";
import type { AlertChangeKind } from "../domain/alert-rules.ts";
import type { OutboxRow, OutboxStore } from "../domain/ports.ts";

/** The channel a process NOTIFYs after it committed outbox rows; relays LISTEN on it. */
export const OUTBOX_CHANNEL = "tickerbell_outbox";

export interface PendingAlertChange {
  change: AlertChangeKind;
  alert: Alert;
  at: Date;
}

/** Transactions that appended outbox rows and have not committed yet (see OutboxCommitSignal). */
const appendedIn = new WeakSet<object>();

/** The payload of an alerts.changes row, validated, before the database gives it its seq. */
export function changePayload(change: AlertChangeKind, alert: Alert, at: Date): AlertChangeEvent {
  return AlertChangeEventSchema.parse({ v: 1, seq: "0", change, at: at.toISOString(), alert });
}

/**
 * Adds the `alerts.changes` rows of `changes` to the transaction `em` is in, in one statement. Call it once per
 * transaction, after the alert writes. Each row goes through the database function append_alert_change, which
 * bumps the symbol's row of `change_sequences` and holds that row lock to commit: per symbol, writers take
 * turns, and `seq` as well as the outbox id (drawn after the lock) follow commit order, while writers of other
 * symbols do not wait. The rows go in symbol order, so two transactions writing several symbols lock them in
 * the same order and cannot deadlock; the changes of one symbol keep the order given.
 */
export async function appendAlertChanges(em: SqlEntityManager, changes: PendingAlertChange[]): Promise<void> {
  if (changes.length === 0) return;
  const transaction = em.getTransactionContext();
  if (!transaction) throw new Error("alert changes must be appended inside the transaction that made them");
  const rows = changes.map(({ change, alert, at }, ord) => ({
    ord,
    symbol: alert.symbol,
    payload: changePayload(change, alert, at),
    created_at: at.toISOString(),
  }));
  // PostgreSQL evaluates the function after the ORDER BY, so the rows are written in that order.
  await em.execute(
    `select append_alert_change(?, c.symbol, c.payload, c.created_at)
       from jsonb_to_recordset(?::jsonb) as c(ord int, symbol text, payload jsonb, created_at timestamptz)
      order by c.symbol, c.ord`,
    [TOPIC_ALERT_CHANGES, JSON.stringify(rows)],
  );
  appendedIn.add(transaction);
}

/**
 * Tells its listeners after every commit of a transaction that appended outbox rows, whichever code ran it:
 * the relay wakes on that instead of polling, and other processes hear of it through a NOTIFY. Registered
 * with the ORM as an event subscriber; a write that commits outside an ORM transaction (one statement) calls
 * committed() itself.
 */
export class OutboxCommitSignal implements EventSubscriber {
  readonly #listeners = new Set<() => void>();

  /** Calls `listener` after each such commit; returns the unsubscribe function. */
  onCommit(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  afterTransactionCommit(args: TransactionEventArgs): void {
    if (args.transaction && appendedIn.delete(args.transaction)) this.committed();
  }

  /** Outbox rows have just committed. */
  committed(): void {
    for (const listener of this.#listeners) listener();
  }
}

interface OutboxRecord {
  id: string;
  topic: string;
  key: string;
  payload: unknown;
  created_at: Date | string;
}

export class MikroOutboxStore implements OutboxStore {
  readonly #em: SqlEntityManager;

  constructor(em: SqlEntityManager) {
    this.#em = em;
  }

  relayBatch(limit: number, publish: (rows: OutboxRow[]) => Promise<void>): Promise<number | null> {
    return this.#em.fork().transactional(async (em) => {
      // The lease: the one row of outbox_relay, locked to commit. SKIP LOCKED answers nothing at once when
      // another relay holds it, so a standby never queues behind the active relay.
      const lease = await em.execute("select id from outbox_relay where id = 1 for update skip locked");
      if (lease.length === 0) return null;
      // Ordered by the bigint column (`id` alone would name the text alias: '10' before '2').
      const rows = await em.execute<OutboxRecord[]>(
        `select id::text as id, topic, key, payload, created_at from outbox
          where published_at is null order by outbox.id limit ?`,
        [limit],
      );
      if (rows.length === 0) return 0;
      await publish(rows.map(toOutboxRow));
      await em.execute("update outbox set published_at = now() where id = any(?::bigint[])", [
        `{${rows.map((r) => r.id).join(",")}}`,
      ]);
      return rows.length;
    });
  }

  async backlog(): Promise<{ rows: number; oldestCreatedAt: Date | null }> {
    // The partial index on unpublished rows keeps this cheap however long the published history is.
    const [row] = await this.#em
      .fork()
      .execute<{ rows: string | number; oldest: Date | string | null }[]>(
        "select count(*) as rows, min(created_at) as oldest from outbox where published_at is null",
      );
    return {
      rows: Number(row?.rows ?? 0),
      oldestCreatedAt: row?.oldest == null ? null : new Date(row.oldest),
    };
  }

  async pending(limit: number): Promise<OutboxRow[]> {
    const rows = await this.#em
      .fork()
      .execute<OutboxRecord[]>(
        "select id::text as id, topic, key, payload, created_at from outbox where published_at is null order by outbox.id limit ?",
        [limit],
      );
    return rows.map(toOutboxRow);
  }
}

function toOutboxRow(r: OutboxRecord): OutboxRow {
  return {
    id: String(r.id),
    topic: r.topic,
    key: r.key,
    payload: typeof r.payload === "string" ? JSON.parse(r.payload) : r.payload,
    createdAt: new Date(r.created_at),
  };
}
