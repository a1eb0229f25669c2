import { Migration } from "@mikro-orm/migrations";

/** `GET /v1/settings/changes` reads user_settings in (updated_at, user_id) order from a position. */
export class Migration20261203210000SettingsChanges extends Migration {
  override up(): void {
    this.addSql("create index user_settings_changes_idx on user_settings (updated_at, user_id)");
  }

  override down(): void {
    this.addSql("drop index user_settings_changes_idx");
  }
}
