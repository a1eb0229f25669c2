import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { consoleOnlyEnv } from "./console-only-env.ts";

// Drives `npm start`'s process the way a newcomer does: typing into the console chat through piped stdin.
const MAIN = join(import.meta.dirname, "..", "src", "main.ts");
const dataDir = mkdtempSync(join(tmpdir(), "tickerbell-standalone-"));

class ConsoleSession {
  readonly child: ChildProcess;
  output = "";
  constructor() {
    this.child = spawn(process.execPath, [MAIN], {
      env: consoleOnlyEnv(dataDir, { SIMULATION_SPEED: "600" }),
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child.stdout?.on("data", (chunk) => {
      this.output += String(chunk);
    });
    this.child.stderr?.on("data", (chunk) => {
      this.output += String(chunk);
    });
  }

  type(line: string): void {
    this.child.stdin?.write(`${line}\n`);
  }

  /** Waits until the output (from `from` on) matches, failing with what was printed. */
  async waitFor(pattern: RegExp, timeoutMs = 60_000, from = 0): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const match = pattern.exec(this.output.slice(from));
      if (match) return match[0];
      if (this.child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`did not see ${pattern} in:\n${this.output.slice(from)}`);
  }

  async quit(): Promise<number | null> {
    this.type("/quit");
    return this.exited();
  }

  /** Ends the input, as Ctrl-D does on a terminal. */
  async endInput(): Promise<number | null> {
    this.child.stdin?.end();
    return this.exited();
  }

  exited(): Promise<number | null> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) resolve(this.child.exitCode);
      else this.child.once("exit", (code) => resolve(code));
    });
  }
}

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("npm start with no configuration (console chat)", () => {
  it("sets an alert that fires on the simulated feed, and keeps alerts across a restart", async () => {
    const first = new ConsoleSession();
    await first.waitFor(/Tickerbell is running[\s\S]*chat:\s+console chat/);
    expect(first.output).toMatch(/embedded PGlite/);
    expect(first.output).toMatch(/simulated feed/);

    first.type("/alert AAPL move 0.1%");
    await first.waitFor(/✅ Alert set: AAPL moves 0.1%/);
    first.type('/alert MSFT above 9000 note "long shot"');
    await first.waitFor(/✅ Alert set: MSFT above \$9,000\.00/);
    // A line that once took the whole process down (an expiry past any date) gets a reason; the chat goes on.
    const before = first.output.length;
    first.type("/alert AAPL above 200 expires 9999999999d");
    await first.waitFor(/far too long[\s\S]*Example: /, 30_000, before);
    // What the user typed comes back quoted in a refusal, with no escape sequence reaching the terminal.
    const quoted = first.output.length;
    first.type("/alert AAPL above 200 \u001b[2J\u001b]0;owned\u0007");
    await first.waitFor(/don't understand "\\u\{1b\}\[2J/, 30_000, quoted);
    expect(first.output.slice(quoted)).not.toContain("\u001b");
    expect(first.output.slice(quoted)).not.toContain("\u0007");

    // The percent alert fires on the moving simulated price and is printed into the chat.
    await first.waitFor(
      /🔔 AAPL moved (up|down) 0\.1% from the price when set\nPrice: \$[\d,.]+( \(reached \$[\d,.]+\))? · \d{4}-\d\d-\d\d \d\d:\d\d UTC\nLevel: \$[\d,.]+\nMove: [+-]\$[\d,.]+ \([+-][\d.]+%\) since it was set/,
    );
    // The end of the input (Ctrl-D): a goodbye, then the whole process stops in order and exits cleanly.
    // (A dry run's line may still come in before the end is read: it follows a confirmation by up to 10 s.)
    const ending = first.output.length;
    expect(await first.endInput()).toBe(0);
    const afterEnd = first.output.slice(ending);
    expect(afterEnd).toMatch(/\nGoodbye! Your alerts are kept for the next start\.\n$/);
    expect(afterEnd.replace(/\n✅ [^\n]+\n {3}(It would|In the)[^\n]+\n> /g, "")).toBe(
      "\nGoodbye! Your alerts are kept for the next start.\n",
    );
    // Through a pipe there is no line editing to announce.
    expect(first.output).not.toMatch(/Tab completes/);

    const second = new ConsoleSession();
    await second.waitFor(/Tickerbell is running/);
    const mark = second.output.length;
    second.type("/alerts");
    const listing = await second.waitFor(/Your alerts \(\d+\)[\s\S]*?\n> /, 30_000, mark);
    expect(listing).toContain("MSFT above $9,000.00");
    expect(listing).toContain("long shot");
    // The fired one-shot alert is done, so it is no longer listed.
    expect(listing).not.toContain("AAPL");

    // Forty commands pasted at once are all answered: the allowance (60 a minute) counts commands, not the
    // two or more requests each one makes.
    const pasted = second.output.length;
    second.type(Array.from({ length: 40 }, (_, i) => `/alert MSFT above ${9100 + i}`).join("\n"));
    await second.waitFor(/MSFT above \$9,139\.00/, 60_000, pasted);
    const answers = second.output.slice(pasted);
    expect(answers.match(/✅ Alert set: MSFT above/g)?.length, answers).toBe(40);
    expect(answers).not.toMatch(/too fast/);

    // The commands that were buttons only: typed on the console, which has none.
    const typed = second.output.length;
    second.type("/alerts");
    await second.waitFor(/Your alerts \(41\)/, 30_000, typed);
    second.type("/snooze 1 30m");
    await second.waitFor(
      /Snoozed for 30m: MSFT above \$9,000\.00 · .*snoozed until \d{4}-\d\d-\d\d \d\d:\d\d UTC \(in 30 minutes\)/,
      30_000,
      typed,
    );
    second.type("/rearm 1");
    await second.waitFor(/Re-armed: MSFT above \$9,000\.00/, 30_000, typed);
    second.type("/alrt MSFT above 9500");
    await second.waitFor(/Did you mean \/alert\?/, 30_000, typed);
    second.type("/alert MSFT above 9600 9700 9800");
    // Each level with its dry run's line under it when the history answered within the budget.
    await second.waitFor(
      /✅ 3 alerts set on MSFT\n✅ MSFT above \$9,600\.00\n( {3}[^\n]+\n)?✅ MSFT above \$9,700\.00\n( {3}[^\n]+\n)?✅ MSFT above \$9,800\.00\n/,
      30_000,
      typed,
    );

    // Issue 14 items 5 and 6: an alert edited in place, and the bulk commands with their yes/no line.
    const edits = second.output.length;
    second.type("/alerts");
    await second.waitFor(/Your alerts \(44\)/, 30_000, edits);
    second.type("/edit 1 above 9050");
    await second.waitFor(
      /✏️ Changed: MSFT above \$9,050\.00 · “long shot”\nWas above \$9,000\.00; armed again at the new level\.\nMSFT is at \$[\d,.]+ now\./,
      30_000,
      edits,
    );
    second.type("/delete MSFT");
    await second.waitFor(
      /Delete all 44 MSFT alerts\?\n• MSFT above \$9,050\.00 · “long shot”\n[\s\S]*…and 29 more\nType yes or no\.\n> /,
      30_000,
      edits,
    );
    second.type("no");
    await second.waitFor(/Kept your 44 MSFT alerts; nothing was deleted\./, 30_000, edits);
    second.type("/pause all");
    await second.waitFor(/⏸ Paused 44 alerts\./, 30_000, edits);
    second.type("/delete all");
    await second.waitFor(/Delete all 44 of your alerts\?[\s\S]*Type yes or no\./, 30_000, edits);
    second.type("yes");
    await second.waitFor(/🗑 Deleted 44 alerts\./, 30_000, edits);
    second.type("/alerts");
    await second.waitFor(/You have no alerts yet/, 30_000, edits);
    const quitting = second.output.length;
    expect(await second.quit()).toBe(0);
    expect(second.output.slice(quitting)).toMatch(/Goodbye! Your alerts are kept for the next start\.\n$/);
  }, 180_000);

  it("answers every line of a script piped in, then stops at its end", async () => {
    const scripted = new ConsoleSession();
    // The whole script and its end arrive before the chat even starts, as with `… | npm start`.
    scripted.child.stdin?.end("/price AAPL\n/watch NFLX\n/watchlist\n");
    expect(await scripted.exited()).toBe(0);
    expect(scripted.output).toMatch(
      /\n> AAPL [^\n]*\$[\d,.]+[^\n]*\n> 👀 Watching NFLX\.\n> [^\n]*\nNFLX \$[\d,.]+[^\n]*\n> \nGoodbye! Your alerts are kept for the next start\.\n/,
    );
  }, 120_000);
});
