import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BarsResponseSchema } from "@tickerbell/contracts";
import { afterAll, describe, expect, it } from "vitest";
import { consoleOnlyEnv } from "./console-only-env.ts";

// `npm start` on the simulated feed records price history in its embedded PGlite: a chart's first ask gets a
// back-filled past at once, the streamed minutes join it, and all of it is there after a restart.
const MAIN = join(import.meta.dirname, "..", "src", "main.ts");
const dataDir = mkdtempSync(join(tmpdir(), "tickerbell-bars-"));
let child: ChildProcess | undefined;

afterAll(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(): Promise<{ process: ChildProcess; pricingUrl: string; output: () => string }> {
  let output = "";
  const started = spawn(process.execPath, [MAIN], {
    env: consoleOnlyEnv(dataDir, { LOG_LEVEL: "warn" }),
    stdio: ["pipe", "pipe", "pipe"],
  });
  started.stdout?.on("data", (c) => {
    output += String(c);
  });
  started.stderr?.on("data", (c) => {
    output += String(c);
  });
  const deadline = Date.now() + 90_000;
  for (;;) {
    const url = /pricing (http:\/\/127\.0\.0\.1:\d+)\/v1\/market-status/.exec(output)?.[1];
    if (url) return { process: started, pricingUrl: url, output: () => output };
    if (started.exitCode !== null || Date.now() > deadline)
      throw new Error(`no pricing URL in the banner:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stop(running: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => running.once("exit", resolve));
  running.kill("SIGTERM");
  await exited;
}

async function minuteBars(pricingUrl: string, from: number) {
  const res = await fetch(`${pricingUrl}/v1/bars/AAPL?resolution=1m&from=${from}&to=${Date.now() + 60_000}`);
  expect(res.status).toBe(200);
  return BarsResponseSchema.parse(await res.json()).bars;
}

describe("price history in the standalone", () => {
  it("back-fills on the first ask, records the stream, and keeps both across a restart", async () => {
    const from = Date.now() - 2 * 86_400_000;
    const first = await start();
    child = first.process;
    const askedAt = Date.now();
    const past = await minuteBars(first.pricingUrl, from);
    expect(past.length, first.output()).toBeGreaterThan(60);

    // An alert makes AAPL streamed; its minutes are written within seconds.
    first.process.stdin?.write("/alert AAPL above 100000\n");
    const streamedFrom = Math.floor(askedAt / 60_000) * 60_000;
    const deadline = Date.now() + 60_000;
    let bars = past;
    while (!bars.some((b) => b.t >= streamedFrom && b.n > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      bars = await minuteBars(first.pricingUrl, from);
    }
    const streamed = bars.filter((b) => b.t >= streamedFrom);
    expect(streamed.length, first.output()).toBeGreaterThan(0);
    await stop(first.process);

    const second = await start();
    child = second.process;
    const kept = await minuteBars(second.pricingUrl, from);
    expect(kept.slice(0, bars.length).map((b) => b.t)).toEqual(bars.map((b) => b.t));
    await stop(second.process);
  }, 300_000);
});
