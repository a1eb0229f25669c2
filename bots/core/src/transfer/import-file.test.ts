import { MAX_IMPORT_BYTES } from "@tickerbell/contracts";
import { describe, expect, it } from "vitest";
import { writeCsv } from "./csv.ts";
import { readImportFile } from "./import-file.ts";

const now = new Date("2026-12-03T12:00:00Z");
const bytes = (text: string) => new TextEncoder().encode(text);
const read = (text: string, name = "in.csv") => readImportFile(bytes(text), name, now);
const HEADER = "type,symbol,condition,repeat,expires,note,rth,urgent,status\r\n";

describe("reading an import file", () => {
  it("reads each alert line with the /alert grammar, options from their columns", () => {
    const file = `${HEADER}alert,aapl,above 200,1h,2026-12-31,"take, ""profit""",yes,,paused\r\nwatch,$msft,,,,,,,\r\n`;
    const result = read(file);
    expect(result).toMatchObject({
      ok: true,
      lines: [
        {
          label: "line 2",
          kind: "alert",
          paused: true,
          command: {
            symbol: "AAPL",
            condition: { kind: "price", direction: "above", target: 200 },
            repeat: { cooldownSeconds: 3600 },
            expiresAt: "2026-12-31T23:59:59.000Z",
            note: 'take, "profit"',
            regularHoursOnly: true,
          },
        },
        { label: "line 3", kind: "watch", symbol: "MSFT" },
      ],
    });
  });

  it("reads a move within a window as typed, and refuses a window out of range with the grammar's reason", () => {
    const file = `${HEADER}alert,AMD,down 2.5% within 15m,1h,,dip,,yes,\nalert,AMD,moves 3% within 2d,,,,,,\nalert,AMD,above 200 within 1h,,,,,,\n`;
    const result = read(file);
    expect(result.ok && result.lines[0]).toMatchObject({
      kind: "alert",
      command: {
        symbol: "AMD",
        condition: { kind: "window", direction: "down", percent: 2.5, windowSeconds: 900 },
        repeat: { cooldownSeconds: 3600 },
        note: "dip",
        urgent: true,
      },
    });
    expect(result.ok && result.lines.slice(1).map((l) => (l.kind === "refused" ? l.why : l.kind))).toEqual([
      "a window can be at most 1 day (1d or 24h); 2d is longer",
      expect.stringMatching(/^only a percentage move takes a window/),
    ]);
  });

  it("takes the formula guard off: a guarded condition or note reads as written", () => {
    const file = writeCsv([
      ["type", "symbol", "condition", "note"],
      ["alert", "TSLA", "-5%", "=1+1"],
      ["alert", "TSLA", "+5%", "@boss"],
    ]);
    expect(file).toContain("'-5%");
    const result = read(file);
    expect(
      result.ok && result.lines.map((l) => (l.kind === "alert" ? [l.command.condition, l.command.note] : l)),
    ).toEqual([
      [{ kind: "percent", direction: "down", percent: 5, basis: "last" }, "=1+1"],
      [{ kind: "percent", direction: "up", percent: 5, basis: "last" }, "@boss"],
    ]);
  });

  it("reads crypto and forex pairs, and refuses rth on them with the reason", () => {
    const result = read(
      `${HEADER}alert,binance:btcusdt,above 100000,,,,,,\nalert,OANDA:EUR_USD,above 1.2,,,,yes,,\nwatch,coinbase:btc-usd,,,,,,,\n`,
    );
    expect(result).toMatchObject({
      ok: true,
      lines: [
        { label: "line 2", kind: "alert", command: { symbol: "BINANCE:BTCUSDT", regularHoursOnly: false } },
        {
          label: "line 3",
          kind: "refused",
          why: expect.stringMatching(/OANDA:EUR_USD is forex.*leave out rth/),
        },
        { label: "line 4", kind: "watch", symbol: "COINBASE:BTC-USD" },
      ],
    });
  });

  it("refuses per line what the grammar refuses, with its reason", () => {
    const result = read(
      `${HEADER}alert,AAPL,sideways 5,,,,,,\nalert,AAPL,above 200,,2001-01-01,,,,\nalert,AAPL,above 200 210,,,,,,\nalert,AAPL,above 1,,,,maybe,,\nshort,row\nalert,AAPL,above 1,,,"bell\u0007",,,\nbuy,AAPL,,,,,,,\n`,
    );
    expect(
      result.ok && result.lines.map((l) => (l.kind === "refused" ? `${l.label}: ${l.why}` : l.kind)),
    ).toEqual([
      expect.stringMatching(/^line 2: i don't understand the condition "sideways"/i),
      "line 3: that expiry is in the past",
      "line 4: one level per line: give each price its own line",
      'line 5: rth is yes or no, not "maybe"',
      "line 6: 2 cells where the header has 9",
      expect.stringMatching(/^line 7: .*control/i),
      'line 8: type is alert or watch, not "buy"',
    ]);
  });

  it("says when a spreadsheet separated the cells with semicolons or tabs", () => {
    expect(read("type;symbol;condition\nalert;AAPL;above 200\n")).toEqual({
      ok: false,
      message:
        'The cells of line 1 are separated by ";"; /import reads comma-separated files (a spreadsheet saves them as "CSV UTF-8").',
    });
    expect(read("type\tsymbol\tcondition\n")).toMatchObject({
      ok: false,
      message: expect.stringContaining("separated by tabs"),
    });
  });

  it("leaves a column without a name unread (a spreadsheet's trailing comma)", () => {
    expect(read("type,symbol,condition,,\nwatch,AAPL,,,\n")).toMatchObject({
      ok: true,
      lines: [{ label: "line 2", kind: "watch", symbol: "AAPL" }],
    });
  });

  it("names wrong, missing and doubled columns", () => {
    expect(read("type,ticker,price\nalert,AAPL,200\n")).toEqual({
      ok: false,
      message: expect.stringMatching(
        /^Line 1 should name the columns; these are not known: "ticker", "price"\. The columns are: type, symbol, condition/,
      ),
    });
    expect(read("type,symbol\nwatch,AAPL\n")).toMatchObject({
      ok: false,
      message: expect.stringContaining('no "condition" column'),
    });
    expect(read("type,symbol,condition,symbol\n")).toMatchObject({
      ok: false,
      message: expect.stringContaining('"symbol" is named twice'),
    });
  });

  it("refuses binary, non-UTF-8, oversized, empty and broken files as a whole", () => {
    expect(readImportFile(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 1]), "x.csv", now)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^That file is binary, not text/),
    });
    expect(readImportFile(new Uint8Array([0x74, 0xff, 0xfe, 0x41]), "x.csv", now)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^That file is not UTF-8 text/),
    });
    expect(readImportFile(new Uint8Array(MAX_IMPORT_BYTES + 1).fill(0x41), "x.csv", now)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/takes files up to 1 MB/),
    });
    expect(read("")).toMatchObject({ ok: false, message: "That file is empty." });
    expect(read(`${HEADER}alert,"AAPL,above 200\n`)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^Line 2 of the file: a quoted cell is never closed/),
    });
    expect(read(`${HEADER}${"watch,AAPL,,,,,,,\n".repeat(501)}`)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/501 lines; \/import takes at most 500/),
    });
  });

  it("reads the JSON export, refusing a bad entry on its own and a wrong envelope whole", () => {
    const json = JSON.stringify({
      v: 1,
      exportedAt: now.toISOString(),
      alerts: [
        {
          symbol: "NVDA",
          condition: "trail up $5",
          repeat: null,
          expires: null,
          note: null,
          rth: false,
          urgent: true,
          status: "active",
        },
        { symbol: "NVDA", condition: "above 200", extra: 1 },
      ],
      watchlist: ["AAPL", 7],
    });
    const result = read(json, "export.json");
    expect(result.ok && result.lines.map((l) => `${l.label}: ${l.kind}`)).toEqual([
      "alert 1: alert",
      "alert 2: refused",
      "watchlist 1: watch",
      "watchlist 2: refused",
    ]);
    expect(read('{"v":2,"alerts":[]}', "x.json")).toMatchObject({
      ok: false,
      message: expect.stringContaining('"v" must be 1'),
    });
    expect(read("{not json", "x.json")).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^That file is not valid JSON/),
    });
  });
});
