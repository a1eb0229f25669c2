// stopOnSignals, the stop every service's main.ts runs, in a real process receiving real signals.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const fixture = fileURLToPath(new URL("./stop-on-signals.fixture.ts", import.meta.url));

interface Run {
  code: number | null;
  lines: Record<string, unknown>[];
}

/** Starts the fixture, sends `signals` once it is ready, and returns its exit code and JSON log lines. */
function run(behaviour: string, signals: NodeJS.Signals[], graceMs = 25_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture, behaviour, String(graceMs)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += String(chunk);
      if (output.includes("ready\n") && signals.length > 0) {
        for (const signal of signals.splice(0)) child.kill(signal);
      }
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += String(chunk);
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      resolve({
        code,
        lines: output
          .split("\n")
          .filter((line) => line.startsWith("{"))
          .map((line) => JSON.parse(line) as Record<string, unknown>),
      }),
    );
  });
}

describe("stopOnSignals", () => {
  it("stops once on SIGTERM and exits 0, however many signals follow", async () => {
    const { code, lines } = await run("ok", ["SIGTERM", "SIGINT", "SIGTERM"]);
    expect(code).toBe(0);
    // Signals pending together are delivered in signal-number order, so the first handled may be SIGINT.
    expect(lines.filter((l) => l.msg === "stop called")).toEqual([expect.objectContaining({ stops: 1 })]);
    // Each line once (pino's writes to a busy pipe may reach it in another order than they were made).
    expect(lines.map((l) => l.msg).sort()).toEqual(["shutting down", "stop called", "stopped"].sort());
  });

  it("exits 1 and says why when the stop fails", async () => {
    const { code, lines } = await run("fail", ["SIGINT"]);
    expect(code).toBe(1);
    const unclean = lines.find((l) => l.msg === "unclean shutdown");
    expect(unclean?.level).toBe("error");
    expect(JSON.stringify(unclean?.err)).toContain("the bus would not close");
  });

  it("exits 1 when the stop outlasts its grace, rather than waiting for the orchestrator's kill", async () => {
    const { code, lines } = await run("hang", ["SIGTERM"], 300);
    expect(code).toBe(1);
    expect(lines.at(-1)).toMatchObject({ level: "error", msg: "did not stop within 300 ms; exiting" });
  });
});
