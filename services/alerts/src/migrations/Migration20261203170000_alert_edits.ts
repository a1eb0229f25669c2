import { Migration } from "@mikro-orm/migrations";

/**
 * Editing an alert's condition in place (`/edit 2 above 210`): `levels_revision` counts those edits, so a runtime
 * state the matcher computed under the old levels (published before it heard of the edit) is not stored over the
 * re-based ones. Existing alerts were never edited: 0.
 */
export class Migration20261203170000AlertEdits extends Migration {
  override up(): void {
    this.addSql("alter table alerts add column levels_revision integer not null default 0");
  }

  override down(): void {
    this.addSql("alter table alerts drop column levels_revision");
  }
}
