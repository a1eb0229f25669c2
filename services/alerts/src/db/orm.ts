import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import type { MikroORM } from "@mikro-orm/core";
import { Migrator } from "@mikro-orm/migrations";
import { MikroORM as PgliteORM } from "@mikro-orm/pglite";
import { MikroORM as PostgresORM, type SqlEntityManager } from "@mikro-orm/postgresql";
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

/** Connects to the database and applies every pending migration before anything else touches it. */
export async function openOrm(database: Database): Promise<OpenedOrm> {
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
  await orm.migrator.up();
  return {
    orm,
    em: orm.em as SqlEntityManager,
    outboxCommits,
    close: () => orm.close(true),
  };
}
