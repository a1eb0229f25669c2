import { randomBytes } from "node:crypto";
import pg from "pg";

/** The admin connection tests use to create and drop their own databases. */
export function pgAdminUrl(): string {
  return process.env.PG_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates a fresh, uniquely named database for one test suite. Fails (never skips) when PostgreSQL is not
 * reachable, naming the URL it tried.
 */
export async function createTestDatabase(prefix = "tb_test"): Promise<TestDatabase> {
  const admin = pgAdminUrl();
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const client = new pg.Client({ connectionString: admin });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${admin.replace(/\/\/[^@]*@/, "//")} (set PG_ADMIN_URL): ${(error as Error).message}`,
    );
  }
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
