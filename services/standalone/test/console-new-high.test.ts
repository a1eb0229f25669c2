import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleStory, startConsoleStory } from "./console-story.ts";

// A new session high on the console chat of `npm start`, with trades from the fake Finnhub: the alert starts at
// today's high from the quote, the pricing service streams the trades over its websocket, and the console prints
// the one notification when a trade goes above the high, naming the price and the previous high.
let story: ConsoleStory;

beforeAll(async () => {
  story = await startConsoleStory({ name: "story-console-new-high" });
}, 60_000);

afterAll(() => story?.stop(), 60_000);

const say = (line: string, reply: RegExp) => story.say(line, reply);
const trade = (price: number, fires: RegExp) => story.trade("AAPL", price, fires);

const highLines = () =>
  story
    .printed()
    .split("\n")
    .filter((line) => line.includes("made a new session high"));

describe("a new session high on the console chat", () => {
  it("prints nothing while trades stay at or below today's high, then one notification naming the new high", async () => {
    // AAPL is at $190.00 on the fake Finnhub, and so are today's high and low.
    await say("/alert AAPL new high", /✅ Alert set: AAPL new session high \(above \$190\.00 today\)\n/);
    await say("/alert AAPL below 189.5", /✅ Alert set: AAPL below \$189\.50/);
    await story.finnhub.waitFor(
      () => story.finnhub.subscriptions().includes("AAPL"),
      "the AAPL subscription",
      30_000,
    );
    // At or below the high: nothing for the new high. The sentinel's firing shows every trade before it was matched.
    for (const price of [189.9, 190]) story.finnhub.pushTrade("AAPL", price);
    await trade(189.4, /🔔 AAPL fell below \$189\.50/);
    expect(highLines()).toEqual([]);

    // 190.40 is above today's high of 190.00: the one notification, naming the new high and the previous one.
    const from = story.printed().length;
    story.finnhub.pushTrade("AAPL", 190.4);
    await story.printedAfter(from, /Move: [^\n]*\n/);
    expect(story.printed().slice(from)).toMatch(
      /🔔 AAPL made a new session high: \$190\.40 \(previous high \$190\.00\)\nPrice: \$190\.40 · [^\n]+\nPrevious high: \$190\.00\nMove: \+\$0\.40 \(\+0\.21%\) from the previous high\n/,
    );

    // A one-shot alert: higher highs print nothing more for it.
    for (const price of [191, 192]) story.finnhub.pushTrade("AAPL", price);
    await say("/alert AAPL below 185", /✅ Alert set: AAPL below \$185\.00/);
    await trade(184.5, /🔔 AAPL fell below \$185\.00/);
    expect(highLines()).toHaveLength(1);
  }, 120_000);
});
