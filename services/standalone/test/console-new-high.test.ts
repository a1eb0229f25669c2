import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { createLogger } from "@tickerbell/config";
import { createTestDatabase, FakeFinnhub, type TestDatabase } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnv } from "../src/env.ts";
import { type RunningStandalone, startStandalone } from "../src/standalone.ts";

// A new session high on the console chat of `npm start`, with trades from the fake Finnhub: the alert starts at
// today's high from the quote, the pricing service streams the trades over its websocket, and the console prints
// the one notification when a trade goes above the high, naming the price and the previous high.
const dataDir = mkdtempSync(join(tmpdir(), "tickerbell-console-new-high-"));
let finnhub: FakeFinnhub;
let database: TestDatabase;
let running: RunningStandalone;
const input = new PassThrough();
const output = new PassThrough();
let printed = "";
output.on("data", (chunk) => {
  printed += String(chunk);
});

beforeAll(async () => {
  finnhub = await FakeFinnhub.start();
  database = await createTestDatabase("tb_story_console_new_high");
  const env = loadEnv({
    DATA_DIR: dataDir,
    DATABASE_URL: database.url,
    ALERTS_PORT: "0",
    PRICING_PORT: "0",
    FINNHUB_API_KEY: finnhub.apiKey,
    FINNHUB_REST_URL: finnhub.restUrl,
    FINNHUB_WS_URL: finnhub.wsUrl,
    CHARTS: "off",
  });
  const logger = createLogger({ service: "standalone-test", level: "silent" });
  running = await startStandalone(env, logger, { input, output, terminal: false });
  running.openConsole();
}, 60_000);

afterAll(async () => {
  input.end();
  await running?.stop();
  await finnhub?.close();
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

/** Types a line into the console and waits until what it prints (from then on) matches. */
async function say(line: string, reply: RegExp): Promise<string> {
  const from = printed.length;
  input.write(`${line}\n`);
  return printedAfter(from, reply);
}

async function printedAfter(from: number, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(printed.slice(from));
    if (match) return match[0];
    if (Date.now() > deadline)
      throw new Error(`the console never printed ${pattern}:\n${printed.slice(from)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A trade on the fake Finnhub, then the notification line the console prints for an alert it fires. */
async function trade(price: number, fires: RegExp): Promise<void> {
  const from = printed.length;
  finnhub.pushTrade("AAPL", price);
  await printedAfter(from, fires);
}

const highLines = () => printed.split("\n").filter((line) => line.includes("made a new session high"));

describe("a new session high on the console chat", () => {
  it("prints nothing while trades stay at or below today's high, then one notification naming the new high", async () => {
    // AAPL is at $190.00 on the fake Finnhub, and so are today's high and low.
    await say("/alert AAPL new high", /✅ Alert set: AAPL new session high \(above \$190\.00 today\)\n/);
    await say("/alert AAPL below 189.5", /✅ Alert set: AAPL below \$189\.50/);
    await finnhub.waitFor(() => finnhub.subscriptions().includes("AAPL"), "the AAPL subscription", 30_000);
    // At or below the high: nothing for the new high. The sentinel's firing shows every trade before it was matched.
    for (const price of [189.9, 190]) finnhub.pushTrade("AAPL", price);
    await trade(189.4, /🔔 AAPL fell below \$189\.50/);
    expect(highLines()).toEqual([]);

    // 190.40 is above today's high of 190.00: the one notification, naming the new high and the previous one.
    const from = printed.length;
    finnhub.pushTrade("AAPL", 190.4);
    await printedAfter(from, /Move: [^\n]*\n/);
    expect(printed.slice(from)).toMatch(
      /🔔 AAPL made a new session high: \$190\.40 \(previous high \$190\.00\)\nPrice: \$190\.40 · [^\n]+\nPrevious high: \$190\.00\nMove: \+\$0\.40 \(\+0\.21%\) from the previous high\n/,
    );

    // A one-shot alert: higher highs print nothing more for it.
    for (const price of [191, 192]) finnhub.pushTrade("AAPL", price);
    await say("/alert AAPL below 185", /✅ Alert set: AAPL below \$185\.00/);
    await trade(184.5, /🔔 AAPL fell below \$185\.00/);
    expect(highLines()).toHaveLength(1);
  }, 120_000);
});
