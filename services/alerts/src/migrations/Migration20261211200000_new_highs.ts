import { Migration } from "@mikro-orm/migrations";

/**
 * New high/low alerts (`new high`, `52w low`) join the kinds. Their running extreme is the `extreme` column
 * trailing alerts already use; a session high/low also keeps when its trading day's extreme started
 * (`extreme_since`), so a matcher taking it over knows whether the next trade starts a new day.
 */
export class Migration20261211200000NewHighs extends Migration {
  override up(): void {
    this.addSql("alter table alerts drop constraint alerts_kind_check");
    this.addSql(
      "alter table alerts add constraint alerts_kind_check check (kind in ('price', 'percent', 'trailing', 'earnings', 'window', 'extreme'))",
    );
    this.addSql("alter table alerts add column extreme_since timestamptz null");
  }

  override down(): void {
    this.addSql("delete from alerts where kind = 'extreme'");
    this.addSql("alter table alerts drop column extreme_since");
    this.addSql("alter table alerts drop constraint alerts_kind_check");
    this.addSql(
      "alter table alerts add constraint alerts_kind_check check (kind in ('price', 'percent', 'trailing', 'earnings', 'window'))",
    );
  }
}
