import { Migration } from "@mikro-orm/migrations";

/**
 * `/settings charts off`: whether a triggered alert's DM carries a chart (when the operator has charts on). Not
 * null with a default, so the rows of users who changed something else read as charts on, like users with no row.
 */
export class Migration20261206000000SettingsCharts extends Migration {
  override up(): void {
    this.addSql("alter table user_settings add column charts boolean not null default true");
  }

  override down(): void {
    this.addSql("alter table user_settings drop column charts");
  }
}
