import { Migration } from "@mikro-orm/migrations";

/**
 * Per-user settings (time zone, quiet hours), urgent alerts, and the notifications held during quiet hours.
 *
 * `user_settings` has a row only for users who changed something; no row reads as the defaults (UTC, no quiet
 * hours). Quiet hours are minutes after midnight in the user's zone, both set or both null.
 *
 * `held_notifications` keeps, per triggerId, a notification a bot did not send because its user's quiet hours
 * were on, until the bot sends the digest and records the triggerIds in the delivery log (which deletes them
 * here). `claimed_until` is the lease of the bot process sending the digest.
 */
export class Migration20261203200000SettingsQuietHours extends Migration {
  override up(): void {
    this.addSql(`create table user_settings (
      user_id uuid primary key references users (id) on delete cascade,
      time_zone text null,
      quiet_start smallint null check (quiet_start between 0 and 1439),
      quiet_end smallint null check (quiet_end between 0 and 1439),
      updated_at timestamptz not null,
      constraint user_settings_quiet_both check ((quiet_start is null) = (quiet_end is null)),
      constraint user_settings_quiet_differ check (quiet_start is null or quiet_start <> quiet_end)
    )`);
    this.addSql("alter table alerts add column urgent boolean not null default false");
    this.addSql(`create table held_notifications (
      trigger_id text primary key,
      alert_id uuid not null references alerts (id) on delete cascade,
      user_id uuid not null references users (id) on delete cascade,
      platform text not null check (platform in ('discord', 'telegram', 'console')),
      notification jsonb not null,
      held_at timestamptz not null,
      claimed_until timestamptz null
    )`);
    // The digest loop's questions: which users of a platform have held notifications, and one user's, oldest first.
    this.addSql(
      "create index held_notifications_platform_user_idx on held_notifications (platform, user_id, held_at)",
    );
    this.addSql("create index held_notifications_alert_idx on held_notifications (alert_id)");
  }

  override down(): void {
    this.addSql("drop table if exists held_notifications");
    this.addSql("alter table alerts drop column urgent");
    this.addSql("drop table if exists user_settings");
  }
}
