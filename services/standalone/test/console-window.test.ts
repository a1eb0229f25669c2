import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleStory, startConsoleStory } from "./console-story.ts";

// A move within a window on the console chat of `npm start`, with trades from the fake Finnhub: the pricing
// service streams them over its websocket, the matcher keeps the symbol's minutes, and the console prints the
// one notification when a trade completes the move.
let story: ConsoleStory;

beforeAll(async () => {
  story = await startConsoleStory({ name: "story-console-window" });
}, 60_000);

afterAll(() => story?.stop(), 60_000);

const say = (line: string, reply: RegExp) => story.say(line, reply);
const trade = (price: number, fires: RegExp) => story.trade("AAPL", price, fires);

const windowLines = () =>
  story
    .printed()
    .split("\n")
    .filter((line) => line.includes("from its 1h low"));

describe("a move within a window on the console chat", () => {
  it("prints nothing while trades stay inside the move, then one notification naming the window's low", async () => {
    // AAPL is at $190.00 on the fake Finnhub.
    await say("/alert AAPL moves 3% within 1h", /✅ Alert set: AAPL moves 3% within 1h\n/);
    await say("/alert AAPL above 190.5", /✅ Alert set: AAPL above \$190\.50/);
    await story.finnhub.waitFor(
      () => story.finnhub.subscriptions().includes("AAPL"),
      "the AAPL subscription",
      30_000,
    );
    // The first alert's firing shows the matcher holds both (the window alert was set before it).
    await trade(190.6, /🔔 AAPL rose above \$190\.50/);

    // Inside the move: the low is 188.00 and the high 193.00 (a rise needs 193.64, a fall 187.21).
    for (const price of [192, 188, 193]) story.finnhub.pushTrade("AAPL", price);
    // A sentinel fired by a trade inside the move too: once it is printed, every trade before it was matched.
    await say("/alert AAPL above 193.5", /✅ Alert set: AAPL above \$193\.50/);
    await trade(193.55, /🔔 AAPL rose above \$193\.50/);
    expect(windowLines()).toEqual([]);

    // 193.80 is 3.09% above the window's low of 188.00: the one notification, naming the window and its low.
    const from = story.printed().length;
    story.finnhub.pushTrade("AAPL", 193.8);
    await story.printedAfter(from, /Move: [^\n]*\n/);
    const block = story.printed().slice(from);
    expect(block).toMatch(
      /🔔 AAPL is up 3\.1% from its 1h low of \$188\.00 \(now \$193\.80\)\nPrice: \$193\.80 · [^\n]+\n1h low: \$188\.00\nLevel: \$193\.6[45]\nMove: \+\$5\.80 \(\+3\.09%\) from the 1h low\n/,
    );

    // A one-shot alert: further moves print nothing more for it.
    for (const price of [200, 181]) story.finnhub.pushTrade("AAPL", price);
    await say("/alert AAPL below 180", /✅ Alert set: AAPL below \$180\.00/);
    await trade(179.5, /🔔 AAPL fell below \$180\.00/);
    expect(windowLines()).toHaveLength(1);
  }, 120_000);
});
