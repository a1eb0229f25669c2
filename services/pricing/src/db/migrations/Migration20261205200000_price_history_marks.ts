import { Migration } from "@mikro-orm/migrations";

/**
 * How far each symbol's back-fill has reached: its minutes before `backfilled_until` were asked of the history
 * source and stored. A back-fill starts there, so a run that stopped (or crashed) before its back-fill leaves no
 * hole behind the minutes it streamed.
 */
export class Migration20261205200000PriceHistoryMarks extends Migration {
  override up(): void {
    this.addSql(`create table price_history_marks (
      symbol text primary key,
      backfilled_until bigint not null
    )`);
  }

  override down(): void {
    this.addSql("drop table price_history_marks");
  }
}
