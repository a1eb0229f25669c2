import pg from "pg";
import { describe, expect, it } from "vitest";
import { createTestDatabase } from "./postgres.ts";

describe("createTestDatabase", () => {
  it("creates a usable database and drops it", async () => {
    const db = await createTestDatabase();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query("select current_database() as name");
    await client.end();
    expect(rows[0].name).toBe(db.name);
    await db.drop();
    const probe = new pg.Client({ connectionString: db.url });
    await expect(probe.connect()).rejects.toThrow(/does not exist/);
  });

  it("fails, naming who holds the database, instead of waiting without end for its lock", async () => {
    const db = await createTestDatabase();
    const holder = new pg.Client({ connectionString: db.url, application_name: "tickerbell-lock-holder" });
    await holder.connect();
    try {
      // A comment on the database locks the database object until the transaction ends.
      await holder.query("begin");
      await holder.query(`comment on database "${db.name}" is 'held'`);
      await expect(db.drop({ waitMs: 300 })).rejects.toThrow(
        new RegExp(
          `could not drop ${db.name}: canceling statement due to (lock|statement) timeout.*tickerbell-lock-holder`,
        ),
      );
      await holder.query("rollback");
    } finally {
      await holder.end();
    }
    await db.drop();
    const probe = new pg.Client({ connectionString: db.url });
    await expect(probe.connect()).rejects.toThrow(/does not exist/);
  });
});
