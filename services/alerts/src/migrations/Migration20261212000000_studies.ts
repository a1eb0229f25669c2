import { Migration } from "@mikro-orm/migrations";

/**
 * Volume, moving-average and RSI alerts (`volume 3x`, `crosses sma 50`, `rsi below 30`) join the kinds. They
 * read their level from the studies on each tick, so they need no new level columns; a moving-average cross keeps
 * the side of the average its next firing comes from (`watch`: `upper` or `lower`), so a matcher taking it over
 * knows which way it waits.
 */
export class Migration20261212000000Studies extends Migration {
  override up(): void {
    this.addSql("alter table alerts drop constraint alerts_kind_check");
    this.addSql(
      "alter table alerts add constraint alerts_kind_check check (kind in ('price', 'percent', 'trailing', 'earnings', 'window', 'extreme', 'volume', 'average', 'rsi'))",
    );
    this.addSql(
      "alter table alerts add column watch text null constraint alerts_watch_check check (watch in ('upper', 'lower'))",
    );
  }

  override down(): void {
    this.addSql("delete from alerts where kind in ('volume', 'average', 'rsi')");
    this.addSql("alter table alerts drop column watch");
    this.addSql("alter table alerts drop constraint alerts_kind_check");
    this.addSql(
      "alter table alerts add constraint alerts_kind_check check (kind in ('price', 'percent', 'trailing', 'earnings', 'window', 'extreme'))",
    );
  }
}
