import type { SqlEntityManager } from "@mikro-orm/postgresql";
import type { DisabledWebhookNotice, Webhook } from "@tickerbell/contracts";
import type { StoredWebhook, WebhookDeliveryRecord, WebhookRepository } from "../webhooks/ports.ts";

interface WebhookRow {
  id: string;
  user_id: string;
  url: string;
  secret: string;
  status: "active" | "disabled";
  created_at: Date | string;
  consecutive_failures: number;
  last_delivery_at: Date | string | null;
  last_error: string | null;
  disabled_at: Date | string | null;
}

const iso = (value: Date | string) => new Date(value).toISOString();
const isoOrNull = (value: Date | string | null) => (value === null ? null : iso(value));

const toWebhook = (row: WebhookRow): Webhook => ({
  id: row.id,
  url: row.url,
  status: row.status,
  createdAt: iso(row.created_at),
  consecutiveFailures: Number(row.consecutive_failures),
  lastDeliveryAt: isoOrNull(row.last_delivery_at),
  lastError: row.last_error,
  disabledAt: isoOrNull(row.disabled_at),
});

const toStored = (row: WebhookRow): StoredWebhook => ({
  ...toWebhook(row),
  userId: row.user_id,
  secret: row.secret,
});

/** WebhookRepository in SQL on the service's connection (PostgreSQL or PGlite). */
export class MikroWebhookRepository implements WebhookRepository {
  readonly #em: SqlEntityManager;

  constructor(em: SqlEntityManager) {
    this.#em = em;
  }

