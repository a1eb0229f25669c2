import { spawn } from "node:child_process";
import { join } from "node:path";
import { kafkaBrokersFromEnv } from "@tickerbell/testkit";
import { describe, expect, it } from "vitest";

const FIXTURE = join(import.meta.dirname, "fixtures", "kafka-process.ts");
const brokers = kafkaBrokersFromEnv();

/** Runs the fixture in its own process (Node reports a negative timeout once per process): its stderr. */
function runFixture(...args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [FIXTURE, ...args], {
      env: { ...process.env, KAFKA_BROKERS: brokers.join(",") },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += String(chunk);
    });
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stderr }));
  });
}

describe("kafkajs's negative timeout", () => {
  it("is not printed by a process that uses the bus", async () => {
    const { code, stderr } = await runFixture();
    expect(code).toBe(0);
    expect(stderr).not.toContain("TimeoutNegativeWarning");
  }, 60_000);

  it("is the only one dropped: a negative timeout elsewhere is still reported", async () => {
    const { code, stderr } = await runFixture("negative-timeout-first");
    expect(code).toBe(0);
    expect(stderr).toContain("TimeoutNegativeWarning: -5 is a negative number");
  }, 60_000);
});
