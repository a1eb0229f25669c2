import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { notificationText } from "@tickerbell/bot-core";
import type { Notification } from "@tickerbell/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConsoleNotifier } from "../src/console-notifier.ts";
import { KEY, startWorld, TerminalSession, type World } from "./world.ts";

// The console chat on a terminal (readline's terminal mode, fed key presses as a terminal sends them), asserted
// on the screen a terminal emulator shows — against the real command handler, alert service and pricing API.
let world: World;
const sessions: TerminalSession[] = [];

beforeAll(async () => {
  world = await startWorld();
}, 60_000);

afterAll(async () => {
  for (const session of sessions) session.chat.stop();
  await world?.close();
});

function open(options: { historyFile?: string; cols?: number } = {}): TerminalSession {
  const session = new TerminalSession(
    {
      handler: world.handler,
      tickers: { alerts: world.alerts, prices: world.prices },
      ...(options.historyFile ? { historyFile: options.historyFile } : {}),
    },
    options.cols,
  ).start();
  sessions.push(session);
  return session;
}

/** Types a command and waits for the answer and the prompt after it. */
async function run(session: TerminalSession, command: string, answer: RegExp): Promise<void> {
  session.press(`${command}${KEY.enter}`);
  await session.waitFor(
    (rows) => rows.some((row) => answer.test(row)) && rows.at(-1) === "> ",
    `${answer} and then the prompt`,
  );
}

const fired = {
  v: 1,
  type: "triggered",
  triggerId: "0f8fad5b-d9cb-469f-a165-70867728950e:0",
  alertId: "0f8fad5b-d9cb-469f-a165-70867728950e",
  generation: 0,
  userId: "7c9e6679-7425-40de-944b-e07fc1f90ae7",
  origin: { platform: "console", chatId: "console" },
  symbol: "AAPL",
  condition: { kind: "price", direction: "above", target: 200 },
  price: 200.5,
  referencePrice: 190,
  moveAbs: 10.5,
  movePercent: 5.526,
  note: null,
  repeating: false,
  firedAt: "2026-11-24T15:00:00.000Z",
} satisfies Notification;

