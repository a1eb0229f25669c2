import { Migration } from "@mikro-orm/migrations";

/**
 * Paged alert lists and the history purge.
 *
 * `GET /v1/alerts` reads a user's alerts in (created_at, id) order, after a cursor, a page at a time: one index
 * per filter shape lets each page be a single range scan that stops after the page, never a sort of everything
 * the user ever had. The (user_id, status) index becomes (user_id, status, created_at, id), which answers the
 * same lookups. The open-alerts index also serves the create path's count of open alerts.
 *
 * The history sweep deletes finished alerts oldest change first, in batches: a partial index on updated_at finds
 * them, and the index on alert_triggers.alert_id lets the cascade find each alert's firings without a scan
 * (deliveries has deliveries_alert_idx already).
 */
export class Migration20261203100000AlertLists extends Migration {
  override up(): void {
    this.addSql("create index alerts_user_created_idx on alerts (user_id, created_at, id)");
    this.addSql(
      "create index alerts_user_open_created_idx on alerts (user_id, created_at, id) where status in ('active', 'paused')",
    );
    this.addSql("create index alerts_user_status_created_idx on alerts (user_id, status, created_at, id)");
    this.addSql("drop index alerts_user_status_idx");
    this.addSql(
      "create index alerts_finished_updated_idx on alerts (updated_at) where status in ('triggered', 'expired', 'cancelled')",
    );
    this.addSql("create index alert_triggers_alert_idx on alert_triggers (alert_id)");
  }

  override down(): void {
    this.addSql("drop index alert_triggers_alert_idx");
    this.addSql("drop index alerts_finished_updated_idx");
    this.addSql("create index alerts_user_status_idx on alerts (user_id, status)");
    this.addSql("drop index alerts_user_status_created_idx");
    this.addSql("drop index alerts_user_open_created_idx");
    this.addSql("drop index alerts_user_created_idx");
  }
}
