import { Migration } from "@mikro-orm/migrations";

/**
 * Firings no longer cost more with every firing ever recorded.
 *
 * - The re-emitter asked for firings with a notification and no delivery outcome through an index of every
 *   firing with a notification, so each pass walked the whole history of firings. `awaiting_outcome` marks the
 *   ones still waiting (set when a firing with a notification is recorded, cleared by the re-emitter's pass once
 *   an outcome exists or the re-emits are used up); the index holds only those.
 * - An open alert's firings older than the history retention are purged by the sweep (its alert stays): a
 *   repeating alert that fires every day no longer grows alert_triggers and deliveries without end.
 */
export class Migration20261204010000FiringRetention extends Migration {
  override up(): void {
    this.addSql("alter table alert_triggers add column awaiting_outcome boolean not null default false");
    this.addSql(
      `update alert_triggers t set awaiting_outcome = true
        where t.notification is not null and t.reemits < 20
          and not exists (select 1 from deliveries d where d.trigger_id = t.trigger_id)`,
    );
    this.addSql("drop index alert_triggers_pending_idx");
    this.addSql(
      "create index alert_triggers_awaiting_idx on alert_triggers (recorded_at) where awaiting_outcome",
    );
    this.addSql("create index alert_triggers_fired_idx on alert_triggers (fired_at)");
  }

  override down(): void {
    this.addSql("drop index alert_triggers_fired_idx");
    this.addSql("drop index alert_triggers_awaiting_idx");
    this.addSql(
      "create index alert_triggers_pending_idx on alert_triggers (recorded_at) where notification is not null",
    );
    this.addSql("alter table alert_triggers drop column awaiting_outcome");
  }
}