describe("console chat on a terminal", () => {
  it("recalls earlier lines with the up and down arrows, and runs a recalled one", async () => {
    const session = open();
    await session.waitFor((rows) => rows.at(-1) === "> ", "the prompt");
    await run(session, "/price AAPL", /AAPL/);
    await run(session, "/help", /\/alert/);

    session.press(KEY.up);
    await session.waitFor((rows) => rows.at(-1) === "> /help", "the last line recalled");
    session.press(KEY.up);
    await session.waitFor((rows) => rows.at(-1) === "> /price AAPL", "the line before it");
    session.press(KEY.down);
    await session.waitFor((rows) => rows.at(-1) === "> /help", "the last line again");
    session.press(KEY.up);
    const before = (await session.screen()).length;
    session.press(KEY.enter);
    await session.waitFor(
      (rows) =>
        rows.length > before + 1 && rows.slice(before).some((r) => /AAPL/.test(r)) && rows.at(-1) === "> ",
      "the recalled /price answered",
    );
  }, 60_000);

  it("completes command names and tickers with Tab", async () => {
    const session = open();
    await session.waitFor((rows) => rows.at(-1) === "> ", "the prompt");
    // /alert and /alerts share "/alert": Tab completes that far.
    session.press(`/ale${KEY.tab}`);
    await session.waitFor((rows) => rows.at(-1) === "> /alert", "/ale completed to /alert");
    // A ticker prefix is completed from the pricing service's symbol search, lower case or not.
    session.press(` aa${KEY.tab}`);
    await session.waitFor((rows) => rows.at(-1) === "> /alert AAPL ", "aa completed to AAPL");
    session.press(`above 900${KEY.enter}`);
    await session.waitForRow(/Alert set: AAPL above \$900\.00/);
    await session.waitFor((rows) => rows.at(-1) === "> ", "the prompt after the answer");

    // A unique command is completed with a space after it.
    session.press(`/watchl${KEY.tab}`);
    await session.waitFor((rows) => rows.at(-1) === "> /watchlist ", "/watchl completed to /watchlist");
    session.press(KEY.ctrlC);
    await session.waitFor((rows) => rows.at(-1) === "> ", "Ctrl-C dropping the half-typed line");

    // With nothing typed yet, Tab offers the user's own tickers: the alert's and the watchlist's.
    await run(session, "/watch NFLX", /NFLX/);
    session.press(`/price ${KEY.tab}${KEY.tab}`);
    await session.waitFor(
      (rows) => rows.some((row) => /^AAPL\s+NFLX\s*$/.test(row)) && rows.at(-1) === "> /price ",
      "AAPL and NFLX offered, and the line kept",
    );
  }, 60_000);

  it("prints a notification above the half-typed line, which is drawn again below it as it was", async () => {
    const session = open();
    const notifier = new ConsoleNotifier((text) => session.chat.print(text));
    await session.waitFor((rows) => rows.at(-1) === "> ", "the prompt");
    // Half a command typed, and the cursor moved back two places (before "ab").
    session.press(`/alert MSFT ab${KEY.left}${KEY.left}`);
    await session.waitFor((rows) => rows.at(-1) === "> /alert MSFT ab", "the half-typed line");
    const typing = await session.cursor();
    expect(typing.col).toBe("> /alert MSFT ".length);

    await notifier.send([fired]);
    const notification = notificationText(fired).split("\n");
    const rows = await session.waitFor(
      (shown) => shown.at(-1) === "> /alert MSFT ab",
      "the line drawn again under the notification",
    );
    // The notification takes the rows where the line was, whole; the line follows, untouched.
    expect(rows.slice(typing.row)).toEqual([...notification, "> /alert MSFT ab"]);
    expect(await session.cursor()).toEqual({ row: typing.row + notification.length, col: typing.col });

    // Finishing the line works from where the cursor was.
    session.press(`${KEY.right}${KEY.right}ove 9000${KEY.enter}`);
    await session.waitForRow(/Alert set: MSFT above \$9,000\.00/);
  }, 60_000);

  it("keeps a line that wraps over several rows whole when a notification comes", async () => {
    const session = open({ cols: 40 });
    const notifier = new ConsoleNotifier((text) => session.chat.print(text));
    await session.waitFor((rows) => rows.at(-1) === "> ", "the prompt");
    const typed = '/alert MSFT above 9100 note "a long note that wraps the line"';
    // Typed, then edited in the middle (Backspace and a letter), which makes readline draw the line again.
    session.press(`${typed}${KEY.left}${KEY.backspace}e`);
    const typedAt =
      (await session.waitFor((lines) => lines.at(-1) === `> ${typed}`, "the typed line")).length - 1;
    const typing = await session.cursor();
    expect(typing.col).toBe(`> ${typed}`.length - 1 - 40);

    await notifier.send([fired]);
    const notification = notificationText(fired).split("\n");
    const lines = await session.waitFor(
      (shown) => shown.length > typedAt + 1 && shown.at(-1) === `> ${typed}`,
      "the long line drawn again under the notification",
    );
    // The notification's lines, whole (the longest wraps on rows of its own), then the typed line, whole.
    expect(lines.slice(typedAt)).toEqual([...notification, `> ${typed}`]);
    const cursor = await session.cursor();
    expect(cursor.col).toBe(typing.col);
    session.press(KEY.enter);
    await session.waitForRow(/Alert set: MSFT above \$9,100\.00/);
  }, 60_000);

  it("says goodbye on Ctrl-D at an empty line, and closes", async () => {
    const session = open();
    await session.waitFor((rows) => rows.at(-1) === "> ", "the prompt");
    session.press(KEY.ctrlD);
    await session.chat.closed;
    const rows = await session.screen();
    expect(rows.slice(-3)).toEqual(["> ", "Goodbye! Your alerts are kept for the next start.", ""]);
  }, 60_000);

  it("leaves on Ctrl-C at an empty line too, as a signal would have stopped it", async () => {
    const session = open();
    await session.waitFor((rows) => rows.at(-1) === "> ", "the prompt");
    session.press(KEY.ctrlC);
    await session.chat.closed;
    expect((await session.screen()).slice(-3)).toEqual([
      "> ",
      "Goodbye! Your alerts are kept for the next start.",
      "",
    ]);
  }, 60_000);

  it("says goodbye on /quit, on the line after it", async () => {
    const session = open();
    await session.waitFor((rows) => rows.at(-1) === "> ", "the prompt");
    session.press(`/quit${KEY.enter}`);
    await session.chat.closed;
    expect((await session.screen()).slice(-3)).toEqual([
      "> /quit",
      "Goodbye! Your alerts are kept for the next start.",
      "",
    ]);
  }, 60_000);

  it("keeps the history in a file, for the next start", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tickerbell-history-"));
    try {
      const historyFile = join(dir, "console-history");
      const first = open({ historyFile });
      await first.waitFor((rows) => rows.at(-1) === "> ", "the prompt");
      await run(first, "/price MSFT", /MSFT/);
      await run(first, "/help", /\/alert/);
      first.press(KEY.ctrlD);
      await first.chat.closed;
      expect(readFileSync(historyFile, "utf8")).toBe("/price MSFT\n/help\n");

      const second = open({ historyFile });
      await second.waitFor((rows) => rows.at(-1) === "> ", "the prompt");
      second.press(`${KEY.up}${KEY.up}`);
      await second.waitFor((rows) => rows.at(-1) === "> /price MSFT", "last run's line recalled");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
