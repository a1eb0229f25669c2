import { Migration } from "@mikro-orm/migrations";

/**
 * Earnings alerts: a kind with no level, sent by the earnings scheduler (not the matcher). The scheduler reads
 * the active ones each pass through a partial index of just them.
 */
export class Migration20261205000000Earnings extends Migration {
  override up(): void {
    this.addSql("alter table alerts drop constraint alerts_kind_check");
    this.addSql(
      "alter table alerts add constraint alerts_kind_check check (kind in ('price', 'percent', 'trailing', 'earnings'))",
    );
    this.addSql(
      "create index alerts_earnings_idx on alerts (symbol) where kind = 'earnings' and status = 'active'",
    );
  }

  override down(): void {
    this.addSql("drop index alerts_earnings_idx");
    this.addSql("delete from alerts where kind = 'earnings'");
    this.addSql("alter table alerts drop constraint alerts_kind_check");
    this.addSql(
      "alter table alerts add constraint alerts_kind_check check (kind in ('price', 'percent', 'trailing'))",
    );
  }
}
