import type { EventSubscriber, TransactionEventArgs } from "@mikro-orm/core";
import type { SqlEntityManager } from "@mikro-orm/postgresql";
import { type Alert, AlertChangeEventSchema, TOPIC_ALERT_CHANGES } from "@tickerbell/contracts";
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

/**
 * Adds the `alerts.changes` rows of `changes` to the transaction `em` is in, in one statement. Call it once per
 * transaction, after the alert writes: it bumps each symbol's row of `change_sequences` (in symbol order, so
 * two transactions writing several symbols cannot deadlock) and holds those row locks to commit. Per symbol,
 * writers therefore take turns, and `seq` as well as the outbox id (drawn after the lock) follow commit order;
 * writers of other symbols do not wait. Changes of one symbol get consecutive seqs in the order given.
 */
export async function appendAlertChanges(em: SqlEntityManager, changes: PendingAlertChange[]): Promise<void> {
  if (changes.length === 0) return;
  const transaction = em.getTransactionContext();
  if (!transaction) throw new Error("alert changes must be appended inside the transaction that made them");
  const rows = changes.map(({ change, alert, at }, ord) => ({
    ord,
    symbol: alert.symbol,
    // The seq is filled in by the statements below, from the symbol's sequence.
    payload: AlertChangeEventSchema.parse({ v: 1, seq: "0", change, at: at.toISOString(), alert }),
    created_at: at.toISOString(),
  }));
  const [single] = rows;
  if (rows.length === 1 && single) {
    // The common case (one change, e.g. every API write) in a statement PostgreSQL plans and runs faster.
    await em.execute(
      `with bumped as (
         insert into change_sequences as s (symbol, seq) values (?, 1)
         on conflict (symbol) do update set seq = s.seq + 1
         returning s.seq
       )
       insert into outbox (id, topic, key, payload, created_at)
       select nextval('outbox_id_seq'), ?, ?, jsonb_set(?::jsonb, '{seq}', to_jsonb(bumped.seq::text)), ?
         from bumped`,
      [single.symbol, TOPIC_ALERT_CHANGES, single.symbol, JSON.stringify(single.payload), single.created_at],
    );
    appendedIn.add(transaction);
    return;
  }
  // PostgreSQL evaluates nextval() after the ORDER BY, so ids follow `ord` (and so each symbol's seq order).
  await em.execute(
    `with input as (
       select r.ord, r.symbol, r.payload, r.created_at,
              count(*) over (partition by r.symbol) as n,
              row_number() over (partition by r.symbol order by r.ord) as k
         from jsonb_to_recordset(?::jsonb) as r(ord int, symbol text, payload jsonb, created_at timestamptz)
     ), bumped as (
       insert into change_sequences as s (symbol, seq)
       select symbol, count(*) from input group by symbol order by symbol
       on conflict (symbol) do update set seq = s.seq + excluded.seq
       returning s.symbol, s.seq
     )
     insert into outbox (id, topic, key, payload, created_at)
     select nextval('outbox_id_seq'), ?, i.symbol,
            jsonb_set(i.payload, '{seq}', to_jsonb((b.seq - i.n + i.k)::text)), i.created_at
       from input i join bumped b on b.symbol = i.symbol
      order by i.ord`,
    [JSON.stringify(rows), TOPIC_ALERT_CHANGES],
  );
  appendedIn.add(transaction);
}

/** One change; see appendAlertChanges (a transaction writing several changes appends them in one call). */
export function appendAlertChange(
  em: SqlEntityManager,
  change: AlertChangeKind,
  alert: Alert,
  at: Date,
): Promise<void> {
  return appendAlertChanges(em, [{ change, alert, at }]);
}

/**
 * Tells its listeners after every commit of a transaction that appended outbox rows, whichever code ran it:
 * the relay wakes on that instead of polling, and other processes hear of it through a NOTIFY. Registered
 * with the ORM as an event subscriber.
 */
export class OutboxCommitSignal implements EventSubscriber {
  readonly #listeners = new Set<() => void>();

  /** Calls `listener` after each such commit; returns the unsubscribe function. */
  onCommit(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  afterTransactionCommit(args: TransactionEventArgs): void {
    if (!args.transaction || !appendedIn.delete(args.transaction)) return;
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
