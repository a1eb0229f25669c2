import { Migration } from "@mikro-orm/migrations";

/** The delivery log: one row per notification a bot sent or could not deliver, keyed by triggerId. */
export class Migration20261124200000Deliveries extends Migration {
  override up(): void {
    this.addSql(`create table deliveries (
      trigger_id text primary key,
      alert_id uuid not null references alerts (id) on delete cascade,
      user_id uuid not null references users (id) on delete cascade,
      platform text not null check (platform in ('discord', 'telegram', 'console')),
      status text not null check (status in ('sent', 'undeliverable')),
      reason text null,
      recorded_at timestamptz not null,
      acknowledged_at timestamptz null,
      constraint deliveries_reason_matches_status check ((status = 'undeliverable') = (reason is not null))
    )`);
    // What the bots ask on every command: this user's undeliverable notifications not yet shown to them.
    this.addSql(
      "create index deliveries_unacknowledged_idx on deliveries (user_id, recorded_at) where status = 'undeliverable' and acknowledged_at is null",
    );
    this.addSql("create index deliveries_alert_idx on deliveries (alert_id)");
  }

  override down(): void {
    this.addSql("drop table if exists deliveries");
  }
}
