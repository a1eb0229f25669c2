import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import type { MikroORM } from "@mikro-orm/core";
import { Migrator } from "@mikro-orm/migrations";
import { MikroORM as PgliteORM } from "@mikro-orm/pglite";
import { MikroORM as PostgresORM, type SqlEntityManager } from "@mikro-orm/postgresql";
import pg from "pg";
import { migrationsList } from "../migrations/index.ts";
import { entities } from "./entities.ts";
import { OutboxCommitSignal } from "./outbox.ts";

export type Database =
  | { kind: "postgres"; url: string }
  /** Embedded PostgreSQL (PGlite) keeping its files under `dataDir`. */
  | { kind: "pglite"; dataDir: string };

export interface OpenedOrm {
  orm: MikroORM;
  em: SqlEntityManager;
  /** Fires after every commit that added outbox rows (see OutboxCommitSignal). */
  outboxCommits: OutboxCommitSignal;
  close(): Promise<void>;
}

const shared = {
  entities,
  extensions: [Migrator],
  // Migrations own the schema: never create the database or sync tables from metadata.
  ensureDatabase: false,
  discovery: { warnWhenNoEntities: false },
  migrations: {
    migrationsList,
    tableName: "mikro_orm_migrations",
    snapshot: false,
    snapshotOnMigrate: false,
    silent: true,
    transactional: true,
    allOrNothing: true,
  },
  debug: false,
};

/**
 * PostgreSQL connections per process, all kept open: pg-pool closes a connection idle for 10 s, and under a
 * steady load the least used ones idle out and come back at the next spike, each costing a backend start (the
 * API bench saw 50-100 ms stalls every ~10 s from that). Ten is pg-pool's own maximum; six replicas stay well
 * inside PostgreSQL's default 100 connections.
 */
export const POOL_SIZE = 10;

/** What openOrm does as it goes, for a start-up's progress lines and logs. */
export type OrmStartupEvent =
  | { step: "connected" }
  /** Another process holds the migration lock (a replica starting alongside): this one waits for it. */
  | { step: "waiting-for-migration-lock" }
  /** `applied`: the migrations this process ran (none when another had already); `total`: all there are. */
  | { step: "migrated"; applied: string[]; total: number };

/**
 * The key of the session-level advisory lock (pg_advisory_lock) held around every migration run on PostgreSQL:
 * the ASCII of "tbmigr", a constant no other tool takes by chance. Replicas starting together queue on it, so
 * the first applies the migrations and the others then find none pending.
 */
export const MIGRATION_LOCK_KEY = 0x74626d696772n;

/** The application_name of the lock's connection, so an operator sees in pg_stat_activity who waits on what. */
export const MIGRATION_LOCK_APPLICATION = "tickerbell-migrations";

/** Connects to the database and applies every pending migration before anything else touches it. */
export async function openOrm(
  database: Database,
  onStartup: (event: OrmStartupEvent) => void = () => {},
): Promise<OpenedOrm> {
  const outboxCommits = new OutboxCommitSignal();
  let orm: MikroORM;
  if (database.kind === "postgres") {
    orm = await PostgresORM.init({
      ...shared,
      subscribers: [outboxCommits],
      clientUrl: database.url,
      pool: { min: POOL_SIZE, max: POOL_SIZE },
    });
  } else {
    const dir = resolve(database.dataDir, "pglite");
    mkdirSync(dir, { recursive: true });
    orm = await PgliteORM.init({ ...shared, subscribers: [outboxCommits], dbName: dir });
  }
  onStartup({ step: "connected" });
  let applied: string[];
  try {
    const migrate = async () => (await orm.migrator.up()).map((m) => m.name);
    // PGlite belongs to this one process; PostgreSQL is shared by every replica of the service.
    applied =
      database.kind === "postgres"
        ? await withMigrationLock(
            database.url,
            () => onStartup({ step: "waiting-for-migration-lock" }),
            migrate,
          )
        : await migrate();
  } catch (error) {
    await orm.close(true);
    throw error;
  }
  onStartup({ step: "migrated", applied, total: migrationsList.length });
  return {
    orm,
    em: orm.em as SqlEntityManager,
    outboxCommits,
    close: () => orm.close(true),
  };
}

/**
 * Runs `work` holding the migration lock. The lock lives on a connection of its own: a session lock is held by
 * one connection, and the pool's connections are lent to whatever query comes next. It is released when `work`
 * ends, or by PostgreSQL when the connection goes (a replica killed mid-migration does not block the others).
 */
async function withMigrationLock<T>(url: string, onWaiting: () => void, work: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: MIGRATION_LOCK_APPLICATION });
  // A dropped connection fails the pending query; without a listener it would also crash the process.
  client.on("error", () => {});
  await client.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>(
      "select pg_try_advisory_lock($1::bigint) as locked",
      [MIGRATION_LOCK_KEY.toString()],
    );
    if (!rows[0]?.locked) {
      onWaiting();
      await client.query("select pg_advisory_lock($1::bigint)", [MIGRATION_LOCK_KEY.toString()]);
    }
    return await work();
  } finally {
    // Closing the session releases the lock: no explicit unlock to forget on an error path.
    await client.end().catch(() => {});
  }
}
