import { Migration } from "@mikro-orm/migrations";

/** The whole schema as of the first release. Later changes get their own class, listed in index.ts. */
export class Migration20261124000000Initial extends Migration {
  override up(): void {
    this.addSql(`create table users (
      id uuid primary key,
      created_at timestamptz not null
    )`);
    this.addSql(`create table platform_identities (
      id uuid primary key,
      user_id uuid not null references users (id) on delete cascade,
      platform text not null check (platform in ('discord', 'telegram', 'console')),
      platform_user_id text not null,
      display_name text null,
      created_at timestamptz not null,
      constraint platform_identities_platform_user_unique unique (platform, platform_user_id)
    )`);
    this.addSql("create index platform_identities_user_idx on platform_identities (user_id)");
    this.addSql(`create table watchlist_items (
      id uuid primary key,
      user_id uuid not null references users (id) on delete cascade,
      symbol text not null,
      added_at timestamptz not null,
      constraint watchlist_items_user_symbol_unique unique (user_id, symbol)
    )`);
    this.addSql("create index watchlist_items_symbol_idx on watchlist_items (symbol)");
    this.addSql(`create table alerts (
      id uuid primary key,
      user_id uuid not null references users (id) on delete cascade,
      symbol text not null,
      kind text not null check (kind in ('price', 'percent', 'trailing')),
      condition jsonb not null,
      reference_price double precision not null,
      threshold_upper double precision null,
      threshold_lower double precision null,
      extreme double precision null,
      status text not null check (status in ('active', 'paused', 'triggered', 'expired', 'cancelled')),
      generation integer not null default 0,
      version integer not null default 1,
      repeat_cooldown_seconds integer null,
      expires_at timestamptz null,
      note text null,
      regular_hours_only boolean not null default false,
      origin_platform text not null,
      origin_chat_id text not null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      last_triggered_at timestamptz null,
      last_trigger_price double precision null
    )`);
    this.addSql("create index alerts_user_status_idx on alerts (user_id, status)");
    this.addSql("create index alerts_status_id_idx on alerts (status, id)");
    this.addSql(
      "create index alerts_expiry_idx on alerts (expires_at) where status in ('active', 'paused') and expires_at is not null",
    );
    this.addSql(`create table alert_triggers (
      trigger_id text primary key,
      alert_id uuid not null references alerts (id) on delete cascade,
      generation integer not null,
      price double precision not null,
      fired_at timestamptz not null,
      outcome text not null,
      recorded_at timestamptz not null
    )`);
    this.addSql(`create table link_codes (
      code_hash text primary key,
      user_id uuid not null references users (id) on delete cascade,
      created_at timestamptz not null,
      expires_at timestamptz not null,
      redeemed_at timestamptz null
    )`);
    this.addSql(`create table outbox (
      id bigserial primary key,
      topic text not null,
      key text not null,
      payload jsonb not null,
      created_at timestamptz not null default now(),
      published_at timestamptz null
    )`);
    this.addSql("create index outbox_unpublished_idx on outbox (id) where published_at is null");
  }

  override down(): void {
    for (const table of [
      "outbox",
      "link_codes",
      "alert_triggers",
      "alerts",
      "watchlist_items",
      "platform_identities",
      "users",
    ]) {
      this.addSql(`drop table if exists ${table}`);
    }
  }
}
