import { createTestDatabase, type TestDatabase } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openOrm } from "../src/db/orm.ts";
import { migrationsList } from "../src/migrations/index.ts";
import { sql } from "./harness.ts";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase("tb_alerts_migrate");
});
afterAll(async () => {
  await db?.drop();
});

describe("migrations", () => {
  it("build the whole schema in an empty database, and a second start applies nothing", async () => {
    expect(
      await sql(db.url, "select table_name from information_schema.tables where table_schema = 'public'"),
    ).toEqual([]);
    const first = await openOrm({ kind: "postgres", url: db.url });
    await first.close();
    const tables = await sql(
      db.url,
      "select table_name from information_schema.tables where table_schema = 'public' order by table_name",
    );
    expect(tables.map((t) => t.table_name)).toEqual([
      "alert_triggers",
      "alerts",
      "change_sequences",
      "community_locks",
      "community_settings",
      "deliveries",
      "held_notifications",
      "link_codes",
      "mikro_orm_migrations",
      "outbox",
      "outbox_relay",
      "platform_identities",
      "runtime_offsets",
      "user_settings",
      "users",
      "watchlist_items",
      "webhook_deliveries",
      "webhooks",
      "window_histories",
    ]);
    const second = await openOrm({ kind: "postgres", url: db.url });
    await second.close();
    const applied = await sql(db.url, "select name from mikro_orm_migrations order by id");
    expect(applied.map((m) => m.name)).toEqual(migrationsList.map((m) => m.name));
  });

  it("enforce the uniqueness the domain relies on", async () => {
    const constraints = await sql(
      db.url,
      "select conname from pg_constraint where contype = 'u' and connamespace = 'public'::regnamespace order by conname",
    );
    expect(constraints.map((c) => c.conname)).toEqual([
      "platform_identities_platform_user_unique",
      "watchlist_items_user_symbol_unique",
    ]);
  });
});
