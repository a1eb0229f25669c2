import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { createLogger } from "@tickerbell/config";
import { createTestDatabase, FakeFinnhub, type TestDatabase } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnv } from "../src/env.ts";
import { type RunningStandalone, startStandalone } from "../src/standalone.ts";

// A move within a window on the console chat of `npm start`, with trades from the fake Finnhub: the pricing
// service streams them over its websocket, the matcher keeps the symbol's minutes, and the console prints the
// one notification when a trade completes the move.
const dataDir = mkdtempSync(join(tmpdir(), "tickerbell-console-window-"));
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
  database = await createTestDatabase("tb_story_console");
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

const windowLines = () => printed.split("\n").filter((line) => line.includes("from its 1h low"));

describe("a move within a window on the console chat", () => {
  it("prints nothing while trades stay inside the move, then one notification naming the window's low", async () => {
    // AAPL is at $190.00 on the fake Finnhub.
    await say("/alert AAPL moves 3% within 1h", /✅ Alert set: AAPL moves 3% within 1h\n/);
    await say("/alert AAPL above 190.5", /✅ Alert set: AAPL above \$190\.50/);
    await finnhub.waitFor(() => finnhub.subscriptions().includes("AAPL"), "the AAPL subscription", 30_000);
    // The first alert's firing shows the matcher holds both (the window alert was set before it).
    await trade(190.6, /🔔 AAPL rose above \$190\.50/);

    // Inside the move: the low is 188.00 and the high 193.00 (a rise needs 193.64, a fall 187.21).
    for (const price of [192, 188, 193]) finnhub.pushTrade("AAPL", price);
    // A sentinel fired by a trade inside the move too: once it is printed, every trade before it was matched.
    await say("/alert AAPL above 193.5", /✅ Alert set: AAPL above \$193\.50/);
    await trade(193.55, /🔔 AAPL rose above \$193\.50/);
    expect(windowLines()).toEqual([]);

    // 193.80 is 3.09% above the window's low of 188.00: the one notification, naming the window and its low.
    const from = printed.length;
    finnhub.pushTrade("AAPL", 193.8);
    await printedAfter(from, /Move: [^\n]*\n/);
    const block = printed.slice(from);
    expect(block).toMatch(
      /🔔 AAPL is up 3\.1% from its 1h low of \$188\.00 \(now \$193\.80\)\nPrice: \$193\.80 · [^\n]+\n1h low: \$188\.00\nLevel: \$193\.6[45]\nMove: \+\$5\.80 \(\+3\.09%\) from the 1h low\n/,
    );

    // A one-shot alert: further moves print nothing more for it.
    for (const price of [200, 181]) finnhub.pushTrade("AAPL", price);
    await say("/alert AAPL below 180", /✅ Alert set: AAPL below \$180\.00/);
    await trade(179.5, /🔔 AAPL fell below \$180\.00/);
    expect(windowLines()).toHaveLength(1);
  }, 120_000);
});
