import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { startAlertService } from "@tickerbell/alerts";
import {
  AlertsClient,
  BarChartMaker,
  BarDryRun,
  CommandHandler,
  type Fetch,
  PricingClient,
  processChartRenderer,
} from "@tickerbell/bot-core";
import { createLogger, createMetricsRegistry } from "@tickerbell/config";
import {
  Backfiller,
  createHttpApp,
  openPricingDb,
  SimulatedFeed,
  SimulatedHistory,
  SimulatedMarketData,
  SimulatedSource,
  SqlBarStore,
} from "@tickerbell/pricing";
import xterm from "@xterm/headless";
import { ConsoleChat, type ConsoleChatOptions } from "../src/console-chat.ts";

const TOKEN = "console-token-for-tests-0001";
const IN_PROCESS = "http://in-process.local";

/**
 * What the console talks to in `npm start`, for real and in process: the alert service on embedded PGlite in a
 * temporary folder, and the pricing service's HTTP API on its simulated feed (prices hold still), with price
 * history on PGlite too, back-filled from the feed's past on a symbol's first demand as `npm start` does. With
 * `dryRunBudgetMs`, a new alert's dry run within that budget.
 */
export async function startWorld(options: { dryRunBudgetMs?: number } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), "tickerbell-console-"));
  const logger = createLogger({ service: "console-test", level: "silent" });
  const service = await startAlertService({
    database: { kind: "pglite", dataDir },
    tokens: { console: TOKEN },
    maxOpenAlertsPerUser: 100,
    userCommandsPerMinute: 100_000,
    logger,
    metrics: createMetricsRegistry("alerts"),
  });
  const feed = new SimulatedFeed({ seed: 42, startMs: Date.now(), marketHours: "always-open" });
  const bars = new SqlBarStore(await openPricingDb({ kind: "pglite", dataDir: join(dataDir, "pricing") }));
  const backfiller = new Backfiller({
    source: new SimulatedHistory(feed, { seed: 42, marketHours: "always-open" }),
    store: bars,
    log: logger,
  });
  const unwatched = new SimulatedSource(feed);
  const pricing = createHttpApp({
    bars,
    onBarsDemand: (symbol) => backfiller.request(symbol),
    marketData: new SimulatedMarketData(feed),
    // No price source runs here: every symbol is idle (a one-off quote); the simulated feed never polls.
    feedOf: (symbol: string) => unwatched.feedOf(symbol),
    metrics: createMetricsRegistry("pricing"),
    log: logger,
    isReady: () => true,
  });
  const alertsFetch: Fetch = (request) => service.app.fetch(request);
  const pricingFetch: Fetch = (request) => pricing.fetch(request);
  const alerts = new AlertsClient({
    baseUrl: IN_PROCESS,
    token: TOKEN,
    platform: "console",
    fetch: alertsFetch,
  });
  const prices = new PricingClient({ baseUrl: IN_PROCESS, fetch: pricingFetch });
  // A budget no loaded machine runs out of: the tests are about what the console shows, not how fast.
  const charts = new BarChartMaker({ bars: prices, renderer: processChartRenderer(), budgetMs: 120_000 });
  const handler = new CommandHandler({
    alerts,
    prices,
    logger,
    charts,
    ...(options.dryRunBudgetMs !== undefined
      ? {
          // The follow-up as long as the tests wait: on a loaded machine a first back-fill can take seconds.
          dryRun: new BarDryRun({ bars: prices, budgetMs: options.dryRunBudgetMs, followUpMs: 120_000 }),
        }
      : {}),
  });
  return {
    dataDir,
    handler,
    alerts,
    prices,
    async close() {
      await service.close();
      await bars.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type World = Awaited<ReturnType<typeof startWorld>>;

/**
 * The console chat fed from a pipe (`… | npm start`, a script), started for `user`: its input, and what it
 * printed so far.
 */
export function pipeChat(world: World, user: string, options: Partial<ConsoleChatOptions> = {}) {
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = "";
  output.on("data", (chunk) => {
    printed += String(chunk);
  });
  const chat = new ConsoleChat({
    handler: world.handler,
    input,
    output,
    user: { platform: "console", platformUserId: user, chatId: "console" },
    ...options,
  });
  chat.start();
  return { input, chat, printed: () => printed };
}

/** Key presses as a terminal sends them. */
export const KEY = {
  up: "\x1b[A",
  down: "\x1b[B",
  left: "\x1b[D",
  right: "\x1b[C",
  tab: "\t",
  backspace: "\x7f",
  enter: "\r",
  ctrlC: "\x03",
  ctrlD: "\x04",
} as const;

/**
 * The console chat on a terminal, as its user sees it: key presses go in as a terminal sends them, and what the
 * chat writes is interpreted by a terminal emulator (xterm.js, headless), so the test reads the screen — rows
 * and cursor — rather than the escape sequences that drew it.
 */
export class TerminalSession {
  readonly input = new PassThrough();
  readonly output = new PassThrough();
  readonly chat: ConsoleChat;
  readonly #term: InstanceType<typeof xterm.Terminal>;
  #parsed: Promise<void> = Promise.resolve();
  /** Everything written, raw, for failure messages. */
  raw = "";

  constructor(options: Omit<ConsoleChatOptions, "input" | "output" | "user" | "terminal">, cols = 80) {
    // A pty translates "\n" to "\r\n" on the way out (ONLCR, kept in raw mode); the emulator does the same.
    this.#term = new xterm.Terminal({ cols, rows: 40, convertEol: true, allowProposedApi: true });
    // readline lays out long lines by the output's width, as it does on a real terminal.
    Object.assign(this.output, { columns: cols, rows: 40 });
    this.output.on("data", (chunk: Buffer) => {
      const text = String(chunk);
      this.raw += text;
      this.#parsed = this.#parsed.then(() => new Promise<void>((resolve) => this.#term.write(text, resolve)));
    });
    this.chat = new ConsoleChat({
      ...options,
      input: this.input,
      output: this.output,
      terminal: true,
      user: { platform: "console", platformUserId: "local", chatId: "console", displayName: "You" },
    });
  }

  start(): this {
    this.chat.start();
    return this;
  }

  /** Keys typed, as one burst (a terminal sends a paste or an escape sequence like this). */
  press(keys: string): void {
    this.input.write(keys);
  }

  /**
   * The screen from the top down to the cursor's row, one entry a line as the user reads it: the rows a long line
   * wraps over are joined back into one, without the cells never written to.
   */
  async screen(): Promise<string[]> {
    await this.#parsed;
    const buffer = this.#term.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y <= buffer.baseY + buffer.cursorY; y++) {
      const row = buffer.getLine(y);
      // A row that wraps on keeps its last cells (a space there is part of the line); the last row is trimmed.
      const text = row?.translateToString(buffer.getLine(y + 1)?.isWrapped !== true) ?? "";
      if (row?.isWrapped && lines.length > 0) lines[lines.length - 1] += text;
      else lines.push(text);
    }
    return lines;
  }

  /** The cursor: its row (from the top of the scrollback) and column. */
  async cursor(): Promise<{ row: number; col: number }> {
    await this.#parsed;
    const buffer = this.#term.buffer.active;
    return { row: buffer.baseY + buffer.cursorY, col: buffer.cursorX };
  }

  /** Waits until the screen satisfies `check`; fails with the screen as it is when the time is up. */
  async waitFor(check: (rows: string[]) => boolean, what: string, timeoutMs = 20_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rows = await this.screen();
      if (check(rows)) return rows;
      if (Date.now() > deadline) {
        throw new Error(
          `the screen never showed ${what}:\n${rows.join("\n")}\n\nraw: ${JSON.stringify(this.raw)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Waits until some row of the screen matches. */
  waitForRow(pattern: RegExp, timeoutMs?: number): Promise<string[]> {
    return this.waitFor((rows) => rows.some((row) => pattern.test(row)), String(pattern), timeoutMs);
  }
}
