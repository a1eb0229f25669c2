import {
  ExportedAlertSchema,
  ImportFileEnvelopeSchema,
  MAX_IMPORT_BYTES,
  MAX_IMPORT_ROWS,
  TRANSFER_CSV_COLUMNS,
  type TransferCsvColumn,
} from "@tickerbell/contracts";
import type { z } from "zod";
import type { AlertCommand } from "../grammar/commands.ts";
import { parseAlertTokens } from "../grammar/parse.ts";
import { normalizeInput, type Token, tokenize } from "../grammar/tokens.ts";
import { readSymbol } from "../grammar/values.ts";
import { readCsv, unguardFormula } from "./csv.ts";

/** One line (CSV) or entry (JSON) of an import file, read: what to create, or why not. */
export type ImportLine =
  | { label: string; kind: "alert"; command: AlertCommand; paused: boolean }
  | { label: string; kind: "watch"; symbol: string }
  | { label: string; kind: "refused"; why: string };

export type ImportRead =
  | { ok: true; format: "csv" | "json"; lines: ImportLine[] }
  | { ok: false; message: string };

const COLUMNS_LIST = TRANSFER_CSV_COLUMNS.join(", ");
const REQUIRED_COLUMNS: TransferCsvColumn[] = ["type", "symbol", "condition"];

/**
 * Reads an import file: refuses the whole of it when it is not a file /import can read (too large, binary, not
 * UTF-8, broken CSV or JSON, wrong columns), else says per line what it holds. Each alert line is read by the
 * same grammar as a typed `/alert`.
 */
