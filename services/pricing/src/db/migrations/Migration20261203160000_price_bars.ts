import { Migration } from "@mikro-orm/migrations";

/**
 * Recorded price history: minute and daily bars per symbol. `open_ts`/`close_ts` are the times of the trades
 * the open and close are the prices of, so a minute written in parts merges to the bar of all its trades.
 */
export class Migration20261203160000PriceBars extends Migration {
  override up(): void {
    this.addSql(`create table price_bars (
      symbol text not null,
      resolution text not null check (resolution in ('1m', '1d')),
      t bigint not null,
      o double precision not null,
      h double precision not null,
      l double precision not null,
      c double precision not null,
      v double precision not null,
      n integer not null,
      open_ts bigint not null,
      close_ts bigint not null,
      primary key (symbol, resolution, t)
    )`);
    // The retention sweep deletes by age across all symbols.
    this.addSql("create index price_bars_age_idx on price_bars (resolution, t)");
  }

  override down(): void {
    this.addSql("drop table price_bars");
  }
}
