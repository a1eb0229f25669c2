import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import type { MikroORM } from "@mikro-orm/core";
import { Migrator } from "@mikro-orm/migrations";
import { MikroORM as PgliteORM } from "@mikro-orm/pglite";
import { MikroORM as PostgresORM, type SqlEntityManager } from "@mikro-orm/postgresql";
import pg from "pg";
import { pricingMigrations } from "./migrations/index.ts";

export type PricingDatabase =
  | { kind: "postgres"; url: string }
  /** Embedded PostgreSQL (PGlite) keeping its files under `dataDir`. */
  | { kind: "pglite"; dataDir: string };

export interface OpenedPricingDb {
  em: SqlEntityManager;
  close(): Promise<void>;
}

/**
 * The pricing service may share a database with the alert service: its migrations are recorded in a table of
 * their own, and its tables are named for what they hold (`price_bars`).
 */
const shared = {
  entities: [],
  extensions: [Migrator],
  // Migrations own the schema: never create the database or sync tables from metadata.
  ensureDatabase: false,
  discovery: { warnWhenNoEntities: false },
  migrations: {
    migrationsList: pricingMigrations,
    tableName: "pricing_mikro_orm_migrations",
    snapshot: false,
    snapshotOnMigrate: false,
    silent: true,
    transactional: true,
    allOrNothing: true,
  },
  debug: false,
};

/** Bar writes come one batch at a time; reads are the HTTP API's. A few connections are plenty. */
const POOL_SIZE = 4;

/**
 * The key of the advisory lock held around the pricing migrations on PostgreSQL (ASCII "tbpric"), apart from
 * the alert service's, so the two services starting together do not wait on each other.
 */
export const PRICING_MIGRATION_LOCK_KEY = 0x746270726963n;

/** Connects and applies every pending pricing migration. */
export async function openPricingDb(database: PricingDatabase): Promise<OpenedPricingDb> {
  let orm: MikroORM;
  if (database.kind === "postgres") {
    orm = await PostgresORM.init({
      ...shared,
      clientUrl: database.url,
      pool: { min: 1, max: POOL_SIZE },
    });
  } else {
    const dir = resolve(database.dataDir, "pricing-pglite");
    mkdirSync(dir, { recursive: true });
    orm = await PgliteORM.init({ ...shared, dbName: dir });
  }
  try {
    const migrate = async () => {
      await orm.migrator.up();
    };
    // PGlite belongs to this one process; PostgreSQL may be shared by replicas starting together.
    if (database.kind === "postgres") await withMigrationLock(database.url, migrate);
    else await migrate();
  } catch (error) {
    await orm.close(true);
    throw error;
  }
  return { em: orm.em as SqlEntityManager, close: () => orm.close(true) };
}

/** Runs `work` holding the migration lock, on a connection of its own (a session lock belongs to one). */
async function withMigrationLock(url: string, work: () => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString: url, application_name: "tickerbell-pricing-migrations" });
  // A dropped connection fails the pending query; without a listener it would also crash the process.
  client.on("error", () => {});
  await client.connect();
  try {
    await client.query("select pg_advisory_lock($1::bigint)", [PRICING_MIGRATION_LOCK_KEY.toString()]);
    await work();
  } finally {
    // Closing the session releases the lock.
    await client.end().catch(() => {});
  }
}
