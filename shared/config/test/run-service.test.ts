// runService, the start and stop every service's main.ts runs, in a real process with a real environment.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const fixture = fileURLToPath(new URL("./run-service.fixture.ts", import.meta.url));

interface Run {
  code: number | null;
  stderr: string;
  lines: Record<string, unknown>[];
}

/**
 * Starts the fixture with `env`, sends SIGTERM once it prints `signalAt` (by default once it is ready), and returns
 * its exit code and output.
 */
function run(behaviour: string, env: Record<string, string>, signalAt = "ready\n"): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture, behaviour], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += String(chunk);
      if (output.includes(signalAt) && child.signalCode === null) child.kill("SIGTERM");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += String(chunk);
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      resolve({
        code,
        stderr,
        lines: output
          .split("\n")
          .filter((line) => line.startsWith("{"))
          .map((line) => JSON.parse(line) as Record<string, unknown>),
      }),
    );
  });
}

describe("runService", () => {
  it("wires the service with its environment, logger and metrics, says it started, and stops on SIGTERM", async () => {
    const { code, lines } = await run("ok", { FIXTURE_PORT: "8099" });
    expect(code).toBe(0);
    expect(lines.find((l) => l.msg === "wired")).toMatchObject({
      service: "fixture",
      port: 8099,
      metrics: true,
    });
    expect(lines.map((l) => l.msg).sort()).toEqual(
      ["wired", "started", "shutting down", "stop called", "stopped"].sort(),
    );
  });

  it("stops in order on a SIGTERM that comes while the service is still starting", async () => {
    // The stop waits for the start to finish (a start cut off midway could leave a migration half done).
    const { code, lines } = await run("slow", {}, "starting\n");
    expect(code).toBe(0);
    expect(lines.map((l) => l.msg).sort()).toEqual(
      ["shutting down", "wired", "started", "stop called", "stopped"].sort(),
    );
    // In the order of their times: the logger writes in the background, and at the exit a line held back by a
    // full pipe (a busy machine) can come out after later ones.
    const at = (msg: string) => Date.parse(String(lines.find((l) => l.msg === msg)?.time));
    expect(at("shutting down")).toBeLessThan(at("wired"));
    expect(at("wired")).toBeLessThanOrEqual(at("stop called"));
    expect(at("started")).toBeLessThanOrEqual(at("stop called"));
  });

  it("exits 1 naming a bad variable, before anything starts", async () => {
    const { code, stderr, lines } = await run("ok", { FIXTURE_PORT: "70000" });
    expect(code).toBe(1);
    expect(stderr).toContain("fixture: invalid environment");
    expect(stderr).toContain("FIXTURE_PORT");
    expect(lines).toEqual([]);
  });

  it("exits 1 through the logger when the start fails", async () => {
    const { code, lines } = await run("fail", { LOG_LEVEL: "info" });
    expect(code).toBe(1);
    expect(lines.map((l) => l.msg)).toEqual(["fatal error, exiting"]);
    expect(JSON.stringify(lines[0]?.err)).toContain("the database would not answer");
  });
});
