import { Migration } from "@mikro-orm/migrations";

/**
 * The outbox without a global lock. `change_sequences` holds the last `alerts.changes` seq of each symbol: a
 * writer bumps its symbol's row inside its transaction, and that row lock (held to commit) orders the writers
 * of one symbol while writers of other symbols go on. `outbox_relay` is a one-row table whose row lock is the
 * relay lease: whichever relay holds it is the only one publishing.
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
  }

  override down(): void {
    this.addSql("drop table outbox_relay");
    this.addSql("drop table change_sequences");
  }
}
