import type { AlertRef, Command } from "./commands.ts";
import { parseAlertRef } from "./parse.ts";
import { refuse } from "./refusal.ts";
import { readSymbol } from "./values.ts";

// `/pause all`, `/resume all`, `/delete AAPL`, `/delete all` beside `/delete 2`: the word after the verb is an
// alert (its number, its id) or a scope (every alert, or every alert of one ticker).

const ALL = new Set(["all", "everything", "*"]);

/** `/delete 2`, `/delete 3f9a1c2e` (one alert), `/delete AAPL`, `/delete all` (several). */
export function parseManyOrOne(command: "delete" | "pause" | "resume", args: string[]): Command {
  const [word, extra] = args;
  if (word !== undefined && extra === undefined) {
    if (ALL.has(word.toLowerCase())) return { name: "bulk", verb: command, symbol: null };
    const scope = tickerScope(word);
    if (scope !== null) {
      if (scope.orId === null) return { name: "bulk", verb: command, symbol: scope.symbol };
      const ref: AlertRef = { by: "id", id: scope.orId, orSymbol: scope.symbol };
      return { name: command, ref };
    }
  }
  if (word !== undefined && extra !== undefined && !/^#?\d/.test(word)) {
    refuse(`One ticker, or all, please.`, `/${command} all`);
  }
  return { name: command, ref: parseAlertRef(command, args) };
}

/**
 * A ticker the word names, when it names one rather than an alert: no digits (a list number is digits; the ids a
 * list shows nearly always have one). Letters that also make a hex id prefix (`ADBE`, `BABA`) carry that id too.
 */
function tickerScope(word: string): { symbol: string; orId: string | null } | null {
  if (/\d/.test(word)) return null;
  const read = readSymbol(word);
  if (!read.ok) return null;
  const bare = word.replace(/^\$/, "");
  const couldBeId = !word.startsWith("$") && /^[0-9a-f-]{4,36}$/i.test(bare);
  return { symbol: read.value, orId: couldBeId ? bare.toLowerCase() : null };
}
