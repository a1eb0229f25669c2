import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, FakeDiscord, FakeFinnhub, FakeTelegram } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// What a person sees on the terminal while `npm start` comes up, and when it cannot: real processes, against
// the local fakes of Telegram and Discord and the real PostgreSQL.
const REPO_ROOT = join(import.meta.dirname, "..", "..", "..");
const MAIN = join(REPO_ROOT, "services", "standalone", "src", "main.ts");
const scratch = mkdtempSync(join(tmpdir(), "tickerbell-start-up-"));

let telegram: FakeTelegram;
let discord: FakeDiscord;
beforeAll(async () => {
  telegram = await FakeTelegram.start();
  discord = await FakeDiscord.start();
});
/** Every process a test started, killed at the end whatever the test's outcome. */
const started: Run[] = [];
afterAll(async () => {
  // The whole process group: `npm start` runs the standalone as its child, which a kill of npm alone would leave
  // running (and connected to the fakes, whose close would then wait for it).
  for (const run of started) {
    try {
      if (run.child.pid !== undefined) process.kill(-run.child.pid, "SIGKILL");
    } catch {
      // Gone already.
    }
  }
  await Promise.all(started.map((run) => run.exited));
  await telegram?.close();
  await discord?.close();
  rmSync(scratch, { recursive: true, force: true });
}, 120_000);

/** The environment of the test runner, without any of Tickerbell's own variables. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of [
    "DATA_DIR",
    "DATABASE_URL",
    "KAFKA_BROKERS",
    "FINNHUB_API_KEY",
    "TELEGRAM_TOKEN",
    "DISCORD_TOKEN",
    "ALERTS_PORT",
    "PRICING_PORT",
    "SIMULATION_SEED",
    "SIMULATION_SPEED",
    "LOG_LEVEL",
  ]) {
    delete env[name];
  }
  return env;
}

let runs = 0;
function freshDataDir(): string {
  return join(scratch, `data-${++runs}`);
}

class Run {
  readonly child: ChildProcess;
  output = "";
  readonly exited: Promise<number | null>;
  constructor(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
    // Its own process group, so the clean-up can stop what it started too (npm's child).
    this.child = spawn(command, args, { ...options, stdio: ["pipe", "pipe", "pipe"], detached: true });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.on("data", (chunk) => {
        this.output += String(chunk);
      });
    }
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
    started.push(this);
  }

  async waitFor(pattern: RegExp, timeoutMs = 90_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.output);
      if (match) return match;
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`did not see ${pattern} (exit ${this.child.exitCode}) in:\n${this.output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The standalone's own process, as `npm start` runs it, with `env` over a clean environment. */
function startMain(env: Record<string, string>): Run {
  return new Run(process.execPath, [MAIN], {
    cwd: REPO_ROOT,
    env: { ...cleanEnv(), DATA_DIR: freshDataDir(), ALERTS_PORT: "0", PRICING_PORT: "0", ...env },
  });
}

/** A start that must fail: exit 1 and one sentence saying why, with no stack trace anywhere on the terminal. */
async function expectFailedStart(run: Run, sentence: RegExp): Promise<void> {
  expect(await run.exited).toBe(1);
  const failures = run.output.split("\n").filter((line) => line.startsWith("Tickerbell could not start: "));
  expect(failures, run.output).toHaveLength(1);
  expect(failures[0]).toMatch(sentence);
  expect(run.output).not.toMatch(/^\s+at /m);
  expect(run.output).not.toContain('"stack"');
}

