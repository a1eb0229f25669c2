import { Migration } from "@mikro-orm/migrations";

/**
 * The whole demand snapshot reads the active alerts a page at a time, in (symbol, id) order from where the last
 * page ended. The index serves the rechecks of some symbols as the one on `symbol` alone did, which it replaces.
 */
export class Migration20261214000000DemandPages extends Migration {
  override up(): void {
    this.addSql("create index alerts_active_symbol_id_idx on alerts (symbol, id) where status = 'active'");
    this.addSql("drop index alerts_active_symbol_idx");
  }

  override down(): void {
    this.addSql("create index alerts_active_symbol_idx on alerts (symbol) where status = 'active'");
    this.addSql("drop index alerts_active_symbol_id_idx");
  }
}
