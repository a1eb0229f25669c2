import { Migration } from "@mikro-orm/migrations";

/**
 * Outbound webhooks: each user's URLs that every firing is also POSTed to, signed with the webhook's secret, and
 * their own delivery log (one row per webhook and triggerId, so each webhook de-duplicates on its own).
 */
export class Migration20261204100000Webhooks extends Migration {
  override up(): void {
    this.addSql(`create table webhooks (
      id uuid primary key,
      user_id uuid not null references users (id) on delete cascade,
      url text not null,
      secret text not null,
      status text not null check (status in ('active', 'disabled')),
      created_at timestamptz not null,
      consecutive_failures integer not null default 0,
      last_delivery_at timestamptz null,
      last_error text null,
      disabled_at timestamptz null,
      owner_told_at timestamptz null
    )`);
    this.addSql("create index webhooks_user_idx on webhooks (user_id, created_at)");
    // What each command asks: this user's disabled webhooks not told yet.
    this.addSql(
      "create index webhooks_untold_idx on webhooks (user_id) where status = 'disabled' and owner_told_at is null",
    );
    this.addSql(`create table webhook_deliveries (
      webhook_id uuid not null references webhooks (id) on delete cascade,
      trigger_id text not null,
      status text not null check (status in ('sent', 'failed')),
      attempts integer not null,
      error text null,
      recorded_at timestamptz not null,
      primary key (webhook_id, trigger_id)
    )`);
    this.addSql("create index webhook_deliveries_recorded_idx on webhook_deliveries (recorded_at)");
  }

  override down(): void {
    this.addSql("drop table if exists webhook_deliveries");
    this.addSql("drop table if exists webhooks");
  }
}
