// The console chat of `npm start` on PostgreSQL, with prices from the fake Finnhub: what the console stories
// share. A story types lines, waits for what the console prints, and pushes trades to the fake Finnhub.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { createLogger } from "@tickerbell/config";
import { createTestDatabase, FakeFinnhub, type TestDatabase } from "@tickerbell/testkit";
import { loadEnv } from "../src/env.ts";
import { type RunningStandalone, startStandalone } from "../src/standalone.ts";

export interface ConsoleStoryOptions {
  /** Names the temporary data directory and the test database. */
  name: string;
  finnhub?: Parameters<typeof FakeFinnhub.start>[0];
  /** Further environment for the standalone. */
  env?: Record<string, string>;
  /** Runs on the fresh database before the standalone starts (e.g. seeding price history). */
  seed?: (databaseUrl: string) => Promise<void>;
}

export interface ConsoleStory {
  readonly finnhub: FakeFinnhub;
  /** The standalone's pricing API (its /metrics too). */
  readonly pricingUrl: string;
  /** Everything the console printed so far. */
  printed(): string;
  /**
   * Types a line into the console and waits until what it prints (from then on) matches; answers the match. An
   * alert set ("✅ Alert set") is then also waited for in the matcher's index: the reply comes once the alert is
   * stored, and it reaches the matcher a moment later (through the outbox and the bus), so a trade pushed at once
   * could be matched before it (seen on a loaded machine).
   */
  say(line: string, reply: RegExp, timeoutMs?: number): Promise<string>;
  /** Waits until what the console printed from `from` on matches `pattern`. */
  printedAfter(from: number, pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** A trade on the fake Finnhub, then waits for the console line it makes an alert print. */
  trade(symbol: string, price: number, fires: RegExp): Promise<void>;
  stop(): Promise<void>;
}

export async function startConsoleStory(options: ConsoleStoryOptions): Promise<ConsoleStory> {
  const dataDir = mkdtempSync(join(tmpdir(), `tickerbell-${options.name}-`));
  const finnhub = await FakeFinnhub.start(options.finnhub);
  let database: TestDatabase | undefined;
  let running: RunningStandalone | undefined;
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = "";
  output.on("data", (chunk) => {
    printed += String(chunk);
  });
  const stop = async () => {
    input.end();
    await running?.stop();
    await finnhub.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    database = await createTestDatabase(`tb_${options.name.replaceAll("-", "_")}`);
    await options.seed?.(database.url);
    const env = loadEnv({
      DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      ALERTS_PORT: "0",
      PRICING_PORT: "0",
      FINNHUB_API_KEY: finnhub.apiKey,
      FINNHUB_REST_URL: finnhub.restUrl,
      FINNHUB_WS_URL: finnhub.wsUrl,
      CHARTS: "off",
      ...options.env,
    });
    const logger = createLogger({ service: "standalone-test", level: "silent" });
    running = await startStandalone(env, logger, { input, output, terminal: false });
    running.openConsole();
  } catch (error) {
    await stop();
    throw error;
  }

  const printedAfter = async (from: number, pattern: RegExp, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(printed.slice(from));
      if (match) return match[0];
      if (Date.now() > deadline)
        throw new Error(`the console never printed ${pattern}:\n${printed.slice(from)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  /** How many alerts the matcher's index holds (its gauge, on the process's one metrics registry). */
  const matcherAlerts = async (): Promise<number> => {
    const metrics = await (await fetch(`${running!.summary.pricingUrl}/metrics`)).text();
    const found = /^tickerbell_matcher_alerts(?:\{[^}]*\})? (\d+)/m.exec(metrics);
    if (found === null) throw new Error("the metrics have no tickerbell_matcher_alerts");
    return Number(found[1]);
  };
  return {
    finnhub,
    pricingUrl: running.summary.pricingUrl,
    printed: () => printed,
    say: async (line, reply, timeoutMs) => {
      const indexed = await matcherAlerts();
      const from = printed.length;
      input.write(`${line}\n`);
      const answer = await printedAfter(from, reply, timeoutMs);
      if (/^\/alert\s/.test(line) && printed.slice(from).includes("✅ Alert set")) {
        const deadline = Date.now() + 30_000;
        while ((await matcherAlerts()) <= indexed) {
          if (Date.now() > deadline) throw new Error(`the matcher never took the alert of ${line}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
      return answer;
    },
    printedAfter,
    trade: async (symbol, price, fires) => {
      const from = printed.length;
      finnhub.pushTrade(symbol, price);
      await printedAfter(from, fires);
    },
    stop,
  };
}
