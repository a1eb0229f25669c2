import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAlertService } from "@tickerbell/alerts";
import { createLogger, createMetricsRegistry } from "@tickerbell/config";
import { FakeFinnhub, FakeTelegram } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// `npm start` with live prices (a fake Finnhub) and the Telegram bot (a fake Telegram), stopped with SIGTERM
// while trades keep coming — as a restart during trading hours does — and started again. Trades arrive 0, 20, 50,
// 100, 200, 400 and 800 ms after the signal, each crossing one user's alert. Whether a trade still reached the
// stopping process or only the restarted one, every crossing must reach its user exactly once: nothing fired
// during the shutdown may be recorded as fired without its DM.
const MAIN = join(import.meta.dirname, "..", "src", "main.ts");
const SYMBOL = "STOPX";
const DELAYS_MS = [0, 20, 50, 100, 200, 400, 800];
const dataDir = mkdtempSync(join(tmpdir(), "tickerbell-shutdown-"));
let telegram: FakeTelegram;
let finnhub: FakeFinnhub;
let child: ChildProcess | undefined;
let output = "";

beforeAll(async () => {
  telegram = await FakeTelegram.start();
  finnhub = await FakeFinnhub.start({
    symbols: [{ symbol: SYMBOL, description: "STOP TEST INC", price: 100 }],
    pingIntervalMs: 0,
  });
});

afterAll(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  await telegram?.close();
  await finnhub?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function startProcess(): ChildProcess {
  const started = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      ALERTS_PORT: "0",
      PRICING_PORT: "0",
      KAFKA_BROKERS: "",
      DATABASE_URL: "",
      FINNHUB_API_KEY: finnhub.apiKey,
      FINNHUB_WS_URL: finnhub.wsUrl,
      FINNHUB_REST_URL: finnhub.restUrl,
      TELEGRAM_TOKEN: telegram.token,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      DISCORD_TOKEN: "",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.stdout?.on("data", (chunk) => {
    output += String(chunk);
  });
  started.stderr?.on("data", (chunk) => {
    output += String(chunk);
  });
  return started;
}

/** Opens the stopped process's embedded database and lists the firings no bot reported an outcome for. */
async function firingsWithoutOutcome(): Promise<string[]> {
  const service = await startAlertService({
    database: { kind: "pglite", dataDir },
    tokens: { console: "inspection-token-0001" },
    maxOpenAlertsPerUser: 100,
    logger: createLogger({ service: "shutdown-test", level: "silent" }),
    metrics: createMetricsRegistry("inspection"),
  });
  try {
    const rows = await service.em
      .fork()
      .execute<{ trigger_id: string }[]>(
        "select t.trigger_id from alert_triggers t where not exists (select 1 from deliveries d where d.trigger_id = t.trigger_id)",
      );
    return rows.map((r) => r.trigger_id);
  } finally {
    await service.close();
  }
}

const users = DELAYS_MS.map((_, i) => ({ id: 7_100 + i, first_name: `Trader${i}` }));
/** User i's alert: above 101 + i; the trade i ms-after-SIGTERM steps the price to 101.5 + i. */
const levelOf = (i: number) => 101 + i;
// DMs sent, not the edits that put each one's chart in after it.
const bells = (chatId: number) =>
  telegram
    .messagesTo(chatId)
    .filter((m) => (m.method === "sendMessage" || m.method === "sendPhoto") && m.text?.startsWith("🔔"));

describe("npm start stopped with SIGTERM while trades arrive", () => {
  it("DMs every crossing exactly once, whether it happened before, during or after the shutdown", async () => {
    child = startProcess();
    await finnhub.waitFor(() => finnhub.openSockets > 0, "the pricing socket", 60_000);
    // Started in full (the bot polling) before the first command: on a busy machine that comes well after the
    // pricing socket (a CI run beside a benchmark waited 30 s for the first reply in vain).
    const deadline = Date.now() + 120_000;
    while (!/Tickerbell is running/.test(output) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(output).toMatch(/Tickerbell is running/);
    for (const [i, user] of users.entries()) {
      telegram.userSends(user, `/alert ${SYMBOL} above ${levelOf(i)}`);
      await telegram.waitForMessage((m) => m.chatId === user.id && /Alert set/.test(m.text ?? ""), 60_000);
    }
    await finnhub.waitFor(() => finnhub.subscriptions().includes(SYMBOL), "the symbol streamed", 30_000);

    const exited = new Promise<number | null>((resolve) => child!.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    const signalled = Date.now();
    for (const [i, delay] of DELAYS_MS.entries()) {
      await new Promise((r) => setTimeout(r, Math.max(0, signalled + delay - Date.now())));
      finnhub.pushTrade(SYMBOL, levelOf(i) + 0.5);
    }
    expect(await exited, output).toBe(0);
    // What the stopping process recorded as fired, it delivered: no firing waits for the re-emitter.
    expect(await firingsWithoutOutcome()).toEqual([]);

    // The market goes on where it stopped; the restarted process sees it on its first trade.
    child = startProcess();
    await finnhub.waitFor(
      () => finnhub.subscriptions().includes(SYMBOL),
      "the symbol streamed again",
      60_000,
    );
    await expect
      .poll(
        () => {
          finnhub.pushTrade(SYMBOL, levelOf(users.length - 1) + 0.5);
          return users.every((u) => bells(u.id).length > 0);
        },
        { timeout: 60_000, interval: 500 },
      )
      .toBe(true);
    // Late copies would arrive here.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(users.map((u) => bells(u.id).length)).toEqual(users.map(() => 1));

    // Stopped once started in full (its signal handlers set): the bells may all have come from the first process.
    while ((output.match(/Tickerbell is running/g) ?? []).length < 2)
      await new Promise((r) => setTimeout(r, 100));
    const stopped = new Promise<number | null>((resolve) => child!.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await stopped, output).toBe(0);
  }, 420_000);
});
