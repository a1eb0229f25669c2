import { Migration } from "@mikro-orm/migrations";

/**
 * The matcher's runtime state, stored from `alerts.runtime`: each alert's phase and the tick offset its runtime
 * fields hold after (plus the runtime event that wrote them, so a replayed event cannot write an older state);
 * each firing's notification, kept until a bot reports an outcome so an undelivered one can be sent again; and
 * how far the runtime consumer got per partition (what a matcher taking a partition over waits for).
 */
export class Migration20261202120000Runtime extends Migration {
  override up(): void {
    this.addSql("alter table alerts add column phase text not null default 'armed'");
    // A repeating alert that fired before this migration starts in its cooldown, as the matcher read it before.
    this.addSql(
      "update alerts set phase = 'cooling' where repeat_cooldown_seconds is not null and last_triggered_at is not null and status in ('active', 'paused')",
    );
    this.addSql("alter table alerts add column state_as_of_tick bigint null");
    this.addSql("alter table alerts add column runtime_offset bigint null");
    this.addSql("alter table alert_triggers add column notification jsonb null");
    this.addSql("alter table alert_triggers add column reemitted_at timestamptz null");
    this.addSql("alter table alert_triggers add column reemits integer not null default 0");
    // What the re-emitter asks for: firings with a notification and (joined) no delivery outcome yet.
    this.addSql(
      "create index alert_triggers_pending_idx on alert_triggers (recorded_at) where notification is not null",
    );
    this.addSql(
      'create table runtime_offsets ("partition" integer primary key, applied bigint not null, updated_at timestamptz not null)',
    );
  }

  override down(): void {
    this.addSql("drop table runtime_offsets");
    this.addSql("drop index alert_triggers_pending_idx");
    this.addSql("alter table alert_triggers drop column reemits");
    this.addSql("alter table alert_triggers drop column reemitted_at");
    this.addSql("alter table alert_triggers drop column notification");
    this.addSql("alter table alerts drop column runtime_offset");
    this.addSql("alter table alerts drop column state_as_of_tick");
    this.addSql("alter table alerts drop column phase");
  }
}
