import { Migration } from "@mikro-orm/migrations";

/**
 * The outbox without a global lock. `change_sequences` holds the last `alerts.changes` seq of each symbol: a
 * writer bumps its symbol's row inside its transaction, and that row lock (held to commit) orders the writers
 * of one symbol while writers of other symbols go on. `outbox_relay` is a one-row table whose row lock is the
 * relay lease: whichever relay holds it is the only one publishing.
 *
 * Two functions keep the hot path to one statement with plans PL/pgSQL caches: `append_alert_change` (every
 * outbox row is written through it) and `create_alert_within_limit` (POST /v1/alerts).
 */
export class Migration20261202100000ChangeSequences extends Migration {
  override up(): void {
    this.addSql("create table change_sequences (symbol text primary key, seq bigint not null)");
    // Until now seq was the global outbox id. Every symbol that may have had a change carries on above the
    // highest id ever handed out, so a consumer holding an old seq never drops a new change as seen.
    this.addSql(
      `insert into change_sequences (symbol, seq)
       select s.symbol, g.last from (select symbol from alerts union select key from outbox) s,
         (select case when is_called then last_value else 0 end as last from outbox_id_seq) g
       where g.last > 0`,
    );
    this.addSql("create table outbox_relay (id smallint primary key check (id = 1))");
    this.addSql("insert into outbox_relay (id) values (1)");
    // The symbol's row lock comes first and is held to commit; the outbox id is drawn after it, so per symbol
    // both the seq and the id follow commit order. Returns the seq.
    this.addSql(`create function append_alert_change(p_topic text, p_symbol text, p_payload jsonb, p_created_at timestamptz)
      returns bigint language plpgsql as $$
      declare
        next_seq bigint;
      begin
        insert into change_sequences as s (symbol, seq) values (p_symbol, 1)
          on conflict (symbol) do update set seq = s.seq + 1
          returning s.seq into next_seq;
        insert into outbox (id, topic, key, payload, created_at)
          values (nextval('outbox_id_seq'), p_topic, p_symbol,
                  jsonb_set(p_payload, '{seq}', to_jsonb(next_seq::text)), p_created_at);
        return next_seq;
      end $$`);
    // Inserts the alert (a jsonb object keyed by column) unless its user already has p_open_limit open alerts,
    // with its outbox row; returns the open alerts the user had before. The user's row lock serialises the
    // user's creates, and (a volatile function takes a snapshot per statement) the count after it sees every
    // create committed before the lock was granted.
    this.addSql(`create function create_alert_within_limit(p_alert jsonb, p_open_limit integer, p_topic text,
        p_payload jsonb, p_created_at timestamptz)
      returns integer language plpgsql as $$
      declare
        owner uuid := (p_alert->>'user_id')::uuid;
        open_count integer;
      begin
        perform 1 from users where id = owner for update;
        if not found then
          raise exception 'no user %', owner;
        end if;
        select count(*) into open_count from alerts where user_id = owner and status in ('active', 'paused');
        if open_count < p_open_limit then
          insert into alerts select * from jsonb_populate_record(null::alerts, p_alert);
          perform append_alert_change(p_topic, p_alert->>'symbol', p_payload, p_created_at);
        end if;
        return open_count;
      end $$`);
  }

  override down(): void {
    this.addSql("drop function create_alert_within_limit");
    this.addSql("drop function append_alert_change");
    this.addSql("drop table outbox_relay");
    this.addSql("drop table change_sequences");
  }
}
