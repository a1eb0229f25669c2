import { type ChildProcess, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { consoleOnlyEnv } from "./console-only-env.ts";

// Webhooks in `npm start`'s one process: the console's /webhook adds one, a firing on the simulated feed reaches
// a local receiver (allowed by WEBHOOK_ALLOW_HOSTS, as an operator would), signed with the secret shown once.
const MAIN = join(import.meta.dirname, "..", "src", "main.ts");
const dataDir = mkdtempSync(join(tmpdir(), "tickerbell-webhooks-"));
const received: Array<{ body: string; timestamp: string; signature: string }> = [];
const receiver = createServer((req, res) => {
  let body = "";
  req.on("data", (c: Buffer) => {
    body += c.toString("utf8");
  });
  req.on("end", () => {
    received.push({
      body,
      timestamp: String(req.headers["x-tickerbell-timestamp"]),
      signature: String(req.headers["x-tickerbell-signature"]),
    });
    res.writeHead(200).end();
  });
});
let child: ChildProcess;
let output = "";

async function waitFor(pattern: RegExp, from = 0, timeoutMs = 90_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = pattern.exec(output.slice(from));
    if (match) return match;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`did not see ${pattern} in:\n${output.slice(from)}`);
}

async function start(): Promise<void> {
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  child = spawn(process.execPath, [MAIN], {
    env: consoleOnlyEnv(dataDir, { SIMULATION_SPEED: "600", WEBHOOK_ALLOW_HOSTS: "127.0.0.1" }),
    stdio: ["pipe", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk) => {
    output += String(chunk);
  });
  child.stderr?.on("data", (chunk) => {
    output += String(chunk);
  });
  await waitFor(/Tickerbell is running[\s\S]*chat:\s+console chat/);
}

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.stdin?.write("/quit\n");
    await new Promise((resolve) => child.once("exit", resolve));
  }
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe("webhooks in the standalone", () => {
  it("refuses a private address, and POSTs a firing to an allowed receiver, signed", async () => {
    await start();
    let from = output.length;
    child.stdin?.write("/webhook add http://10.1.2.3/hook\n");
    await waitFor(/the address 10\.1\.2\.3 is a private address/i, from);

    from = output.length;
    const port = (receiver.address() as AddressInfo).port;
    child.stdin?.write(`/webhook add http://127.0.0.1:${port}/hook\n`);
    const [, secret] = (await waitFor(/✅ Webhook added[\s\S]*?(whsec_[A-Za-z0-9_-]+)/, from)) as unknown as [
      string,
      string,
    ];

    from = output.length;
    child.stdin?.write("/alert AAPL move 0.1%\n");
    await waitFor(/✅ Alert set: AAPL moves 0.1%/, from);
    await waitFor(/🔔 AAPL/, from);
    while (received.length === 0) await new Promise((r) => setTimeout(r, 100));
    const [delivery] = received;
    const signed = createHmac("sha256", secret)
      .update(`${delivery!.timestamp}.${delivery!.body}`)
      .digest("hex");
    expect(delivery!.signature).toBe(`v1=${signed}`);
    expect(JSON.parse(delivery!.body)).toMatchObject({
      v: 1,
      type: "alert.triggered",
      alert: { symbol: "AAPL", platform: "console" },
    });
  }, 240_000);
});
