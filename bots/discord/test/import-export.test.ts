import { readCsv } from "@tickerbell/bot-core";
import { ExportFileSchema } from "@tickerbell/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SLASH_COMMANDS } from "../src/commands.ts";
import { newUser, type Stack, startStack } from "./harness.ts";

// /export and /import on Discord: the real discord.js client against the fake Discord, a reply's file as a
// multipart attachment, /import's file as an attachment option (type 11) the bot downloads from its URL; the
// real alert service on PostgreSQL behind.

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

type User = { id: string; username: string };

async function importFile(user: User, filename: string, data: Buffer) {
  const file = stack.fake.attachFile({ filename, data });
  return stack.fake.slashCommand(user, "import", { file }).reply();
}

async function portable(user: User) {
  const alerts = await stack.alerts.listAlerts(user.id, { status: "open" });
  return alerts.map((a) => [
    a.symbol,
    a.condition,
    a.repeat,
    a.expiresAt,
    a.note,
    a.regularHoursOnly,
    a.urgent === true,
  ]);
}

describe("/export and /import on Discord", () => {
  it("declares /import with a required attachment option and /export with a format choice", () => {
    const imp = SLASH_COMMANDS.find((c) => c.name === "import");
    expect(imp?.options).toEqual([expect.objectContaining({ name: "file", type: 11, required: true })]);
    const exp = SLASH_COMMANDS.find((c) => c.name === "export");
    expect(exp?.options?.[0]).toMatchObject({
      name: "format",
      choices: [{ value: "csv" }, { value: "json" }],
    });
  });

  it("round-trips alerts and watchlist through CSV and JSON attachments; the same file again is all duplicates", async () => {
    const [ada, bea, cy] = [newUser("ada"), newUser("bea"), newUser("cy")];
    const set = [
      stack.fake.slashCommand(ada, "alert price", {
        ticker: "AAPL",
        condition: "above",
        value: "900000",
        repeat: "2h",
        note: "=SUM(1,2) @risk",
        "regular-hours-only": true,
      }),
    ];
    expect((await set[0]!.reply()).content).toMatch(/Alert set/);
    const percent = await stack.fake
      .slashCommand(ada, "alert percent", {
        ticker: "TSLA",
        condition: "down",
        value: "40",
        basis: "close",
        urgent: true,
      })
      .reply();
    expect(percent.content).toMatch(/Alert set/);
    expect(
      (await stack.fake.slashCommand(ada, "watchlist add", { tickers: "AAPL MSFT" }).reply()).content,
    ).toMatch(/Watching/);

    const csv = await stack.fake.slashCommand(ada, "export", {}).reply();
    expect(csv.content).toMatch(/^📄 Your 2 alerts and 2 watchlist tickers, as CSV\./);
    expect(csv.attachments).toHaveLength(1);
    const file = csv.attachments[0]!;
    expect(file.filename).toMatch(/^tickerbell-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = file.data.toString("utf8");
    expect(text).toContain(`"'=SUM(1,2) @risk"`);
    const rows = readCsv(text);
    expect(rows.ok && rows.rows.map((r) => r.cells.slice(0, 3))).toEqual([
      ["type", "symbol", "condition"],
      ["alert", "AAPL", "above 900000"],
      ["alert", "TSLA", "down 40% from close"],
      ["watch", "AAPL", ""],
      ["watch", "MSFT", ""],
    ]);
    // The attachment is served at its URL, as Discord's CDN serves it.
    expect(await (await fetch(file.url)).text()).toBe(text);

    const imported = await importFile(bea, file.filename, file.data);
    expect(imported.content).toBe(
      [
        "**Imported**: 4 created, 0 duplicates, 0 refused",
        "✅ line 2: created — AAPL above $900,000.00",
        "✅ line 3: created — TSLA down 40% from the previous close",
        "✅ line 4: created — AAPL on your watchlist",
        "✅ line 5: created — MSFT on your watchlist",
      ].join("\n"),
    );
    expect(await portable(bea)).toEqual(await portable(ada));
    const again = await importFile(bea, file.filename, file.data);
    expect(again.content.split("\n")[0]).toBe("**Imported**: 0 created, 4 duplicates, 0 refused");

    const json = await stack.fake.slashCommand(ada, "export", { format: "json" }).reply();
    const exported = ExportFileSchema.parse(JSON.parse(json.attachments[0]!.data.toString("utf8")));
    expect(exported.watchlist).toEqual(["AAPL", "MSFT"]);
    const fromJson = await importFile(cy, "backup.json", json.attachments[0]!.data);
    expect(fromJson.content.split("\n")[0]).toBe("**Imported**: 4 created, 0 duplicates, 0 refused");
    expect(await portable(cy)).toEqual(await portable(ada));
  });

  it.each([
    [
      "wrong columns",
      Buffer.from("Ticker,Price,Qty\nAAPL,200,3\n"),
      /^Nothing was imported\. Line 1 should name the columns; these are not known: "ticker", "price", "qty"\./,
    ],
    [
      "10 MB",
      Buffer.alloc(10 * 1024 * 1024, "x"),
      /^Nothing was imported: that file is over 1 MB \(10 MB\); \/import takes files up to 1 MB\.$/,
    ],
    [
      "binary",
      Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 0x08, 0]),
      /^Nothing was imported\. That file is binary, not text\./,
    ],
  ])("refuses a hostile file whole (%s), saying why", async (name, data, reply) => {
    const user = newUser("hostile");
    const downloads = stack.fake.attachmentDownloads;
    const answer = await importFile(user, "alerts.csv", data);
    expect(answer.content).toMatch(reply);
    if (name === "10 MB") expect(stack.fake.attachmentDownloads).toBe(downloads);
    expect(await stack.alerts.listAlerts(user.id)).toEqual([]);
  });

  it("reads formula cells as text, and attaches a per-line result too long for one message", async () => {
    const user = newUser("eve");
    const lines = [
      "type,symbol,condition,note",
      `alert,AAPL,"=cmd|' /C calc'!A0",`,
      `alert,AAPL,'-50%,"'@SUM(A1)"`,
      ...Array.from({ length: 60 }, () => "watch,ZZZZQ,,"),
    ];
    const answer = await importFile(user, "evil.csv", Buffer.from(lines.join("\n")));
    expect(answer.content.split("\n").slice(0, 4)).toEqual([
      "**Imported**: 1 created, 0 duplicates, 61 refused",
      `✗ line 2: refused — I don't understand the condition "=cmd|'". Use above, below, cross, a percentage like +5%, trail, new high, 52w low, volume 3x, crosses sma 50, rsi below 30, or earnings.`,
      "✅ line 3: created — AAPL down 50% from the price when set",
      "✗ line 4: refused — I don't know the ticker ZZZZQ",
    ]);
    expect(answer.content.length).toBeLessThanOrEqual(2000);
    expect(answer.content).toMatch(/\n… the whole reply is attached\.$/);
    const whole = answer.attachments[0]!.data.toString("utf8").split("\n");
    expect(whole).toHaveLength(63);
    expect(whole[62]).toBe("✗ line 63: refused — I don't know the ticker ZZZZQ");
    expect((await stack.alerts.listAlerts(user.id)).map((a) => a.note)).toEqual(["@SUM(A1)"]);
  });
});
