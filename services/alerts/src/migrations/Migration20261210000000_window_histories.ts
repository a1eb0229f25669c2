import { Migration } from "@mikro-orm/migrations";

/**
 * Window alerts (`moves 3% within 1h`) join the kinds. And the minute history of each symbol with window alerts, as the matcher last checkpointed it (alerts.runtime
 * `windowHistory` events): a matcher taking the symbol over starts its windows from here. One row per symbol,
 * the latest kept (by the tick it holds after, then by the runtime offset it came in at).
 */
export class Migration20261210000000WindowHistories extends Migration {
  override up(): void {
    this.addSql("alter table alerts drop constraint alerts_kind_check");
    this.addSql(
      "alter table alerts add constraint alerts_kind_check check (kind in ('price', 'percent', 'trailing', 'earnings', 'window'))",
    );
    this.addSql(`create table window_histories (
      symbol text primary key,
      as_of_tick bigint null,
      runtime_offset bigint not null,
      minutes jsonb not null,
      updated_at timestamptz not null
    )`);
  }

  override down(): void {
    this.addSql("drop table window_histories");
    this.addSql("delete from alerts where kind = 'window'");
    this.addSql("alter table alerts drop constraint alerts_kind_check");
    this.addSql(
      "alter table alerts add constraint alerts_kind_check check (kind in ('price', 'percent', 'trailing', 'earnings'))",
    );
  }
}
