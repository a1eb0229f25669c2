import { Migration } from "@mikro-orm/migrations";

/**
 * The pricing service rechecks the demand of the few symbols whose alerts just stopped or changed
 * (GET /v1/internal/demand?symbols=…): their active alerts by symbol, not a read of every active alert.
 */
export class Migration20261213000000DemandBySymbol extends Migration {
  override up(): void {
    this.addSql("create index alerts_active_symbol_idx on alerts (symbol) where status = 'active'");
  }

  override down(): void {
    this.addSql("drop index alerts_active_symbol_idx");
  }
}
