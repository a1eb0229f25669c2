import { Migration } from "@mikro-orm/migrations";

/** Snooze: a paused alert may carry the moment it resumes by itself. */
export class Migration20261124210000Snooze extends Migration {
  override up(): void {
    this.addSql("alter table alerts add column resume_at timestamptz null");
    // What the resume sweep asks for: paused alerts whose snooze is over.
    this.addSql(
      "create index alerts_resume_due_idx on alerts (resume_at) where status = 'paused' and resume_at is not null",
    );
  }

  override down(): void {
    this.addSql("drop index alerts_resume_due_idx");
    this.addSql("alter table alerts drop column resume_at");
  }
}
