import { readCsv } from "@tickerbell/bot-core";
import { ExportFileSchema } from "@tickerbell/contracts";
import type { FakeDocumentInput, FakeUserInput, RecordedMessage } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "./harness.ts";

// /export and /import through telegraf against the fake Bot API: documents up (sendDocument, multipart) and
// down (getFile, the file URL), the real alert service on PostgreSQL behind them.

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world?.close();
});

const REPLY_MS = 15_000;

/** The user sends a document; resolves with the bot's next text reply in that chat. */
async function sendFile(user: FakeUserInput, document: FakeDocumentInput): Promise<RecordedMessage> {
  const isReply = (m: RecordedMessage) => m.chatId === user.id && m.method === "sendMessage";
  const before = world.telegram.messagesTo(user.id).filter(isReply).length;
  world.telegram.userSendsDocument(user, document);
  return (await world.telegram.waitForMessages(isReply, before + 1, REPLY_MS))[before]!;
}

async function exported(user: FakeUserInput, command: string): Promise<RecordedMessage> {
  const isDocument = (m: RecordedMessage) => m.chatId === user.id && m.method === "sendDocument";
  const before = world.telegram.messagesTo(user.id).filter(isDocument).length;
  const reply = await world.say(user, command);
  expect(reply.text).toMatch(/^📄 Your 3 alerts and 2 watchlist tickers, as (CSV|JSON)\./);
  return (await world.telegram.waitForMessages(isDocument, before + 1, REPLY_MS))[before]!;
}

/** What an alert is, apart from its id, owner and runtime: what a round trip must keep. */
async function portable(user: FakeUserInput) {
  const alerts = await world.alerts.listAlerts(String(user.id), { status: "open" });
  return alerts.map((a) => [
    a.symbol,
    a.condition,
    a.repeat,
    a.expiresAt,
    a.note,
    a.regularHoursOnly,
    a.urgent === true,
    a.status,
  ]);
}

