import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { createTestDatabase, type TestDatabase } from "@tickerbell/testkit";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { MIGRATION_LOCK_KEY } from "../src/db/orm.ts";
import { migrationsList } from "../src/migrations/index.ts";
import { sql } from "./harness.ts";

// Several alert-service replicas starting together (a rollout, an autoscaler step) on one empty database: real
// processes running the service's own entry point, as a deploy starts them.
const MAIN = join(import.meta.dirname, "..", "src", "main.ts");

class Replica {
  readonly child: ChildProcess;
  output = "";
  readonly exited: Promise<number | null>;

  constructor(databaseUrl: string, port: number) {
    this.child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        PORT: String(port),
        API_TOKEN_CONSOLE: "race-test-console-token",
        KAFKA_BROKERS: "",
        LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.on("data", (chunk) => {
        this.output += String(chunk);
      });
    }
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
  }

  /** Resolves once the replica serves; fails with its output if it exits first. */
  async listening(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.output.includes('"msg":"alert service listening"')) {
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`the replica never listened (exit ${this.child.exitCode}):\n${this.output}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Log lines at warn or above, other than the expected note that Kafka is not configured. */
  problems(): string[] {
    return this.output
      .split("\n")
      .filter((line) => line.trim() !== "")
      .filter((line) => !/"level":"(trace|debug|info)"/.test(line))
      .filter((line) => !line.includes("KAFKA_BROKERS not set"));
  }

  /** The migrations this replica says it applied itself (its "database schema up to date" log line). */
  applied(): string[] | undefined {
    for (const line of this.output.split("\n")) {
      if (!line.includes('"msg":"database schema up to date"')) continue;
      return (JSON.parse(line) as { applied: string[] }).applied;
    }
    return undefined;
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill("SIGTERM");
    return this.exited;
  }
}

let db: TestDatabase | undefined;
let replicas: Replica[] = [];
afterEach(async () => {
  for (const r of replicas) if (r.child.exitCode === null) r.child.kill("SIGKILL");
  await Promise.all(replicas.map((r) => r.exited));
  replicas = [];
  await db?.drop();
  db = undefined;
});

/** A port nothing listens on now (PORT must be a real port: 0 is refused). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startReplicas(url: string, count: number): Promise<Replica[]> {
  const ports = await Promise.all(Array.from({ length: count }, freePort));
  return ports.map((port) => new Replica(url, port));
}

/** Exactly one replica applied every migration; the others found none pending. */
function expectOneReplicaMigrated(all: Replica[]): void {
  const applied = all.map((r) => r.applied());
  const everything = migrationsList.map((m) => m.name);
  expect(applied.filter((a) => a?.length === everything.length)).toEqual([everything]);
  expect(applied.filter((a) => a?.length === 0)).toHaveLength(all.length - 1);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function appliedMigrations(url: string): Promise<{ name: string; times: number }[]> {
  const rows = await sql(
    url,
    "select name, count(*)::int as times from mikro_orm_migrations group by name order by min(id)",
  );
  return rows.map((r) => ({ name: r.name, times: r.times }));
}

describe("three alert-service replicas starting on one empty database", () => {
  it("all start, without an error, and the schema is applied exactly once", async () => {
    db = await createTestDatabase("tb_alerts_race");
    replicas = await startReplicas(db.url, 3);
    await Promise.all(replicas.map((r) => r.listening()));

    expect(await appliedMigrations(db.url)).toEqual(migrationsList.map((m) => ({ name: m.name, times: 1 })));
    expectOneReplicaMigrated(replicas);
    for (const r of replicas) expect(r.problems()).toEqual([]);
    expect(await Promise.all(replicas.map((r) => r.stop()))).toEqual([0, 0, 0]);
  }, 120_000);

  it("wait while another holds the migration lock, then race for it the moment it goes: one migrates", async () => {
    db = await createTestDatabase("tb_alerts_race_held");
    // The test plays the replica that got there first, so all three are certainly waiting at once.
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query("select pg_advisory_lock($1::bigint)", [MIGRATION_LOCK_KEY.toString()]);
      replicas = await startReplicas(db.url, 3);
      await until("all three replicas to wait for the lock", async () => {
        const [row] = await sql(
          db!.url,
          `select count(*)::int as waiting from pg_locks
            where locktype = 'advisory' and not granted
              and database = (select oid from pg_database where datname = current_database())`,
        );
        return row.waiting === 3 ? true : undefined;
      });
      for (const r of replicas) {
        expect(r.output).toContain("another replica is migrating the database: waiting for it to finish");
      }
      // Nothing was touched while they waited.
      expect(await sql(db.url, "select to_regclass('mikro_orm_migrations') as t")).toEqual([{ t: null }]);
    } finally {
      // The holder's session ends without an unlock, as a replica that crashed mid-migration would.
      await holder.end();
    }
    await Promise.all(replicas.map((r) => r.listening()));

    expect(await appliedMigrations(db.url)).toEqual(migrationsList.map((m) => ({ name: m.name, times: 1 })));
    expectOneReplicaMigrated(replicas);
    for (const r of replicas) expect(r.problems()).toEqual([]);
    expect(await Promise.all(replicas.map((r) => r.stop()))).toEqual([0, 0, 0]);
  }, 120_000);
});
