import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pipeChat, startWorld, type World } from "./world.ts";

// The console fed from a pipe (`… | npm start`, a script): plain lines, no line editing, every line answered.
let world: World;

beforeAll(async () => {
  world = await startWorld();
}, 60_000);

afterAll(async () => {
  await world?.close();
});

function pipedChat() {
  return pipeChat(world, "piped", { tickers: { alerts: world.alerts, prices: world.prices } });
}

describe("console chat through a pipe", () => {
  it("answers every line that came before the end of the input, then says goodbye", async () => {
    const { input, chat, printed } = pipedChat();
    input.end("/price AAPL\n/watch NFLX\n");
    await chat.closed;
    expect(printed()).toMatch(/^> AAPL[^\n]*\$[\d,.]+[\s\S]*\n> [^\n]*NFLX[\s\S]*\n> \nGoodbye! /);
    // No line editing through a pipe: not one escape sequence.
    expect(printed()).not.toContain("\u001b");
  });

  it("leaves the lines after /quit", async () => {
    const { input, chat, printed } = pipedChat();
    input.write("/quit\n/watch TSLA\n");
    await chat.closed;
    expect(printed()).toBe("> \nGoodbye! Your alerts are kept for the next start.\n");
    expect((await world.alerts.watchlist("piped")).items.map((i) => i.symbol)).not.toContain("TSLA");
  });
});

describe("/settings charts on the console", () => {
  it("turns charts off and refuses a word that is neither on nor off", async () => {
    const printed = await session("cleo", ["/settings charts off", "/settings charts maybe"]);
    expect(printed).toContain("✅ Charts off: alert messages come without a chart.");
    expect(printed).toContain('Charts are on or off, not "maybe".');
    expect((await world.alerts.settings("cleo")).charts).toBe(false);
  });
});

// /export writes a file under the export folder and prints its path; /import <path> reads one, within the cap.
async function session(user: string, lines: string[]): Promise<string> {
  const { input, chat, printed } = pipeChat(world, user, { exportDir: join(world.dataDir, "exports") });
  input.end(`${lines.join("\n")}\n`);
  await chat.closed;
  return printed();
}

describe("export and import on the console", () => {
  it("writes the export to a file it names, and imports a file by its path", async () => {
    const first = await session("ann", [
      '/alert AAPL above 900000 note "=1+1"',
      "/watch MSFT",
      "/export",
      "/export",
    ]);
    const paths = [...first.matchAll(/Saved to (\S+\.csv)/g)].map((m) => m[1]!);
    expect(paths).toHaveLength(2);
    expect(paths[1]).toMatch(/-2\.csv$/); // a second export never writes over the first
    expect(readFileSync(paths[0]!, "utf8")).toContain(`alert,AAPL,above 900000,,,'=1+1,,,active`);

    const big = join(world.dataDir, "big.csv");
    writeFileSync(big, Buffer.alloc(10 * 1024 * 1024, "a"));
    const bin = join(world.dataDir, "photo.csv");
    writeFileSync(bin, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]));
    const second = await session("bob", [
      `/import ${paths[0]}`,
      "/import",
      `/import ${join(world.dataDir, "missing.csv")}`,
      `/import ${world.dataDir}`,
      `/import ${big}`,
      `/import "${bin}"`,
    ]);
    expect(second).toContain(
      "Imported: 2 created, 0 duplicates, 0 refused\n✅ line 2: created — AAPL above $900,000.00\n✅ line 3: created — MSFT on your watchlist",
    );
    expect(second).toMatch(
      /Give the file's path: \/import \.\/data\/exports\/tickerbell-\d{4}-\d{2}-\d{2}\.csv/,
    );
    expect(second).toContain(
      `Nothing was imported: there is no file at ${join(world.dataDir, "missing.csv")}.`,
    );
    expect(second).toContain(`Nothing was imported: ${world.dataDir} is not a file.`);
    expect(second).toContain(
      "Nothing was imported: that file is over 1 MB (10 MB); /import takes files up to 1 MB.",
    );
    expect(second).toContain("Nothing was imported. That file is binary, not text.");
    expect((await world.alerts.listAlerts("bob")).map((a) => a.note)).toEqual(["=1+1"]);
  });
});