describe("npm start", () => {
  it("reads .env where it runs (the environment wins over it) and prints progress as it starts", async () => {
    // A copy of the checkout's top level: the real `start` script, the real code, and a .env beside them.
    const root = join(scratch, "checkout");
    mkdirSync(root);
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
      scripts: { start: string };
    };
    writeFileSync(
      join(root, "package.json"),
      JSON.stringify({ name: "tickerbell-copy", private: true, scripts: { start: pkg.scripts.start } }),
    );
    for (const entry of ["services", "bots", "shared", "node_modules"]) {
      symlinkSync(join(REPO_ROOT, entry), join(root, entry));
    }
    const dataDir = freshDataDir();
    // As a person makes it: .env.example copied (its chat tokens still the placeholders), a few lines added.
    writeFileSync(
      join(root, ".env"),
      [
        readFileSync(join(REPO_ROOT, ".env.example"), "utf8"),
        `DATA_DIR=${dataDir}`,
        "ALERTS_PORT=0",
        "PRICING_PORT=0",
        "SIMULATION_SEED=7",
        "SIMULATION_SPEED=120",
        "",
      ].join("\n"),
    );
    const npm = new Run("npm", ["start"], { cwd: root, env: { ...cleanEnv(), SIMULATION_SPEED: "600" } });
    try {
      await npm.waitFor(/Tickerbell is running/);
      expect(npm.output).toContain(`embedded PGlite in ${dataDir}`);
      expect(npm.output).toContain("simulated feed (seed 7, always-open, 600x speed)");
      // The placeholders count as not set: the console chat runs, and the terminal says why.
      expect(npm.output).toMatch(/chat:\s+console chat/);
      expect(npm.output).toContain(
        "TELEGRAM_TOKEN is still the placeholder from .env.example: Telegram stays off",
      );
      expect(npm.output).toContain(
        "DISCORD_TOKEN is still the placeholder from .env.example: Discord stays off",
      );

      const progress = npm.output.slice(0, npm.output.indexOf("Tickerbell is running"));
      const steps = [
        /Starting Tickerbell/,
        new RegExp(`database +opening embedded PGlite in ${dataDir}`),
        /migrations +applied \d+, the schema is up to date/,
        /bus +in-memory/,
        /price feed +starting the simulated feed/,
        /chat +opening the console chat/,
        // The chat reads its first line only once the price history database is open.
        /history +price history open/,
      ];
      let at = 0;
      for (const step of steps) {
        const found = step.exec(progress.slice(at));
        expect(found, `${step} after offset ${at} in:\n${progress}`).not.toBeNull();
        at += (found?.index ?? 0) + (found?.[0].length ?? 0);
      }
    } finally {
      npm.child.kill("SIGTERM");
      await npm.exited;
    }

    // The second start on the same data finds nothing to migrate.
    const again = new Run("npm", ["start"], { cwd: root, env: cleanEnv() });
    try {
      await again.waitFor(/Tickerbell is running/);
      expect(again.output).toMatch(/migrations +none pending, the schema is up to date/);
    } finally {
      again.child.kill("SIGTERM");
      await again.exited;
    }
  }, 180_000);

  it("says plainly that Telegram refused TELEGRAM_TOKEN", async () => {
    const run = startMain({
      TELEGRAM_TOKEN: "999999:not-the-token-telegram-knows",
      TELEGRAM_API_ROOT: telegram.apiRoot,
    });
    await expectFailedStart(run, /Telegram refused TELEGRAM_TOKEN \(401 Unauthorized\)/);
    // The token itself is never printed.
    expect(run.output).not.toContain("not-the-token-telegram-knows");
    expect(run.output).toMatch(/chat +connecting to Telegram/);
  }, 120_000);

  it("says plainly that Discord refused DISCORD_TOKEN, even with Telegram's token good", async () => {
    const run = startMain({
      TELEGRAM_TOKEN: telegram.token,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      DISCORD_TOKEN: "MTAwMDAwMDAwMDAwMDAwMDAw.not-the-token-discord-knows",
      DISCORD_API_BASE: discord.apiBase,
    });
    await expectFailedStart(run, /Discord refused DISCORD_TOKEN \(401 Unauthorized\)/);
    expect(run.output).not.toContain("not-the-token-discord-knows");
  }, 120_000);

  it("says plainly that Finnhub refused FINNHUB_API_KEY", async () => {
    const finnhub = await FakeFinnhub.start();
    try {
      const run = startMain({
        FINNHUB_API_KEY: "not-the-key-finnhub-knows",
        FINNHUB_REST_URL: finnhub.restUrl,
        FINNHUB_WS_URL: finnhub.wsUrl,
      });
      await expectFailedStart(run, /Finnhub refused FINNHUB_API_KEY \(401\)/);
      expect(run.output).not.toContain("not-the-key-finnhub-knows");
      expect(run.output).toMatch(/price feed +connecting to Finnhub/);
    } finally {
      await finnhub.close();
    }
  }, 120_000);

  it("says plainly when Telegram cannot be reached at all", async () => {
    const run = startMain({
      TELEGRAM_TOKEN: telegram.token,
      TELEGRAM_API_ROOT: `http://127.0.0.1:${await closedPort()}`,
    });
    await expectFailedStart(run, /could not reach Telegram at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    expect(run.output).not.toContain(telegram.token);
  }, 120_000);

  it("names the variable of a port that is in use", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      await expectFailedStart(
        startMain({ PRICING_PORT: String(port) }),
        new RegExp(`port ${port} is already in use \\(PRICING_PORT\\)`),
      );
    } finally {
      taken.close();
    }
  }, 120_000);

  it("refuses a second start on the same DATA_DIR before it opens the database, and takes over a stale claim", async () => {
    const dataDir = freshDataDir();
    const first = startMain({ DATA_DIR: dataDir });
    try {
      await first.waitFor(/Tickerbell is running/);
      const second = startMain({ DATA_DIR: dataDir });
      await expectFailedStart(
        second,
        new RegExp(
          `another Tickerbell \\(process ${first.child.pid}\\) is already running on ${dataDir} \\(DATA_DIR\\)`,
        ),
      );
      // The embedded database was left alone: the second never got as far as opening it.
      expect(second.output).not.toMatch(/migrations/);
    } finally {
      first.child.kill("SIGTERM");
      await first.exited;
    }

    // A claim left by a process that died without cleaning up (its pid is gone) does not block the next start.
    const gone = spawn(process.execPath, ["-e", ""]);
    await new Promise((resolve) => gone.once("exit", resolve));
    writeFileSync(join(dataDir, "tickerbell.pid"), `${gone.pid}\n`);
    const next = startMain({ DATA_DIR: dataDir });
    try {
      await next.waitFor(/Tickerbell is running/);
      expect(readFileSync(join(dataDir, "tickerbell.pid"), "utf8").trim()).toBe(String(next.child.pid));
    } finally {
      next.child.kill("SIGTERM");
    }
    // An ordered stop (not death by the signal), which lets DATA_DIR go last.
    expect(await next.exited).toBe(0);
    expect(() => readFileSync(join(dataDir, "tickerbell.pid"))).toThrow(/ENOENT/);
  }, 180_000);

  it("stops in order, and lets DATA_DIR go, when SIGTERM or Ctrl-C comes while it is still starting", async () => {
    const dataDir = freshDataDir();
    // Signalled at two steps: while the embedded database opens, and once the price feed starts.
    for (const [signal, step] of [
      ["SIGTERM", /^ {2}database /m],
      ["SIGINT", /^ {2}price feed /m],
    ] as const) {
      const run = startMain({ DATA_DIR: dataDir });
      await run.waitFor(step);
      run.child.kill(signal);
      // An ordered stop: exit 0 (a stop asked for is no failure), said on the terminal, never "running".
      expect(await run.exited, run.output).toBe(0);
      expect(run.output).toContain(`Stopping Tickerbell (${signal}): what has started stops in order`);
      expect(run.output).not.toMatch(/Tickerbell is running|could not start/);
      expect(() => readFileSync(join(dataDir, "tickerbell.pid"))).toThrow(/ENOENT/);
    }
    // What it stopped in the middle of starting opens again.
    const next = startMain({ DATA_DIR: dataDir });
    try {
      await next.waitFor(/Tickerbell is running/);
    } finally {
      next.child.kill("SIGTERM");
    }
    expect(await next.exited).toBe(0);
  }, 180_000);

  it("says plainly when PostgreSQL cannot be reached, has no such database or refuses the login", async () => {
    await expectFailedStart(
      startMain({ DATABASE_URL: `postgres://postgres@127.0.0.1:${await closedPort()}/tickerbell` }),
      /could not reach PostgreSQL at 127\.0\.0\.1:\d+ \(DATABASE_URL\): connection refused/,
    );
    const db = await createTestDatabase("tb_start_up");
    await db.drop();
    await expectFailedStart(
      startMain({ DATABASE_URL: db.url }),
      new RegExp(`PostgreSQL has no database "${db.name}" \\(DATABASE_URL\\)`),
    );
    // A role the server does not know (the password stays out of the sentence).
    const stranger = new URL(db.url);
    stranger.username = "tickerbell_nobody";
    stranger.password = "secret-password-1234";
    stranger.pathname = "/postgres";
    const refused = startMain({ DATABASE_URL: stranger.toString() });
    await expectFailedStart(
      refused,
      /PostgreSQL at [\w.:]+ refused the login in DATABASE_URL \(role "tickerbell_nobody" does not exist\)/,
    );
    expect(refused.output).not.toContain("secret-password-1234");
  }, 120_000);
});

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
