import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { createLogger } from "@tickerbell/config";
import { type BarPart, openPricingDb, SqlBarStore } from "@tickerbell/pricing";
import { createTestDatabase, FakeFinnhub, type TestDatabase } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnv } from "../src/env.ts";
import { type RunningStandalone, startStandalone } from "../src/standalone.ts";

// Issue 17 item 7 on the console chat of `npm start`: a new alert's confirmation says how often it would have
// fired over the recorded price history. The history is seeded into the PostgreSQL database the standalone's
// pricing reads (the fake Finnhub allows no candles, so nothing is back-filled beside it); AAPL is at $190.00.
// The count and the time are worked out by hand: a bar is replayed as open, the extreme nearer the open, the
// other extreme, close, at 0/15/30/45 seconds into its minute; a one-shot alert counts as repeating hourly.
const MIN = 60_000;
const DAY = 86_400_000;
/** Whole minutes, so a bar's start is exactly what was seeded. */
const base = Math.floor(Date.now() / MIN) * MIN;
const dataDir = mkdtempSync(join(tmpdir(), "tickerbell-console-dry-run-"));
let finnhub: FakeFinnhub;
let database: TestDatabase;
let running: RunningStandalone;
const input = new PassThrough();
const output = new PassThrough();
let printed = "";
output.on("data", (chunk) => {
  printed += String(chunk);
});

function minuteBar(t: number, o: number, h: number, l: number, c: number): BarPart {
  return { symbol: "AAPL", resolution: "1m", t, o, h, l, c, v: 100, n: 1, openTs: t, closeTs: t + 59_000 };
}

beforeAll(async () => {
  finnhub = await FakeFinnhub.start({ candleAccess: false });
  database = await createTestDatabase("tb_story_console_dry_run");
  const seeding = new SqlBarStore(await openPricingDb({ kind: "postgres", url: database.url }));
  await seeding.writeHistory([
    // Recorded for the whole month: from 29 days 22 hours ago.
    minuteBar(base - 30 * DAY + 2 * 60 * MIN, 190, 190, 190, 190),
    // 25 days ago: 194, 193.9, then 195.5 reaches `above 195`, 30 s in.
    minuteBar(base - 25 * DAY, 194, 195.5, 193.9, 195),
    // 12 days ago: 194 is back at the band (194.025), 193.5, then 196 fires again, 30 s in.
    minuteBar(base - 12 * DAY, 194, 196, 193.5, 194),
    // 3 days ago: 196.5 without coming back to the band first: it does not count.
    minuteBar(base - 3 * DAY, 195.5, 196.5, 195.2, 196),
  ]);
  await seeding.close();
  const env = loadEnv({
    DATA_DIR: dataDir,
    DATABASE_URL: database.url,
    ALERTS_PORT: "0",
    PRICING_PORT: "0",
    FINNHUB_API_KEY: finnhub.apiKey,
    FINNHUB_REST_URL: finnhub.restUrl,
    FINNHUB_WS_URL: finnhub.wsUrl,
    CHARTS: "off",
    // A budget no loaded machine runs out of: this story is about what the line says.
    DRY_RUN_BUDGET_MS: "10000",
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
async function say(line: string, reply: RegExp, timeoutMs = 30_000): Promise<string> {
  const from = printed.length;
  input.write(`${line}\n`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = reply.exec(printed.slice(from));
    if (match) return match[0];
    if (Date.now() > deadline) throw new Error(`the console never printed ${reply}:\n${printed.slice(from)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("the dry run on the console chat", () => {
  it("prints how often the new alert would have fired in the last 30 days, and when last", async () => {
    const confirmation = await say(
      "/alert AAPL above 195",
      /✅ Alert set: AAPL above \$195\.00[\s\S]*?fired[^\n]*\n/,
    );
    const last = `${new Date(base - 12 * DAY + 30_000).toISOString().slice(0, 16).replace("T", " ")} UTC`;
    expect(confirmation).toContain(
      `\nIn the last 30 days this alert would have fired 2 times (last: ${last} at $196.00).\n`,
    );
  }, 60_000);
});
