import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { clearScreenDown, createInterface, cursorTo, type Interface, moveCursor } from "node:readline";
import type { ChatContext, CommandHandler, Reply } from "@tickerbell/bot-core";
import { escapeUnsafeCharacters } from "@tickerbell/contracts";
import { ConsoleCompleter, type TickerSource } from "./completion.ts";
import { importFileAt, saveChart, saveExport } from "./files.ts";

export interface ConsoleChatOptions {
  handler: CommandHandler;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** The local user: the console is a single-user chat. */
  user: ChatContext;
  /**
   * Line editing, history and Tab completion (a terminal), or plain lines (a pipe, a script). Default: on when
   * both input and output are terminals.
   */
  terminal?: boolean;
  /** Where Tab finds tickers (the user's alerts and watchlist, symbol search); none: commands only. */
  tickers?: TickerSource;
  /** A file that keeps the typed lines across runs; none: history lasts the session. */
  historyFile?: string;
  /** Lines kept in the history (default 500). */
  historySize?: number;
  /** Where /export writes its file (default ./data/exports). */
  exportDir?: string;
  /** Where /chart writes its picture (default ./data/charts). */
  chartDir?: string;
}

const PROMPT = "> ";
const GOODBYE = "Goodbye! Your alerts are kept for the next start.";
const DEFAULT_HISTORY_SIZE = 500;

/**
 * A terminal chat that speaks the same commands as the Telegram and Discord bots, so a newcomer can try
 * Tickerbell with no tokens at all. Lines are handled one at a time, in order.
 *
 * On a terminal it edits lines with node:readline (arrow keys, history, Tab completion), and whatever is printed
 * while the user types (a reply, a notification) goes above the line being typed, which is drawn again below
 * it as it was, cursor included. Through a pipe it reads plain lines and prints a prompt after each answer.
 */
export class ConsoleChat {
  readonly #options: ConsoleChatOptions;
  /** Line editing is on: arrow keys, history and Tab completion (a terminal, not a pipe). */
  readonly lineEditing: boolean;
  readonly #completer: ConsoleCompleter;
  #lines: Interface | null = null;
  #queue: Promise<void> = Promise.resolve();
  /** Lines taken in and not yet answered: on a terminal no prompt is shown while any is (typing ahead is echoed). */
  #unanswered = 0;
  #quitting = false;
  #isClosed = false;
  /** The yes/no question the last reply asked (the console has no buttons): the next line may answer it. */
  #question: NonNullable<Reply["confirm"]> | null = null;
  #closedResolve: (() => void) | null = null;
  readonly closed: Promise<void>;

  constructor(options: ConsoleChatOptions) {
    this.#options = options;
    this.lineEditing = options.terminal ?? (isTerminal(options.input) && isTerminal(options.output));
    this.#completer = new ConsoleCompleter(options.tickers ?? null, options.user.platformUserId);
    this.closed = new Promise((resolve) => {
      this.#closedResolve = resolve;
    });
  }

  start(): void {
    const { input, output } = this.#options;
    const lines = this.lineEditing
      ? createInterface({
          input,
          output,
          terminal: true,
          prompt: PROMPT,
          history: this.#loadHistory(),
          historySize: this.#options.historySize ?? DEFAULT_HISTORY_SIZE,
          removeHistoryDuplicates: true,
          completer: (line: string, done: (error: null, result: [string[], string]) => void) => {
            // readline waits for this answer with the input paused: there is always one.
            void this.#completer.complete(line).then(
              (result) => done(null, result),
              () => done(null, [[], line]),
            );
          },
        })
      : createInterface({ input, terminal: false });
    this.#lines = lines;
    if (this.lineEditing) {
      lines.on("history", (history: string[]) => this.#saveHistory(history));
      // Ctrl-C drops the half-typed line, as in a shell; on an empty line it leaves, as Ctrl-D does.
      lines.on("SIGINT", () => {
        if (lines.line.length === 0) {
          lines.close();
          return;
        }
        lines.write(null, { ctrl: true, name: "e" });
        lines.write(null, { ctrl: true, name: "u" });
      });
    }
    this.#prompt();
    lines.on("line", (line) => {
      this.#unanswered += 1;
      // Nothing shown on the line below until the answer comes (the prompt returns after it).
      if (this.lineEditing) lines.setPrompt("");
      // One line's failure (the handler never throws; writing might) must not stop the chat or the process.
      this.#queue = this.#queue
        .then(() => this.#handleLine(line))
        .catch(() => this.#show("Sorry, something went wrong with that line."))
        .finally(() => {
          this.#unanswered -= 1;
          this.#completer.forget();
          this.#prompt();
        });
    });
    lines.on("close", () => {
      this.#isClosed = true;
      void this.#queue.then(() => {
        // The cursor is after a prompt, except on a terminal after /quit (whose Enter ended the line).
        const afterPrompt = !this.lineEditing || !this.#quitting;
        this.#options.output.write(`${afterPrompt ? "\n" : ""}${GOODBYE}\n`);
        this.#closedResolve?.();
      });
    });
  }

  /** Prints something that happened outside a command (a notification), then the prompt again. */
  print(text: string): void {
    if (this.#interactive()) {
      this.#show(text);
      return;
    }
    this.#options.output.write(`\n${terminalSafe(text)}\n`);
    this.#prompt();
  }

  stop(): void {
    this.#lines?.close();
  }