export function readImportFile(bytes: Uint8Array, name: string, now: Date): ImportRead {
  if (bytes.byteLength > MAX_IMPORT_BYTES)
    return refuse(
      `That file is ${formatBytes(bytes.byteLength)}; /import takes files up to ${formatBytes(MAX_IMPORT_BYTES)}.`,
    );
  if (bytes.byteLength === 0) return refuse("That file is empty.");
  if (bytes.includes(0)) return refuse(`That file is binary, not text. ${WHAT_IMPORT_READS}`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return refuse(
      `That file is not UTF-8 text (a spreadsheet saves it as "CSV UTF-8"). ${WHAT_IMPORT_READS}`,
    );
  }
  text = text.replace(/^\uFEFF/, "");
  const json = /\.json$/i.test(name) || /^\s*[{[]/.test(text);
  return json ? readJson(text, now) : readCsvFile(text, now);
}

const WHAT_IMPORT_READS = "/import reads the CSV or JSON file /export writes.";

function refuse(message: string): ImportRead {
  return { ok: false, message };
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

function readCsvFile(text: string, now: Date): ImportRead {
  const read = readCsv(text);
  if (!read.ok) return refuse(`Line ${read.line} of the file: ${read.message}.`);
  const [header, ...rows] = read.rows;
  if (header === undefined) return refuse("That file is empty.");
  const names = header.cells.map((cell) => unguardFormula(cell).trim().toLowerCase());
  const separator = names.length === 1 ? /[;\t|]/.exec(names[0] ?? "")?.[0] : undefined;
  if (separator !== undefined)
    return refuse(
      `The cells of line ${header.line} are separated by ${separator === "\t" ? "tabs" : `"${separator}"`}; /import reads comma-separated files (a spreadsheet saves them as "CSV UTF-8").`,
    );
  // A column without a name (a spreadsheet's trailing comma) is left unread.
  const unknown = names.filter((n) => n !== "" && !(TRANSFER_CSV_COLUMNS as readonly string[]).includes(n));
  if (unknown.length > 0) {
    const shown = unknown.map((n) => `"${n.slice(0, 30)}"`).join(", ");
    return refuse(
      `Line ${header.line} should name the columns; ${unknown.length === 1 ? "this one is" : "these are"} not known: ${shown}. The columns are: ${COLUMNS_LIST}.`,
    );
  }
  const twice = names.filter((n, i) => n !== "" && names.indexOf(n) !== i);
  if (twice.length > 0) return refuse(`The column "${twice[0]}" is named twice in line ${header.line}.`);
  const missing = REQUIRED_COLUMNS.filter((c) => !names.includes(c));
  if (missing.length > 0)
    return refuse(
      `The file has no ${missing.map((c) => `"${c}"`).join(", ")} column. The columns are: ${COLUMNS_LIST}.`,
    );
  if (rows.length > MAX_IMPORT_ROWS)
    return refuse(`That file has ${rows.length} lines; /import takes at most ${MAX_IMPORT_ROWS} at once.`);
  const lines = rows.map((row): ImportLine => {
    const label = `line ${row.line}`;
    if (row.cells.length !== names.length)
      return {
        label,
        kind: "refused",
        why: `${row.cells.length} cells where the header has ${names.length}`,
      };
    const cell = (column: TransferCsvColumn) => {
      const at = names.indexOf(column);
      return at < 0 ? "" : unguardFormula(row.cells[at] ?? "").trim();
    };
    const type = cell("type").toLowerCase();
    if (type === "watch") return watchLine(label, cell("symbol"));
    if (type !== "alert")
      return { label, kind: "refused", why: `type is alert or watch, not "${cell("type").slice(0, 20)}"` };
    const flags = { rth: yesNo(cell("rth"), "rth"), urgent: yesNo(cell("urgent"), "urgent") };
    const status = cell("status").toLowerCase();
    if (status !== "" && status !== "active" && status !== "paused")
      return {
        label,
        kind: "refused",
        why: `status is active or paused, not "${cell("status").slice(0, 20)}"`,
      };
    for (const [, flag] of Object.entries(flags))
      if (typeof flag === "string") return { label, kind: "refused", why: flag };
    return alertLine(label, now, {
      symbol: cell("symbol"),
      condition: cell("condition"),
      repeat: cell("repeat"),
      expires: cell("expires"),
      note: cell("note"),
      rth: flags.rth === true,
      urgent: flags.urgent === true,
      paused: status === "paused",
    });
  });
  return { ok: true, format: "csv", lines };
}

/** `yes`/`no` and their usual spellings; a string is the refusal. */
function yesNo(value: string, column: string): boolean | string {
  const v = value.toLowerCase();
  if (["", "no", "n", "false", "0"].includes(v)) return false;
  if (["yes", "y", "true", "1", "x"].includes(v)) return true;
  return `${column} is yes or no, not "${value.slice(0, 20)}"`;
}

function readJson(text: string, now: Date): ImportRead {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return refuse(`That file is not valid JSON (${(error as Error).message.slice(0, 120)}).`);
  }
  const envelope = ImportFileEnvelopeSchema.safeParse(parsed);
  if (!envelope.success) return refuse(`That JSON is not an export file: ${describeIssues(envelope.error)}.`);
  const { alerts, watchlist } = envelope.data;
  if (alerts.length + watchlist.length > MAX_IMPORT_ROWS)
    return refuse(
      `That file has ${alerts.length + watchlist.length} entries; /import takes at most ${MAX_IMPORT_ROWS} at once.`,
    );
  const lines: ImportLine[] = alerts.map((item, i): ImportLine => {
    const label = `alert ${i + 1}`;
    const alert = ExportedAlertSchema.safeParse(item);
    if (!alert.success) return { label, kind: "refused", why: describeIssues(alert.error) };
    const a = alert.data;
    return alertLine(label, now, {
      symbol: a.symbol,
      condition: a.condition,
      repeat: a.repeat ?? "",
      expires: a.expires ?? "",
      note: a.note ?? "",
      rth: a.rth,
      urgent: a.urgent,
      paused: a.status === "paused",
    });
  });
  watchlist.forEach((item, i) => {
    const label = `watchlist ${i + 1}`;
    lines.push(
      typeof item === "string"
        ? watchLine(label, item)
        : { label, kind: "refused", why: "a ticker is a string" },
    );
  });
  return { ok: true, format: "json", lines };
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => (issue.path.length > 0 ? `"${issue.path.join(".")}": ${issue.message}` : issue.message))
    .join("; ");
}

function watchLine(label: string, raw: string): ImportLine {
  const symbol = readSymbol(raw.trim());
  return symbol.ok
    ? { label, kind: "watch", symbol: symbol.value }
    : { label, kind: "refused", why: symbol.reason };
}

interface AlertFields {
  symbol: string;
  condition: string;
  repeat: string;
  expires: string;
  note: string;
  rth: boolean;
  urgent: boolean;
  paused: boolean;
}

/** The fields as the words of `/alert`, read by its grammar (the note as one quoted word: no quoting needed). */
function alertLine(label: string, now: Date, fields: AlertFields): ImportLine {
  const refused = (why: string): ImportLine => ({ label, kind: "refused", why });
  const symbol = fields.symbol.trim();
  if (symbol === "") return refused("the ticker is missing");
  if (/\s|"/.test(symbol)) return refused(`"${symbol.slice(0, 20)}" is not a ticker`);
  if (fields.condition.trim() === "") return refused("the condition is missing (like above 200)");
  if (fields.condition.includes('"')) return refused("the condition may not hold a quote");
  const words = (text: string): Token[] => tokenize(normalizeInput(text.replace(/"/g, ""))).tokens;
  const tokens: Token[] = [...words(symbol), ...words(fields.condition)];
  const repeat = fields.repeat.trim().toLowerCase();
  if (repeat !== "" && repeat !== "once" && repeat !== "no") {
    tokens.push({ text: "repeat", quoted: false });
    if (!["yes", "repeat", "true"].includes(repeat)) tokens.push(...words(fields.repeat));
  }
  if (fields.expires.trim() !== "") tokens.push({ text: "expires", quoted: false }, ...words(fields.expires));
  if (fields.note.trim() !== "")
    tokens.push({ text: "note", quoted: false }, { text: fields.note.trim(), quoted: true });
  if (fields.rth) tokens.push({ text: "rth", quoted: false });
  if (fields.urgent) tokens.push({ text: "urgent", quoted: false });
  const parsed = parseAlertTokens(tokens, now);
  if (!parsed.ok) return refused(lowerFirst(parsed.error.message));
  if (parsed.command.name === "alert-levels")
    return refused("one level per line: give each price its own line");
  return { label, kind: "alert", command: parsed.command, paused: fields.paused };
}

function lowerFirst(text: string): string {
  // "Above what price?", "A window …" (the article too), but not a ticker ("AAPL is …").
  return /^([A-Z][a-z]|A )/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text;
}
