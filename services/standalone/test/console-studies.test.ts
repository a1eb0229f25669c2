import { openPricingDb, SqlBarStore } from "@tickerbell/pricing";
import { WilderRsi } from "@tickerbell/rules";
import { dailyCloseBars, usualVolumeBars } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleStory, startConsoleStory } from "./console-story.ts";

// Issue 17 items 3 and 4 on the console chat of `npm start`: a moving-average cross, an RSI and a volume alert,
// each silent while its study stays short of the condition and then one notification naming the value that made
// it fire. The studies come from the whole path: price history seeded into the standalone's database, the pricing
// service computing them for the symbols whose alerts need them and sending them on its ticks, the matcher.
// The fake Finnhub allows no candles, so nothing is back-filled beside what is seeded.

/** MSFT's daily closes, oldest first: a swing of 2 each day, 402 yesterday. */
const MSFT_CLOSES = Array.from({ length: 40 }, (_, i) => (i % 2 === 1 ? 402 : 400));

let story: ConsoleStory;

beforeAll(async () => {
  story = await startConsoleStory({
    name: "story-console-studies",
    finnhub: { candleAccess: false },
    seed: async (databaseUrl) => {
      const seeding = new SqlBarStore(await openPricingDb({ kind: "postgres", url: databaseUrl }));
      await seeding.writeHistory([
        // AAPL closed at 180 on each of the last 60 days: its 50-day SMA at a price p is (49 × 180 + p) / 50.
        ...dailyCloseBars("AAPL", Array<number>(60).fill(180)),
        ...dailyCloseBars("MSFT", MSFT_CLOSES),
        // 1,000 TSLA shares on each of the 6 days before today: the usual by any time.
        ...usualVolumeBars("TSLA", { days: 6, shares: 1000, price: 240 }),
      ]);
      await seeding.close();
    },
  });
}, 60_000);

afterAll(() => story?.stop(), 60_000);

const say = (line: string, reply: RegExp) => story.say(line, reply);
const linesWith = (text: string) =>
  story
    .printed()
    .split("\n")
    .filter((line) => line.startsWith("🔔") && line.includes(text));

/** Waits until pricing sends the studies of `symbols` symbols' alerts on their ticks (their bars are loaded). */
async function studiesLoaded(symbols: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const metrics = await (await fetch(`${story.pricingUrl}/metrics`)).text();
    const loaded = /^pricing_study_symbols(?:\{[^}]*\})? (\d+)/m.exec(metrics);
    if (loaded !== null && Number(loaded[1]) >= symbols) return;
    if (Date.now() > deadline) throw new Error(`pricing never loaded the studies of ${symbols} symbols`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("volume and indicator alerts on the console chat", () => {
  it("each stays silent short of its condition, then prints one notification naming the study's value", async () => {
    // AAPL at $190.00: its SMA is (8820 + 190) / 50 = 180.20, below the price, so the cross watches for a fall.
    await say("/alert AAPL crosses sma 50", /✅ Alert set: AAPL[^\n]*50-day SMA[^\n]*\n/);
    // MSFT at $410.00 after a close of 402: RSI(14) is well above 30.
    await say("/alert MSFT rsi below 30", /✅ Alert set: MSFT[^\n]*RSI\(14\)[^\n]*\n/);
    // TSLA has traded nothing today: 0× the usual 1,000 shares.
    await say("/alert TSLA volume 3x", /✅ Alert set: TSLA[^\n]*volume[^\n]*\n/);
    // A sentinel per symbol, fired by the trade short of the condition: it shows that trade was matched.
    await say("/alert AAPL below 180.3", /✅ Alert set: AAPL below/);
    await say("/alert MSFT below 396", /✅ Alert set: MSFT below/);
    await say("/alert TSLA above 240.5", /✅ Alert set: TSLA above/);
    await studiesLoaded(3);

    // 180.20: SMA (8820 + 180.2) / 50 = 180.004, the price still above it.
    await story.trade("AAPL", 180.2, /🔔 AAPL fell below \$180\.30/);
    // 395: RSI above 30 (worked out below with the rule book's own RSI).
    await story.trade("MSFT", 395, /🔔 MSFT fell below \$396\.00/);
    // 2,000 shares: 2× the usual.
    const from = story.printed().length;
    story.finnhub.pushTrade("TSLA", 240.6, { volume: 2000 });
    await story.printedAfter(from, /🔔 TSLA rose above \$240\.50/);
    expect(linesWith("SMA")).toEqual([]);
    expect(linesWith("RSI")).toEqual([]);
    expect(linesWith("volume")).toEqual([]);

    // 179.50: SMA (8820 + 179.5) / 50 = 179.99, and the price is below it.
    await story.trade("AAPL", 179.5, /🔔 AAPL crossed its 50-day SMA[^\n]*\n/);
    expect(linesWith("SMA")).toEqual(["🔔 AAPL crossed its 50-day SMA going down: $179.50 (SMA $179.99)"]);

    const rsi = new WilderRsi(14);
    for (const close of MSFT_CLOSES) rsi.push(close);
    const at380 = rsi.live(380)!;
    expect(rsi.live(395)!).toBeGreaterThan(30);
    expect(at380).toBeLessThan(30);
    await story.trade("MSFT", 380, /🔔 MSFT daily RSI\(14\)[^\n]*\n/);
    expect(linesWith("RSI")).toEqual([`🔔 MSFT daily RSI(14) fell to ${at380.toFixed(1)} (below 30)`]);

    // 1,500 more: 3,500 today against the usual 1,000, 3.5×.
    const before = story.printed().length;
    story.finnhub.pushTrade("TSLA", 240.1, { volume: 1500 });
    await story.printedAfter(before, /🔔 TSLA volume[^\n]*\n/);
    expect(linesWith("TSLA volume")).toEqual([
      expect.stringMatching(/^🔔 TSLA volume is 3\.5× the usual by \d\d:\d\d \(3\.5K vs 1K\)$/),
    ]);

    // One-shot alerts: further moves print nothing more for them.
    await say("/alert AAPL below 178", /✅ Alert set: AAPL below/);
    await story.trade("AAPL", 177, /🔔 AAPL fell below \$178\.00/);
    expect(linesWith("SMA")).toHaveLength(1);
  }, 120_000);
});
