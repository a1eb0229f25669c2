import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";

// `npm start` as a person runs it: the signal a terminal or a process manager sends to npm must stop
// Tickerbell itself (npm's shell used to exit and leave node running, holding the ports and ./data), and a
// start that fails says why on the terminal.
const REPO_ROOT = join(import.meta.dirname, "..", "..", "..");
const dataDir = mkdtempSync(join(tmpdir(), "tickerbell-npm-start-"));
// A test that fails half-way leaves no Tickerbell behind holding the data directory for the next one.
const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const baseEnv = {
  ...process.env,
  DATA_DIR: dataDir,
  KAFKA_BROKERS: "",
  DATABASE_URL: "",
  FINNHUB_API_KEY: "",
  TELEGRAM_TOKEN: "",
  DISCORD_TOKEN: "",
};

function collect(child: ChildProcess): () => string {
  started.push(child);
  let output = "";
  child.stdout?.on("data", (c) => {
    output += String(c);
  });
  child.stderr?.on("data", (c) => {
    output += String(c);
  });
  return () => output;
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms: number) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("npm start", () => {
  it("stops Tickerbell itself when npm gets SIGTERM", async () => {
    const npm = spawn("npm", ["start"], {
      cwd: REPO_ROOT,
      env: { ...baseEnv, ALERTS_PORT: "0", PRICING_PORT: "0" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const output = collect(npm);
    const alertsUrl = await until(
      "the banner",
      () => /alerts (http:\/\/127\.0\.0\.1:\d+)\/docs/.exec(output())?.[1],
      90_000,
    );
    expect((await fetch(`${alertsUrl}/healthz`)).ok).toBe(true);
    // Without a .env, nothing about one: Node's --env-file-if-exists printed ".env not found" on every start.
    expect(output()).not.toContain(".env");
    const exited = new Promise((resolve) => npm.once("exit", resolve));
    npm.kill("SIGTERM");
    await exited;
    // Nothing is left serving: the port is closed once the process has stopped.
    await until(
      "the alert service to stop",
      () =>
        fetch(`${alertsUrl}/healthz`).then(
          () => undefined,
          () => true,
        ),
      20_000,
    );
  }, 120_000);

  /** Starts main.ts in `cwd` and waits for it to exit: its exit code and what it said. */
  async function startIn(cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: unknown; output: string }> {
    const child = spawn(process.execPath, [join(REPO_ROOT, "services/standalone/src/main.ts")], {
      cwd,
      env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const output = collect(child);
    const code = await new Promise((resolve) => child.once("exit", resolve));
    return { code, output: output() };
  }

  async function withTakenPort(use: (port: number) => Promise<void>): Promise<void> {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    try {
      await use((taken.address() as { port: number }).port);
    } finally {
      taken.close();
    }
  }

  it("says on the terminal why it could not start when a port is taken", async () => {
    await withTakenPort(async (port) => {
      const { code, output } = await startIn(REPO_ROOT, {
        ...baseEnv,
        ALERTS_PORT: String(port),
        PRICING_PORT: "0",
      });
      expect(code).toBe(1);
      expect(output).toContain(`Tickerbell could not start: port ${port} is already in use`);
    });
  }, 120_000);

  describe("a .env file in the working directory", () => {
    const dir = mkdtempSync(join(tmpdir(), "tickerbell-dotenv-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const envWithoutPort: NodeJS.ProcessEnv = { ...baseEnv };
    delete envWithoutPort.ALERTS_PORT;

    it("is read: a port it names is the one taken", async () => {
      await withTakenPort(async (port) => {
        writeFileSync(join(dir, ".env"), `# the alert service\nALERTS_PORT=${port}\nPRICING_PORT=0\n`);
        const { code, output } = await startIn(dir, envWithoutPort);
        expect(code).toBe(1);
        expect(output).toContain(`Tickerbell could not start: port ${port} is already in use`);
      });
    }, 120_000);

    it("gives way to a variable set in the environment", async () => {
      await withTakenPort(async (port) => {
        // Were the file to win, the start would fail on this value instead.
        writeFileSync(join(dir, ".env"), "ALERTS_PORT=not-a-port\nPRICING_PORT=0\n");
        const { code, output } = await startIn(dir, { ...envWithoutPort, ALERTS_PORT: String(port) });
        expect(code).toBe(1);
        expect(output).toContain(`Tickerbell could not start: port ${port} is already in use`);
      });
    }, 120_000);

    it("that cannot be read stops the start with the reason", async () => {
      const unreadable = mkdtempSync(join(tmpdir(), "tickerbell-dotenv-dir-"));
      try {
        mkdirSync(join(unreadable, ".env"));
        const { code, output } = await startIn(unreadable, envWithoutPort);
        expect(code).toBe(1);
        expect(output).toMatch(/^Tickerbell could not start: could not read \.env: .*EISDIR/m);
        expect(output).not.toContain("    at ");
      } finally {
        rmSync(unreadable, { recursive: true, force: true });
      }
    });
  });
});
