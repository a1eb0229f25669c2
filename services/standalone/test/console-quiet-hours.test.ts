import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { consoleOnlyEnv } from "./console-only-env.ts";

// /settings, times in the user's zone and quiet hours on the console chat, through piped stdin of `npm start`'s
// process: held firings survive a restart of the whole process (bot and alert service alike, on PGlite).
const MAIN = join(import.meta.dirname, "..", "src", "main.ts");
const dataDir = mkdtempSync(join(tmpdir(), "tickerbell-standalone-quiet-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

class ConsoleSession {
  readonly child: ChildProcess;
  output = "";
  constructor() {
    this.child = spawn(process.execPath, [MAIN], {
      env: consoleOnlyEnv(dataDir, { SIMULATION_SPEED: "600", QUIET_HOURS_DIGEST_EVERY_SECONDS: "1" }),
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
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) resolve(this.child.exitCode);
      else this.child.once("exit", (code) => resolve(code));
    });
  }
}

const hhmm = (d: Date) =>
  `${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")}`;

describe("the console chat's settings and quiet hours", () => {
  it("holds a firing during quiet hours across a restart and prints one digest when they end; urgent ones go at once", async () => {
    const first = new ConsoleSession();
    await first.waitFor(/Tickerbell is running[\s\S]*chat:\s+console chat/);
    first.type("/settings");
    await first.waitFor(/Time zone: UTC \(the default; set yours with \/settings tz Europe\/Berlin\)/);
    // Quiet from a few minutes ago until well after the test (UTC: no zone set yet).
    const now = new Date();
    const quiet = `${hhmm(new Date(now.getTime() - 5 * 60_000))}-${hhmm(new Date(now.getTime() + 120 * 60_000))}`;
    first.type(`/settings quiet ${quiet}`);
    await first.waitFor(/✅ Quiet hours set: .* — on now\./s);
    first.type("/alert AAPL move 0.1%");
    await first.waitFor(/✅ Alert set: AAPL moves 0\.1%/);
    first.type("/alert MSFT move 0.1% urgent");
    await first.waitFor(/✅ Alert set: MSFT moves 0\.1%.* · urgent: notifies even in quiet hours/);

    // The urgent alert notifies in quiet hours; the other fires (it is in /history) but is not printed.
    await first.waitFor(/🔔 MSFT moved (up|down) 0\.1%/, 90_000);
    for (;;) {
      const mark = first.output.length;
      first.type("/history AAPL");
      const answer = await first.waitFor(
        /(No alert of yours on AAPL has fired yet\.|Last firings on AAPL[^\n]*\n[^\n]+)/,
        30_000,
        mark,
      );
      if (answer.startsWith("Last firings")) {
        expect(answer).toMatch(/\(\d{4}-\d\d-\d\d \d\d:\d\d UTC\)$/);
        break;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(first.output).not.toMatch(/🔔 AAPL/);
    expect(await first.quit()).toBe(0);

    // A restart of the whole process: the held firing is in the database, not in memory.
    const second = new ConsoleSession();
    await second.waitFor(/Tickerbell is running/);
    second.type("/settings tz Europe/Berlin");
    await second.waitFor(/✅ Time zone set to Europe\/Berlin\./);
    expect(second.output).not.toMatch(/🌙|🔔 AAPL/);
    const mark = second.output.length;
    second.type("/settings quiet off");
    await second.waitFor(/✅ Quiet hours off/, 30_000, mark);
    const digest = await second.waitFor(
      /🌙 1 alert fired during your quiet hours\n[^\n]*\n[^\n]*/,
      30_000,
      mark,
    );
    expect(digest).toMatch(
      /^🌙 1 alert fired during your quiet hours\nAAPL\n {2}moves 0\.1% from the price when set — \$[\d,.]+ · \d{4}-\d\d-\d\d \d\d:\d\d GMT\+[12]$/,
    );
    // Once: a few more passes of the digest loop print nothing more.
    second.type("/settings");
    await second.waitFor(/Quiet hours: off/, 30_000, mark);
    await new Promise((r) => setTimeout(r, 3000));
    expect(second.output.slice(mark).match(/🌙/g)).toHaveLength(1);
    expect(second.output).not.toMatch(/🔔 AAPL/);
    expect(await second.quit()).toBe(0);
  }, 240_000);
});
