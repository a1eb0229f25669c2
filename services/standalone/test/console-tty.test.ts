import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import xterm from "@xterm/headless";
import { afterAll, describe, expect, it } from "vitest";
import { consoleOnlyEnv } from "./console-only-env.ts";

// `npm start` on a terminal, as a newcomer sees it: the process runs on a pseudo-terminal (util-linux `script`
// allocates one, no native module needed), keys go in as a terminal sends them, and the test reads the screen
// of a terminal emulator (xterm.js, headless) fed with everything the process printed.
const MAIN = join(import.meta.dirname, "..", "src", "main.ts");
const dataDir = mkdtempSync(join(tmpdir(), "tickerbell-tty-"));
const COLS = 100;

const KEY = { tab: "\t", enter: "\r", ctrlD: "\x04" } as const;

class TerminalRun {
  readonly child: ChildProcess;
  private readonly term = new xterm.Terminal({ cols: COLS, rows: 50, allowProposedApi: true });
  private parsed: Promise<void> = Promise.resolve();
  raw = "";

  constructor() {
    // The pty gets a size, as a terminal window has one; `exec` leaves node alone on it.
    const command = `stty cols ${COLS} rows 50 && exec ${JSON.stringify(process.execPath)} ${JSON.stringify(MAIN)}`;
    this.child = spawn("script", ["--quiet", "--flush", "--return", "--command", command, "/dev/null"], {
      env: consoleOnlyEnv(dataDir, {
        SIMULATION_SPEED: "600",
        CONSOLE_HISTORY_FILE: "",
        TERM: "xterm-256color",
      }),
      stdio: ["pipe", "pipe", "pipe"],
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.on("data", (chunk: Buffer) => {
        const text = String(chunk);
        this.raw += text;
        this.parsed = this.parsed.then(() => new Promise<void>((resolve) => this.term.write(text, resolve)));
      });
    }
  }

  press(keys: string): void {
    this.child.stdin?.write(keys);
  }

  /** The screen down to the cursor's row, a line as the user reads it (a wrapped line's rows joined). */
  async screen(): Promise<string[]> {
    await this.parsed;
    const buffer = this.term.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y <= buffer.baseY + buffer.cursorY; y++) {
      const row = buffer.getLine(y);
      const text = row?.translateToString(buffer.getLine(y + 1)?.isWrapped !== true) ?? "";
      if (row?.isWrapped && lines.length > 0) lines[lines.length - 1] += text;
      else lines.push(text);
    }
    return lines;
  }

  async waitFor(check: (lines: string[]) => boolean, what: string, timeoutMs = 60_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lines = await this.screen();
      if (check(lines)) return lines;
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(`the screen never showed ${what}:\n${lines.join("\n")}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  exited(): Promise<number | null> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) resolve(this.child.exitCode);
      else this.child.once("exit", (code) => resolve(code));
    });
  }
}

let run: TerminalRun | undefined;
afterAll(() => {
  if (run && run.child.exitCode === null) run.child.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

// `script` is util-linux's, on every Linux this project runs on; without it there is no pty to drive.
const haveScript = (() => {
  try {
    execFileSync("script", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

describe.runIf(haveScript || process.env.CI === "true")("npm start on a terminal (console chat)", () => {
  it("edits and completes lines, keeps a half-typed line whole under a notification, and says goodbye on Ctrl-D", async () => {
    run = new TerminalRun();
    const banner = await run.waitFor(
      (lines) => lines.some((l) => /Tickerbell is running/.test(l)) && lines.at(-1) === "> ",
      "the banner and the prompt",
    );
    expect(banner).toContain(
      "Tab completes commands and tickers; the up and down arrows bring back earlier lines.",
    );

    // Tab completes the command name, then a ticker from the pricing service's symbol search.
    run.press(`/ale${KEY.tab}`);
    await run.waitFor((lines) => lines.at(-1) === "> /alert", "/ale completed to /alert");
    run.press(` aap${KEY.tab}`);
    await run.waitFor((lines) => lines.at(-1) === "> /alert AAPL ", "aap completed to AAPL");

    // An alert that fires within seconds on the fast simulated market, and the next command half typed at once.
    run.press(`move 0.1%${KEY.enter}/price MSF`);
    const lines = await run.waitFor(
      (shown) => shown.some((l) => l.startsWith("🔔 AAPL")) && shown.at(-1) === "> /price MSF",
      "the notification, and the half-typed line below it",
    );
    expect(lines.some((l) => /Alert set: AAPL moves 0\.1%/.test(l))).toBe(true);
    // The notification has its own lines: nothing typed got mixed into them.
    const bell = lines.findIndex((l) => l.startsWith("🔔 AAPL"));
    expect(lines.slice(bell, -1).some((l) => l.includes("/price") || l.includes("MSF"))).toBe(false);
    expect(lines[bell - 1]).not.toMatch(/MSF/);

    run.press(`T${KEY.enter}`);
    await run.waitFor(
      (shown) => shown.some((l) => /MSFT.*\$[\d,]+\.\d\d/.test(l)) && shown.at(-1) === "> ",
      "MSFT's price",
    );

    // Ctrl-D at the empty prompt: goodbye, and the whole process stops in order and exits cleanly.
    run.press(KEY.ctrlD);
    await run.waitFor((shown) => shown.some((l) => l.startsWith("Goodbye!")), "the goodbye");
    expect(await run.exited()).toBe(0);
    expect(readFileSync(join(dataDir, "tickerbell.log"), "utf8")).toMatch(/"reason":"console closed"/);
    // The lines typed are kept for the up arrow of the next start (CONSOLE_HISTORY_FILE's default, in DATA_DIR).
    expect(readFileSync(join(dataDir, "console-history"), "utf8")).toBe(
      "/alert AAPL move 0.1%\n/price MSFT\n",
    );
  }, 180_000);
});
