/**
 * RFC 4180 CSV, small and strict: the reader takes CRLF or LF line ends and a UTF-8 BOM, and says which line is
 * wrong instead of guessing. A spreadsheet opening an exported file must not run a cell as a formula, so every
 * cell is guarded (OWASP "CSV injection") and unguarded again on import.
 */

export interface CsvRow {
  /** The line the row starts on, from 1 (a quoted cell may span lines). */
  line: number;
  cells: string[];
}

export type CsvRead = { ok: true; rows: CsvRow[] } | { ok: false; line: number; message: string };

/** The characters a spreadsheet reads a cell starting with as a formula (OWASP). */
const FORMULA_START = /^[=+\-@\t\r]/;
/** A guarded cell: apostrophes in front of a formula start. One more is added and taken off, so any text round-trips. */
const GUARDED = /^'+[=+\-@\t\r]/;

export function guardFormula(cell: string): string {
  return FORMULA_START.test(cell) || GUARDED.test(cell) ? `'${cell}` : cell;
}

export function unguardFormula(cell: string): string {
  return GUARDED.test(cell) ? cell.slice(1) : cell;
}

/** Rows to CSV text: CRLF line ends, every cell guarded, quoted when it holds a comma, quote or line break. */
export function writeCsv(rows: ReadonlyArray<ReadonlyArray<string>>): string {
  return rows
    .map((row) =>
      row
        .map((raw) => {
          const cell = guardFormula(raw);
          // A row of one empty cell is written "" so it is not a blank line.
          const quote = /[",\r\n]/.test(cell) || (row.length === 1 && cell === "");
          return quote ? `"${cell.replace(/"/g, '""')}"` : cell;
        })
        .join(","),
    )
    .map((line) => `${line}\r\n`)
    .join("");
}

/** CSV text to rows. Blank lines are skipped; a quote inside an unquoted cell or left open is an error. */
export function readCsv(input: string): CsvRead {
  const text = input.startsWith("\uFEFF") ? input.slice(1) : input;
  const rows: CsvRow[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const start = line;
    if (text[i] === "\n" || (text[i] === "\r" && text[i + 1] === "\n")) {
      i += text[i] === "\r" ? 2 : 1;
      line++;
      continue;
    }
    const cells: string[] = [];
    for (;;) {
      let cell = "";
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= text.length) return { ok: false, line: start, message: "a quoted cell is never closed" };
          const ch = text[i]!;
          if (ch === '"') {
            if (text[i + 1] === '"') {
              cell += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (ch === "\n") line++;
          cell += ch;
          i++;
        }
        const next = text[i];
        if (next !== undefined && next !== "," && next !== "\n" && !(next === "\r" && text[i + 1] === "\n")) {
          return { ok: false, line, message: "text after a closing quote; quote the whole cell" };
        }
      } else {
        while (
          i < text.length &&
          text[i] !== "," &&
          text[i] !== "\n" &&
          !(text[i] === "\r" && text[i + 1] === "\n")
        ) {
          if (text[i] === '"')
            return {
              ok: false,
              line,
              message: 'a quote inside an unquoted cell; write the cell as "…" with "" for a quote',
            };
          cell += text[i];
          i++;
        }
      }
      cells.push(cell);
      if (text[i] === ",") {
        i++;
        continue;
      }
      break;
    }
    rows.push({ line: start, cells });
    if (text[i] === "\r") i++;
    if (text[i] === "\n") {
      i++;
      line++;
    }
  }
  return { ok: true, rows };
}
