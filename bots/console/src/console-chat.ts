import { createInterface, type Interface } from "node:readline";
import type { ChatContext, CommandHandler, Reply } from "@tickerbell/bot-core";
import { escapeUnsafeCharacters } from "@tickerbell/contracts";

export interface ConsoleChatOptions {
  handler: CommandHandler;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** The local user: the console is a single-user chat. */
  user: ChatContext;
}

/**
 * A terminal chat that speaks the same commands as the Telegram and Discord bots, so a newcomer can try
 * Tickerbell with no tokens at all. Lines are handled one at a time, in order.
 */
export class ConsoleChat {
  private readonly options: ConsoleChatOptions;
  private lines: Interface | null = null;
  private queue: Promise<void> = Promise.resolve();
  private closedResolve: (() => void) | null = null;
  readonly closed: Promise<void>;

  constructor(options: ConsoleChatOptions) {
    this.options = options;
    this.closed = new Promise((resolve) => {
      this.closedResolve = resolve;
    });
  }

  start(): void {
    const lines = createInterface({ input: this.options.input, terminal: false });
    this.lines = lines;
    this.prompt();
    lines.on("line", (line) => {
      // One line's failure (the handler never throws; writing might) must not stop the chat or the process.
      this.queue = this.queue
        .then(() => this.handleLine(line))
        .catch(() => {
          this.options.output.write("Sorry, something went wrong with that line.\n");
          this.prompt();
        });
    });
    lines.on("close", () => {
      void this.queue.then(() => this.closedResolve?.());
    });
  }

  /** Prints something that happened outside a command (a notification), then the prompt again. */
  print(text: string): void {
    this.options.output.write(`\n${terminalSafe(text)}\n`);
    this.prompt();
  }

  stop(): void {
    this.lines?.close();
  }

  private async handleLine(line: string): Promise<void> {
    const text = line.trim();
    if (text.length === 0) return this.prompt();
    if (text === "/quit" || text === "/exit") {
      this.stop();
      return;
    }
    const reply = await this.options.handler.handleText(
      this.options.user,
      text.startsWith("/") ? text : `/${text}`,
    );
    this.options.output.write(`${renderReply(reply)}\n`);
    this.prompt();
  }

  private prompt(): void {
    this.options.output.write("> ");
  }
}

/** Console rendering: the light `*bold*` markup becomes plain text; buttons are left out (commands do the same). */
export function renderReply(reply: Reply): string {
  return terminalSafe(reply.text.replace(/\*([^*\n]+)\*/g, "$1"));
}

/**
 * Text as the terminal may show it: control characters, bidi overrides and line separators (a reply can quote
 * what the user typed) are written as visible escapes like \u{1b}, so no escape sequence reaches the terminal.
 * The replies' own line breaks and tabs stay.
 */
export function terminalSafe(text: string): string {
  return escapeUnsafeCharacters(text, "\n\t");
}
