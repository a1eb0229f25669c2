import { randomBytes } from "node:crypto";
import pg from "pg";

/** The admin connection tests use to create and drop their own databases. */
export function pgAdminUrl(): string {
  return process.env.PG_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
}

export interface TestDatabase {
  name: string;
  url: string;
  /** Drops it; fails, naming who holds it and what is busy, when that takes longer than `waitMs` (default 20 s). */
  drop(options?: { waitMs?: number }): Promise<void>;
}

/** How long dropping a test database may wait (for a lock, or for every backend to let go of its files). */
export const DROP_WAIT_MS = 20_000;

/** Who holds a lock on the database object, or is connected to it: what a DROP that timed out waited for. */
async function lockHolders(c: pg.Client, name: string): Promise<string> {
  const { rows } = await c.query(
    `select a.pid, a.datname, a.application_name, a.state, a.wait_event_type, a.wait_event,
            l.mode, l.granted, left(a.query, 160) as query
       from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'object' and l.classid = 'pg_database'::regclass
        and l.objid = (select oid from pg_database where datname = $1)
        and a.pid <> pg_backend_pid()
     union all
     select pid, datname, application_name, state, wait_event_type, wait_event, null, null, left(query, 160)
       from pg_stat_activity where datname = $1`,
    [name],
  );
  return rows.length === 0 ? "nobody holds it" : `held or used by ${JSON.stringify(rows)}`;
}

/**
 * The cluster's backends that are not idle. A DROP DATABASE also waits for every backend of the cluster to close
 * its files: one that never gets to it holds the DROP, whatever database it is in.
 */
async function busyBackends(c: pg.Client): Promise<string> {
  const { rows } = await c.query(
    `select pid, datname, application_name, state, wait_event_type, wait_event, left(query, 160) as query
       from pg_stat_activity
      where backend_type = 'client backend' and state <> 'idle' and pid <> pg_backend_pid()
      limit 20`,
  );
  return JSON.stringify(rows);
}

/**
 * What is connected to database `name`, or holds a lock on it, as one line: what a teardown that stalls is waiting
 * for (an open transaction, a query waiting on a lock).
 */
export async function databaseUse(name: string): Promise<string> {
  const c = new pg.Client({ connectionString: pgAdminUrl() });
  await c.connect();
  try {
    return await lockHolders(c, name);
  } finally {
    await c.end();
  }
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
    async drop({ waitMs = DROP_WAIT_MS } = {}) {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      try {
        // DROP waits without end for a lock on the database and for every backend to let its files go; a suite's
        // teardown must fail, saying who holds it, well before its hook times out.
        await c.query(`SET lock_timeout = ${Math.round(waitMs)}`);
        await c.query(`SET statement_timeout = ${Math.round(waitMs)}`);
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } catch (error) {
        throw new Error(
          `could not drop ${name}: ${(error as Error).message}; ${await lockHolders(c, name)}; busy in the cluster: ${await busyBackends(c)}`,
        );
      } finally {
        await c.end();
      }
    },
  };
}
