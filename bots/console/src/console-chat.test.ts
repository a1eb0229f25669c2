import { PassThrough } from "node:stream";
import type { Notification } from "@tickerbell/contracts";
import { describe, expect, it } from "vitest";
import { ConsoleChat, renderReply } from "./console-chat.ts";
import { ConsoleNotifier } from "./console-notifier.ts";

describe("console chat", () => {
  it("renders the light markup as plain text", () => {
    expect(renderReply({ text: "*Your alerts* (1)\n1. AAPL above $200.00" })).toBe(
      "Your alerts (1)\n1. AAPL above $200.00",
    );
  });

  it("asks a yes/no question as a line, the console having no buttons", () => {
    const question = {
      text: "*Delete all 2 AAPL alerts?*\n• AAPL above $200.00\n• AAPL above $210.00",
      buttons: [
        [
          { label: "🗑 Yes, delete 2", action: "bulk:delete:x" },
          { label: "No", action: "bulk:keep:x" },
        ],
      ],
      confirm: { yes: "bulk:delete:x", no: "bulk:keep:x" },
    };
    expect(renderReply(question)).toBe(
      "Delete all 2 AAPL alerts?\n• AAPL above $200.00\n• AAPL above $210.00\nType yes or no.",
    );
  });

  it("never writes control characters, bidi overrides or line separators to the terminal raw", () => {
    const typed = 'I don\'t understand "\u001b[2J\u001b]0;owned\u0007\u202e\u2028x"';
    const shown = renderReply({ text: typed });
    expect(shown).toBe('I don\'t understand "\\u{1b}[2J\\u{1b}]0;owned\\u{7}\\u{202e}\\u{2028}x"');
    // Line breaks and tabs of the replies themselves stay.
    expect(renderReply({ text: "a\n\tb" })).toBe("a\n\tb");
  });

  it("prompts, and closes on /quit without touching the services", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = "";
    output.on("data", (c) => {
      printed += String(c);
    });
    const chat = new ConsoleChat({
      // /quit and blank lines never reach the handler, so none is needed here.
      handler: undefined as never,
      input,
      output,
      user: { platform: "console", platformUserId: "local", chatId: "console" },
    });
    chat.start();
    input.write("\n/quit\n");
    await chat.closed;
    expect(printed).toBe("> > \nGoodbye! Your alerts are kept for the next start.\n");
  });

  it("says goodbye and closes at the end of its input, as Ctrl-D ends a terminal's", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = "";
    output.on("data", (c) => {
      printed += String(c);
    });
    const chat = new ConsoleChat({
      handler: undefined as never,
      input,
      output,
      user: { platform: "console", platformUserId: "local", chatId: "console" },
    });
    chat.start();
    input.end();
    await chat.closed;
    expect(printed).toBe("> \nGoodbye! Your alerts are kept for the next start.\n");
  });

  it("prints notifications into the chat, several in the order they came", async () => {
    const output: string[] = [];
    const notifier = new ConsoleNotifier((text) => output.push(text));
    const fired = {
      v: 1,
      type: "triggered",
      triggerId: "0f8fad5b-d9cb-469f-a165-70867728950e:0",
      alertId: "0f8fad5b-d9cb-469f-a165-70867728950e",
      generation: 0,
      userId: "7c9e6679-7425-40de-944b-e07fc1f90ae7",
      origin: { platform: "console", chatId: "console" },
      symbol: "AAPL",
      condition: { kind: "price", direction: "above", target: 200 },
      price: 200.5,
      referencePrice: 190,
      moveAbs: 10.5,
      movePercent: 5.526,
      note: null,
      repeating: false,
      firedAt: "2026-11-24T15:00:00.000Z",
      side: "upper",
      level: 200,
      lastPrice: 200.5,
      referenceKind: "whenSet",
    } satisfies Notification;
    await notifier.send([fired]);
    expect(output).toEqual([
      "🔔 AAPL rose above $200.00\nPrice: $200.50 · 2026-11-24 15:00 UTC\nMove: +$10.50 (+5.53%) since it was set ($190.00)",
    ]);
    await notifier.send([
      { ...fired, triggerId: `${fired.alertId}:1`, price: 201, lastPrice: 201 },
      { ...fired, triggerId: `${fired.alertId}:2`, price: 202, lastPrice: 202 },
    ]);
    expect(output.slice(1).map((text) => /Price: (\S+)/.exec(text)?.[1])).toEqual(["$201.00", "$202.00"]);
  });
});
