import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// `npm start` as a person runs it: the signal a terminal or a process manager sends to npm must stop
// Tickerbell itself (npm's shell used to exit and leave node running, holding the ports and ./data), and a
// start that fails says why on the terminal.
const REPO_ROOT = join(import.meta.dirname, "..", "..", "..");
const dataDir = mkdtempSync(join(tmpdir(), "tickerbell-npm-start-"));
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

  it("says on the terminal why it could not start when a port is taken", async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const child = spawn(process.execPath, [join(REPO_ROOT, "services/standalone/src/main.ts")], {
        cwd: REPO_ROOT,
        env: { ...baseEnv, ALERTS_PORT: String(port), PRICING_PORT: "0" },
        stdio: ["pipe", "pipe", "pipe"],
      });
      const output = collect(child);
      const code = await new Promise((resolve) => child.once("exit", resolve));
      expect(code).toBe(1);
      expect(output()).toContain(`Tickerbell could not start: port ${port} is already in use`);
    } finally {
      taken.close();
    }
  }, 120_000);
});