describe("export and import on Telegram", () => {
  const ada = { id: 71_001, first_name: "Ada" };
  const bea = { id: 71_002, first_name: "Bea" };
  const cy = { id: 71_003, first_name: "Cy" };

  it("round-trips alerts and watchlist through CSV and JSON documents, duplicates told on a second import", async () => {
    for (const command of [
      '/alert AAPL above 900000 repeat 2h note "=SUM(1,2) @risk" rth',
      "/alert TSLA down 40% from close expires 2027-01-15 urgent",
      "/alert NVDA trail up $5",
      "/pause 3",
      "/watch AAPL MSFT",
    ]) {
      expect((await world.say(ada, command)).text).not.toMatch(/sorry|don't/i);
    }
    const csv = await exported(ada, "/export");
    expect(csv.document).toMatchObject({
      filename: expect.stringMatching(/^tickerbell-\d{4}-\d{2}-\d{2}\.csv$/),
    });
    const text = csv.document!.data.toString("utf8");
    const rows = readCsv(text);
    expect(rows.ok && rows.rows.map((r) => r.cells.slice(0, 3))).toEqual([
      ["type", "symbol", "condition"],
      ["alert", "AAPL", "above 900000"],
      ["alert", "TSLA", "down 40% from close"],
      ["alert", "NVDA", "trail up $5"],
      ["watch", "AAPL", ""],
      ["watch", "MSFT", ""],
    ]);
    // The note would be a formula in a spreadsheet: guarded.
    expect(text).toContain(`"'=SUM(1,2) @risk"`);

    const imported = await sendFile(bea, {
      filename: csv.document!.filename!,
      data: csv.document!.data,
      mimeType: "text/csv",
      caption: "/import",
    });
    expect(imported.text).toBe(
      [
        "Imported: 5 created, 0 duplicates, 0 refused",
        "✅ line 2: created — AAPL above $900,000.00",
        "✅ line 3: created — TSLA down 40% from the previous close",
        "✅ line 4: created — NVDA rises $5.00 above its low (trailing) (paused)",
        "✅ line 5: created — AAPL on your watchlist",
        "✅ line 6: created — MSFT on your watchlist",
      ].join("\n"),
    );
    expect(await portable(bea)).toEqual(await portable(ada));
    expect((await world.alerts.watchlist(String(bea.id))).items.map((i) => i.symbol)).toEqual([
      "AAPL",
      "MSFT",
    ]);
    const bare = await world.say(bea, "/import");
    expect(bare.text).toMatch(/^Send the file as a document with the caption \/import, or answer \/import/);

    const json = await exported(ada, "/export json");
    const parsed = ExportFileSchema.parse(JSON.parse(json.document!.data.toString("utf8")));
    expect(parsed.alerts.map((a) => a.status)).toEqual(["active", "active", "paused"]);
    const fromJson = await sendFile(cy, {
      filename: "mine.json",
      data: json.document!.data,
      caption: "/import",
    });
    expect(fromJson.text?.split("\n")[0]).toBe("Imported: 5 created, 0 duplicates, 0 refused");
    expect(await portable(cy)).toEqual(await portable(ada));
  });

  it("answers /import to an earlier document: every line a duplicate the second time", async () => {
    const dee = { id: 71_004, first_name: "Dee" };
    const file = Buffer.from("type,symbol,condition\r\nalert,AAPL,above 900000\r\nwatch,AAPL,\r\n");
    const first = await sendFile(dee, { filename: "a.csv", data: file, caption: "/import" });
    expect(first.text?.split("\n")[0]).toBe("Imported: 2 created, 0 duplicates, 0 refused");
    const docMessage = world.telegram.currentMessage({ chatId: dee.id, messageId: 1 });
    expect(docMessage?.document?.file_name).toBe("a.csv");
    const isReply = (m: RecordedMessage) => m.chatId === dee.id && m.method === "sendMessage";
    const before = world.telegram.messagesTo(dee.id).filter(isReply).length;
    world.telegram.userSends(dee, "/import", { replyTo: 1 });
    const second = (await world.telegram.waitForMessages(isReply, before + 1, REPLY_MS))[before]!;
    expect(second.text).toBe(
      [
        "Imported: 0 created, 2 duplicates, 0 refused",
        "➖ line 2: duplicate — you already have AAPL above $900,000.00",
        "➖ line 3: duplicate — AAPL is already on your watchlist",
      ].join("\n"),
    );
  });
});

describe("hostile files on Telegram", () => {
  const cases: Array<[string, FakeDocumentInput, RegExp]> = [
    [
      "wrong columns",
      { filename: "x.csv", data: Buffer.from("ticker,price\nAAPL,200\n") },
      /^Nothing was imported\. Line 1 should name the columns; these are not known: "ticker", "price"\. The columns are: type, symbol, condition, repeat, expires, note, rth, urgent, status\.$/,
    ],
    [
      "10 MB",
      { filename: "big.csv", data: Buffer.alloc(10 * 1024 * 1024, "a") },
      /^Nothing was imported: that file is over 1 MB \(10 MB\); \/import takes files up to 1 MB\.$/,
    ],
    [
      "binary",
      {
        filename: "alerts.csv",
        data: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]),
      },
      /^Nothing was imported\. That file is binary, not text\. \/import reads the CSV or JSON file \/export writes\.$/,
    ],
    [
      "latin-1, not UTF-8",
      {
        filename: "x.csv",
        data: Buffer.from("type,symbol,condition,note\nalert,AAPL,above 900000,caf\xe9\n", "latin1"),
      },
      /^Nothing was imported\. That file is not UTF-8 text \(a spreadsheet saves it as "CSV UTF-8"\)\./,
    ],
  ];
  it.each(cases)("%s: refused whole, saying why", async (name, document, reply) => {
    const user = { id: 72_000 + cases.findIndex(([n]) => n === name), first_name: "Hostile" };
    const downloads = world.telegram.fileDownloads;
    const answer = await sendFile(user, { ...document, caption: "/import" });
    expect(answer.text).toMatch(reply);
    // A file declared too large is never fetched.
    if (name === "10 MB") expect(world.telegram.fileDownloads).toBe(downloads);
    expect(await world.alerts.listAlerts(String(user.id))).toEqual([]);
  });

  it("formula injection in CSV cells: read as text, refused per line, never run or confused", async () => {
    const eve = { id: 72_100, first_name: "Eve" };
    const file = [
      "type,symbol,condition,note",
      `alert,AAPL,"=cmd|' /C calc'!A0",`,
      "alert,@SUM(1+1),above 900000,",
      `alert,AAPL,'-50%,"'=HYPERLINK(""x"")"`,
      `alert,AAPL,above 900000,"+1 =2"`,
    ].join("\r\n");
    const answer = await sendFile(eve, { filename: "evil.csv", data: Buffer.from(file), caption: "/import" });
    expect(answer.text?.split("\n")).toEqual([
      "Imported: 2 created, 0 duplicates, 2 refused",
      `✗ line 2: refused — I don't understand the condition "=cmd|'". Use above, below, cross, a percentage like +5%, trail, new high, 52w low, volume 3x, crosses sma 50, rsi below 30, or earnings.`,
      `✗ line 3: refused — "@SUM(1+1)" is not a ticker; tickers look like AAPL, BRK.B or $TSLA`,
      "✅ line 4: created — AAPL down 50% from the price when set",
      "✅ line 5: created — AAPL above $900,000.00",
    ]);
    const notes = (await world.alerts.listAlerts(String(eve.id))).map((a) => a.note);
    expect(notes).toEqual(['=HYPERLINK("x")', "+1 =2"]);
  });
});