  async #handleLine(line: string): Promise<void> {
    const text = line.trim();
    // Lines after /quit are left; lines before the end of the input are all answered (`… | npm start`).
    if (text.length === 0 || this.#quitting) return;
    if (text === "/quit" || text === "/exit") {
      this.#quitting = true;
      this.stop();
      return;
    }
    const question = this.#question;
    this.#question = null;
    const answer = question === null ? null : yesOrNo(text);
    // A yes or no answers the question as its button would; any other line is a command, and drops it.
    // `/import <path>`: the console's file is a path on this machine.
    const importPath = /^\/?import\s+(.+)$/i.exec(text)?.[1];
    let reply =
      question !== null && answer !== null
        ? await this.#options.handler.handleAction(this.#options.user, answer ? question.yes : question.no)
        : importPath !== undefined
          ? await this.#options.handler.handleImport(this.#options.user, importFileAt(importPath))
          : await this.#options.handler.handleText(
              this.#options.user,
              text.startsWith("/") ? text : `/${text}`,
            );
    if (reply.file !== undefined) reply = saveExport(reply, this.#options.exportDir ?? "./data/exports");
    if (reply.image !== undefined) reply = saveChart(reply, this.#options.chartDir ?? "./data/charts");
    this.#question = reply.confirm ?? null;
    this.#show(renderReply(reply), { safe: true });
    // What came after the reply's budget (a new alert's dry run) follows it, as a notification would.
    void reply.amended?.then((amendment) => {
      if (amendment !== null && !this.#isClosed) this.print(amendment.added);
    });
  }

  /**
   * Writes `text` on lines of its own. On a terminal the line being typed is taken off the screen first and
   * drawn again below, as it was: the text never lands in the middle of it.
   */
  #show(text: string, { safe = false }: { safe?: boolean } = {}): void {
    const shown = safe ? text : terminalSafe(text);
    const lines = this.#lines;
    if (!this.#interactive() || !lines) {
      this.#options.output.write(`${shown}\n`);
      return;
    }
    const output = this.#options.output;
    // Up to the row the prompt is on (a long line wraps over several), and clear from there down.
    moveCursor(output, 0, -lines.getCursorPos().rows);
    cursorTo(output, 0);
    clearScreenDown(output);
    output.write(`${shown}\n`);
    // readline draws the line again from as many rows up as it last drew it over: give it those rows here.
    output.write("\n".repeat(drawnRows(lines)));
    lines.prompt(true);
  }

  /**
   * The prompt: through a pipe after every answer, as it always was; on a terminal once no line waits for its
   * answer (while one does, the prompt would only sit between the answers).
   */
  #prompt(): void {
    if (this.#isClosed) return;
    if (!this.#interactive()) {
      this.#options.output.write(PROMPT);
      return;
    }
    if (this.#unanswered > 0) return;
    this.#lines?.setPrompt(PROMPT);
    this.#lines?.prompt(true);
  }

  /** Line editing is on: a terminal whose readline is open. */
  #interactive(): boolean {
    return this.lineEditing && this.#lines !== null && !this.#isClosed;
  }

  /** The history file's lines, newest first as readline wants them; none when there is no file yet. */
  #loadHistory(): string[] {
    const file = this.#options.historyFile;
    if (!file) return [];
    try {
      const lines = readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l.trim().length > 0);
      return lines.slice(-(this.#options.historySize ?? DEFAULT_HISTORY_SIZE)).reverse();
    } catch {
      return [];
    }
  }

  /** Keeps the history (newest first) in the file, oldest line first; a failure only loses the history. */
  #saveHistory(history: string[]): void {
    const file = this.#options.historyFile;
    if (!file) return;
    try {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(
        file,
        history
          .toReversed()
          .map((l) => `${l}\n`)
          .join(""),
        { mode: 0o600 },
      );
    } catch {
      // The chat goes on without a saved history.
    }
  }
}

function isTerminal(stream: NodeJS.ReadableStream | NodeJS.WritableStream): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}

/**
 * How many rows above the cursor readline believes the prompt starts (its `prevRows`, which it moves up by when
 * it draws the line again); the cursor's row when a readline does not say.
 */
function drawnRows(lines: Interface): number {
  const prevRows = (lines as unknown as { prevRows?: unknown }).prevRows;
  return typeof prevRows === "number" ? prevRows : lines.getCursorPos().rows;
}

/**
 * Console rendering: the light `*bold*` markup becomes plain text; buttons are left out (commands do the same),
 * and a yes/no question asks for the answer as a line.
 */
export function renderReply(reply: Reply): string {
  const text = terminalSafe(reply.text.replace(/\*([^*\n]+)\*/g, "$1"));
  return reply.confirm ? `${text}\nType yes or no.` : text;
}

/** true for yes, false for no, null for anything else. */
function yesOrNo(line: string): boolean | null {
  const word = line.trim().toLowerCase().replace(/^\//, "");
  if (["y", "yes", "yep", "sure", "ok"].includes(word)) return true;
  if (["n", "no", "nope", "cancel"].includes(word)) return false;
  return null;
}

/**
 * Text as the terminal may show it: control characters, bidi overrides and line separators (a reply can quote
 * what the user typed) are written as visible escapes like \u{1b}, so no escape sequence reaches the terminal.
 * The replies' own line breaks and tabs stay.
 */
export function terminalSafe(text: string): string {
  return escapeUnsafeCharacters(text, "\n\t");
}
