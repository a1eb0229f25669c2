import { Migration } from "@mikro-orm/migrations";

/**
 * Settings of a community (`discord:<guildId>`, `telegram:<groupChatId>`): for now the role whose holders may
 * create channel alerts in a Discord server (`/settings alert-role`). A community without a row has none set.
 */
export class Migration20261207010000CommunitySettings extends Migration {
  override up(): void {
    this.addSql(`create table community_settings (
      community_key text primary key,
      alert_role_id text,
      updated_at timestamptz not null
    )`);
  }

  override down(): void {
    this.addSql("drop table community_settings");
  }
}
