import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConsoleChat } from "../src/console-chat.ts";
import { startWorld, type World } from "./world.ts";

// The console fed from a pipe (`… | npm start`, a script): plain lines, no line editing, every line answered.
let world: World;

beforeAll(async () => {
  world = await startWorld();
}, 60_000);

afterAll(async () => {
  await world?.close();
});

function pipeChat() {
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = "";
  output.on("data", (chunk) => {
    printed += String(chunk);
  });
  const chat = new ConsoleChat({
    handler: world.handler,
    input,
    output,
    user: { platform: "console", platformUserId: "piped", chatId: "console" },
    tickers: { alerts: world.alerts, prices: world.prices },
  });
  chat.start();
  return { input, chat, printed: () => printed };
}

describe("console chat through a pipe", () => {
  it("answers every line that came before the end of the input, then says goodbye", async () => {
    const { input, chat, printed } = pipeChat();
    input.end("/price AAPL\n/watch NFLX\n");
    await chat.closed;
    expect(printed()).toMatch(/^> AAPL[^\n]*\$[\d,.]+[\s\S]*\n> [^\n]*NFLX[\s\S]*\n> \nGoodbye! /);
    // No line editing through a pipe: not one escape sequence.
    expect(printed()).not.toContain("\u001b");
  });

  it("leaves the lines after /quit", async () => {
    const { input, chat, printed } = pipeChat();
    input.write("/quit\n/watch TSLA\n");
    await chat.closed;
    expect(printed()).toBe("> \nGoodbye! Your alerts are kept for the next start.\n");
    expect((await world.alerts.watchlist("piped")).items.map((i) => i.symbol)).not.toContain("TSLA");
  });
});
