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
});
