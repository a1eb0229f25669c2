// A private PostgreSQL cluster for a suite that must restart its database (fault tests): the machine's shared
// server on 5432 is used by every other suite and is never restarted. initdb into a temp dir, trust auth on
// 127.0.0.1 and a free port, fsync off (throwaway data). PostgreSQL refuses to run as root, so under root the
// binaries run as the `postgres` user through runuser.
import { execFile, spawnSync } from "node:child_process";
import { chownSync, existsSync, rmSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";

const run = promisify(execFile);

export interface PostgresCluster {
  /** `postgres://postgres@127.0.0.1:<port>/<database>`. */
  urlFor(database: string): string;
  port: number;
  dir: string;
  /** Creates a database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server: `immediate` is a crash (no checkpoint), `fast` a clean shutdown. */
  stopServer(mode?: "immediate" | "fast"): Promise<void>;
  /** Starts the server again on the same port and data. */
  startServer(): Promise<void>;
  /** Stops the server and removes its directory. */
  destroy(): Promise<void>;
}

export interface StartPostgresClusterOptions {
  /** Directory of initdb / pg_ctl (default: PG_BIN_DIR, else the newest /usr/lib/postgresql/<v>/bin). */
  binDir?: string;
}

function defaultBinDir(): string {
  if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
  for (const version of [17, 16, 15, 14]) {
    const dir = `/usr/lib/postgresql/${version}/bin`;
    if (existsSync(join(dir, "pg_ctl"))) return dir;
  }
  throw new Error("no PostgreSQL server binaries found (set PG_BIN_DIR to the directory holding pg_ctl)");
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startPostgresCluster(
  options: StartPostgresClusterOptions = {},
): Promise<PostgresCluster> {
  const binDir = options.binDir ?? defaultBinDir();
  const asRoot = process.getuid?.() === 0;
  const dir = await mkdtemp(join(tmpdir(), "tickerbell-pg-"));
  if (asRoot) {
    const { uid, gid } = statSync("/var/lib/postgresql", { throwIfNoEntry: false }) ?? {};
    if (uid === undefined || gid === undefined)
      throw new Error(
        "running as root: need the postgres user (its home /var/lib/postgresql) to run the server",
      );
    chownSync(dir, uid, gid);
  }
  const data = join(dir, "data");
  const port = await freePort();
  const command = (program: string, args: string[]): [string, string[]] =>
    asRoot
      ? ["runuser", ["-u", "postgres", "--", join(binDir, program), ...args]]
      : [join(binDir, program), args];
  const exec = async (program: string, args: string[]) => {
    const [file, argv] = command(program, args);
    try {
      await run(file, argv, { cwd: dir });
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      throw new Error(`${program} failed: ${e.stderr || e.message}`);
    }
  };
  const pgCtl = (args: string[]) => exec("pg_ctl", ["-D", data, ...args]);

  await exec("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]);
  const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const startServer = () =>
    pgCtl(["-o", serverOptions, "-l", join(dir, "server.log"), "-w", "-t", "60", "start"]);
  const stopServer = async (mode: "immediate" | "fast" = "fast") => {
    await pgCtl(["-m", mode, "-w", "stop"]);
  };
  // A run that ends without destroy() must not leave a server behind.
  const killOnExit = () => {
    const [file, argv] = command("pg_ctl", ["-D", data, "-m", "immediate", "stop"]);
    spawnSync(file, argv, { stdio: "ignore" });
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", killOnExit);
  await startServer();

  const urlFor = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  return {
    port,
    dir,
    urlFor,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: urlFor("postgres") });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      return urlFor(name);
    },
    stopServer,
    startServer,
    async destroy() {
      await stopServer("immediate").catch(() => {});
      process.removeListener("exit", killOnExit);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
