import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { guardFormula, readCsv, unguardFormula, writeCsv } from "./csv.ts";

const cell = fc.string({
  unit: fc.constantFrom("a", "Z", " ", ",", '"', "\r", "\n", "=", "+", "-", "@", "\t", "'", "é", "1"),
});

describe("csv", () => {
  it("reads back what it writes, guard taken off, for any cells", () => {
    fc.assert(
      fc.property(fc.array(fc.array(cell, { minLength: 1, maxLength: 5 }), { maxLength: 6 }), (rows) => {
        const read = readCsv(writeCsv(rows));
        expect(read.ok).toBe(true);
        if (!read.ok) return;
        expect(read.rows.map((r) => r.cells.map(unguardFormula))).toEqual(rows);
      }),
    );
  });

  it("never writes a cell a spreadsheet would run, and unguards to the text", () => {
    fc.assert(
      fc.property(cell, (text) => {
        expect(guardFormula(text)).not.toMatch(/^[=+\-@\t\r]/);
        expect(unguardFormula(guardFormula(text))).toBe(text);
      }),
    );
    expect(writeCsv([['=HYPERLINK("x")', "+1", "@SUM(A1)", "-2", "plain"]])).toBe(
      `"'=HYPERLINK(""x"")",'+1,'@SUM(A1),'-2,plain\r\n`,
    );
  });

  it("reads LF files, a BOM, blank lines and quoted line breaks, numbering rows by their first line", () => {
    const read = readCsv('\uFEFFa,b\n\n"x\ny",z\nlast');
    expect(read).toEqual({
      ok: true,
      rows: [
        { line: 1, cells: ["a", "b"] },
        { line: 3, cells: ["x\ny", "z"] },
        { line: 5, cells: ["last"] },
      ],
    });
  });

  it("names the line of a stray or unclosed quote", () => {
    expect(readCsv('a,b\nc,d"e\n')).toMatchObject({ ok: false, line: 2 });
    expect(readCsv('a\n"open,\nx')).toMatchObject({
      ok: false,
      line: 2,
      message: "a quoted cell is never closed",
    });
    expect(readCsv('"a"b,c')).toMatchObject({ ok: false, line: 1 });
  });
});