  async create(webhook: StoredWebhook, max: number): Promise<boolean> {
    return this.#em.fork().transactional(async (em) => {
      // The user's row lock serialises two adds racing for the last place under the cap.
      await em.execute("select 1 from users where id = ? for update", [webhook.userId]);
      const [count] = await em.execute<{ n: string }[]>(
        "select count(*) as n from webhooks where user_id = ?",
        [webhook.userId],
      );
      if (Number(count?.n ?? 0) >= max) return false;
      await em.execute(
        `insert into webhooks (id, user_id, url, secret, status, created_at, consecutive_failures)
         values (?, ?, ?, ?, 'active', ?, 0)`,
        [webhook.id, webhook.userId, webhook.url, webhook.secret, webhook.createdAt],
      );
      return true;
    });
  }

  async list(userId: string): Promise<Webhook[]> {
    const rows = await this.#em
      .fork()
      .execute<WebhookRow[]>("select * from webhooks where user_id = ? order by created_at, id", [userId]);
    return rows.map(toWebhook);
  }

  async find(userId: string, id: string): Promise<StoredWebhook | null> {
    const rows = await this.#em
      .fork()
      .execute<WebhookRow[]>("select * from webhooks where user_id = ? and id = ?", [userId, id]);
    return rows[0] ? toStored(rows[0]) : null;
  }

  async remove(userId: string, id: string): Promise<boolean> {
    const rows = await this.#em
      .fork()
      .execute<{ id: string }[]>("delete from webhooks where user_id = ? and id = ? returning id", [
        userId,
        id,
      ]);
    return rows.length > 0;
  }

  async activeOwners(): Promise<string[]> {
    const rows = await this.#em
      .fork()
      .execute<{ user_id: string }[]>("select distinct user_id from webhooks where status = 'active'");
    return rows.map((r) => r.user_id);
  }

  async purgeDeliveries(before: Date): Promise<number> {
    const rows = await this.#em
      .fork()
      .execute<{ n: string }[]>(
        "with gone as (delete from webhook_deliveries where recorded_at < ? returning 1) select count(*) as n from gone",
        [before],
      );
    return Number(rows[0]?.n ?? 0);
  }

  async activeFor(userId: string): Promise<StoredWebhook[]> {
    const rows = await this.#em
      .fork()
      .execute<WebhookRow[]>(
        "select * from webhooks where user_id = ? and status = 'active' order by created_at, id",
        [userId],
      );
    return rows.map(toStored);
  }

  async delivered(webhookId: string, triggerId: string): Promise<boolean> {
    const rows = await this.#em
      .fork()
      .execute<{ n: number }[]>(
        "select 1 as n from webhook_deliveries where webhook_id = ? and trigger_id = ?",
        [webhookId, triggerId],
      );
    return rows.length > 0;
  }

  async recordOutcome(
    record: WebhookDeliveryRecord,
    at: Date,
    disableAfter: number,
  ): Promise<{ disabled: boolean }> {
    return this.#em.fork().transactional(async (em) => {
      const inserted = await em.execute<{ trigger_id: string }[]>(
        `insert into webhook_deliveries (webhook_id, trigger_id, status, attempts, error, recorded_at)
         select ?, ?, ?, ?, ?, ? where exists (select 1 from webhooks where id = ?)
         on conflict (webhook_id, trigger_id) do nothing returning trigger_id`,
        [
          record.webhookId,
          record.triggerId,
          record.status,
          record.attempts,
          record.error,
          at,
          record.webhookId,
        ],
      );
      // A second outcome for the same firing (a redelivery that raced) changes no count.
      if (inserted.length === 0) return { disabled: false };
      if (record.status === "sent") {
        await em.execute(
          "update webhooks set consecutive_failures = 0, last_delivery_at = ?, last_error = null where id = ?",
          [at, record.webhookId],
        );
        return { disabled: false };
      }
      const [before] = await em.execute<{ status: string; consecutive_failures: number }[]>(
        "select status, consecutive_failures from webhooks where id = ? for update",
        [record.webhookId],
      );
      if (!before) return { disabled: false };
      const failures = Number(before.consecutive_failures) + 1;
      const disable = before.status === "active" && failures >= disableAfter;
      await em.execute(
        disable
          ? `update webhooks set consecutive_failures = ?, last_delivery_at = ?, last_error = ?, status = 'disabled',
               disabled_at = ?, owner_told_at = null where id = ?`
          : "update webhooks set consecutive_failures = ?, last_delivery_at = ?, last_error = ? where id = ?",
        disable
          ? [failures, at, record.error, at, record.webhookId]
          : [failures, at, record.error, record.webhookId],
      );
      return { disabled: disable };
    });
  }

  async recordTest(webhookId: string, ok: boolean, error: string | null, at: Date): Promise<void> {
    await this.#em.fork().execute(
      ok
        ? `update webhooks set status = 'active', consecutive_failures = 0, disabled_at = null, owner_told_at = null,
               last_delivery_at = ?, last_error = null where id = ?`
        : "update webhooks set last_delivery_at = ?, last_error = ? where id = ?",
      ok ? [at, webhookId] : [at, error, webhookId],
    );
  }

  async untold(userId: string): Promise<DisabledWebhookNotice[]> {
    const rows = await this.#em.fork().execute<WebhookRow[]>(
      `select * from webhooks where user_id = ? and status = 'disabled' and owner_told_at is null
         order by disabled_at, id`,
      [userId],
    );
    return rows.map((row) => ({
      webhookId: row.id,
      url: row.url,
      lastError: row.last_error,
      disabledAt: iso(row.disabled_at ?? row.created_at),
    }));
  }

  async markTold(userId: string, webhookIds: string[] | null, at: Date): Promise<number> {
    const rows = await this.#em.fork().execute<{ id: string }[]>(
      `update webhooks set owner_told_at = ?
       where user_id = ? and status = 'disabled' and owner_told_at is null
         ${webhookIds === null ? "" : "and id = any(array(select (jsonb_array_elements_text(?::jsonb))::uuid))"}
       returning id`,
      webhookIds === null ? [at, userId] : [at, userId, JSON.stringify(webhookIds)],
    );
    return rows.length;
  }
}
