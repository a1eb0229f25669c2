import type { SqlEntityManager } from "@mikro-orm/postgresql";
import type { CommunitySettings } from "@tickerbell/contracts";
import type { CommunitySettingsRepository } from "../domain/community-service.ts";

/** community_settings in plain SQL: one row per community that set something. */
export class MikroCommunitySettingsRepository implements CommunitySettingsRepository {
  readonly #em: SqlEntityManager;

  constructor(em: SqlEntityManager) {
    this.#em = em;
  }

  async find(communityKey: string): Promise<CommunitySettings | null> {
    const [row] = await this.#em
      .fork()
      .execute<{ alert_role_id: string | null }[]>(
        "select alert_role_id from community_settings where community_key = ?",
        [communityKey],
      );
    return row ? { alertRoleId: row.alert_role_id } : null;
  }

  async save(communityKey: string, settings: CommunitySettings, at: Date): Promise<void> {
    await this.#em.fork().execute(
      `insert into community_settings (community_key, alert_role_id, updated_at) values (?, ?, ?)
       on conflict (community_key) do update set alert_role_id = excluded.alert_role_id, updated_at = excluded.updated_at`,
      [communityKey, settings.alertRoleId, at],
    );
  }
}
