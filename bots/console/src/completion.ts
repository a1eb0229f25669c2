import { randomUUID } from "node:crypto";
import { type AlertsApi, COMMAND_HELP, type PriceLookup } from "@tickerbell/bot-core";

/** Where ticker completions come from: the user's own alerts and watchlist, and the pricing service's search. */
export interface TickerSource {
  alerts: Pick<AlertsApi, "listAlerts" | "watchlist">;
  prices: Pick<PriceLookup, "search">;
}

/** readline's completer result: the candidates, and the text before the cursor they replace. */
export type Completion = [string[], string];

/** Console-only commands, completed like the others. */
const CONSOLE_COMMANDS = ["quit", "exit"] as const;

/**
 * Which words of a command are tickers: `first` = only the word after the command name, `all` = every word
 * after it (`/watch AAPL MSFT`).
 */
const TICKER_WORDS: Readonly<Record<string, "first" | "byLetter" | "all">> = {
  alert: "first",
  alerts: "first",
  history: "first",
  // `/delete AAPL`, `/pause AAPL`: every alert on a ticker (a list number or an id prefix is no ticker).
  delete: "byLetter",
  pause: "byLetter",
  resume: "byLetter",
  price: "all",
  watch: "all",
  unwatch: "all",
};

/** What a ticker being typed looks like: letters, digits, dots and dashes (a pair's `:` and `_` too), maybe after a `$`. */
const TICKER_PREFIX = /^\$?[A-Za-z0-9.:_-]*$/;

/** A lookup slower than this completes from what is known: Tab must answer while the user waits. */
const SEARCH_DEADLINE_MS = 1500;

/**
 * Tab completion for the console: command names at the start of a line, tickers where a command takes one.
 * The user's tickers are looked up once and kept until `forget()` (after each command, which may change them);
 * search answers are kept per prefix, so repeated Tabs cost the pricing service (and Finnhub's allowance) once.
 */
export class ConsoleCompleter {
  readonly #source: TickerSource | null;
  readonly #platformUserId: string;
  #ownTickers: Promise<string[]> | null = null;
  readonly #searched = new Map<string, Promise<string[]>>();

  constructor(source: TickerSource | null, platformUserId: string) {
    this.#source = source;
    this.#platformUserId = platformUserId;
  }

  /** The user's tickers may have changed (a command ran): look them up again at the next Tab. */
  forget(): void {
    this.#ownTickers = null;
  }

  /** Completes `line` (the text before the cursor). Never rejects: a failed lookup completes nothing. */
  async complete(line: string): Promise<Completion> {
    const words = line.trimStart().split(/\s+/);
    const current = words.at(-1) ?? "";
    if (words.length === 1) return [finished(completeCommand(current)), current];
    const command = (words[0] ?? "").replace(/^\//, "").toLowerCase();
    const position = TICKER_WORDS[command];
    const wordIndex = words.length - 1;
    const firstOnly = position === "first" || position === "byLetter";
    if (
      !position ||
      (firstOnly && wordIndex !== 1) ||
      !TICKER_PREFIX.test(current) ||
      (position === "byLetter" && !/^\$?[A-Za-z]/.test(current))
    ) {
      return [[], current];
    }
    const dollar = current.startsWith("$") ? "$" : "";
    const prefix = current.slice(dollar.length).toUpperCase();
    const tickers = await this.#tickers(prefix);
    return [finished(tickers.map((t) => `${dollar}${t}`)), current];
  }

  /** Tickers starting with `prefix`: the user's own first, then the rest of what search found, each once. */
  async #tickers(prefix: string): Promise<string[]> {
    const [own, found] = await Promise.all([
      this.#own(),
      prefix.length > 0 ? this.#search(prefix) : Promise.resolve([]),
    ]);
    const matching = [
      ...own.filter((t) => t.startsWith(prefix)),
      ...found.filter((t) => t.startsWith(prefix)),
    ];
    return [...new Set(matching)];
  }

  #own(): Promise<string[]> {
    const source = this.#source;
    if (!source) return Promise.resolve([]);
    if (!this.#ownTickers) {
      // One lookup counts as one command against the user's allowance, like a typed one.
      const actor = { platformUserId: this.#platformUserId, commandId: `completion-${randomUUID()}` };
      const lookup = Promise.all([
        source.alerts.listAlerts(actor, { status: "open" }),
        source.alerts.watchlist(actor),
      ]).then(([alerts, watchlist]) =>
        [...new Set([...alerts.map((a) => a.symbol), ...watchlist.items.map((i) => i.symbol)])].sort(),
      );
      this.#ownTickers = lookup;
      // A failure (the user has never used a command, the service is down) is tried again at the next Tab.
      lookup.catch(() => {
        if (this.#ownTickers === lookup) this.#ownTickers = null;
      });
    }
    return withDeadline(this.#ownTickers, []);
  }

  #search(prefix: string): Promise<string[]> {
    const source = this.#source;
    if (!source) return Promise.resolve([]);
    let found = this.#searched.get(prefix);
    if (!found) {
      const lookup = source.prices.search(prefix).then((matches) => matches.map((m) => m.symbol));
      found = lookup;
      this.#searched.set(prefix, lookup);
      lookup.catch(() => this.#searched.delete(prefix));
    }
    return withDeadline(found, []);
  }
}

/** The command names (with their `/`, as typed) starting with `typed`; without a `/` typed, without one. */
export function completeCommand(typed: string): string[] {
  const slash = typed.startsWith("/") ? "/" : "";
  const prefix = typed.slice(slash.length).toLowerCase();
  const names = [...COMMAND_HELP.map((c) => c.name), ...CONSOLE_COMMANDS];
  return [...new Set(names)].filter((name) => name.startsWith(prefix)).map((name) => `${slash}${name}`);
}

/** A single candidate is the word complete: a space after it, ready for the next word. */
function finished(candidates: string[]): string[] {
  return candidates.length === 1 ? [`${candidates[0]} `] : candidates;
}

/** `work`'s answer, or `fallback` when it fails or takes longer than the deadline. */
async function withDeadline<T>(work: Promise<T>, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), SEARCH_DEADLINE_MS);
  });
  try {
    return await Promise.race([work.catch(() => fallback), late]);
  } finally {
    clearTimeout(timer);
  }
}
