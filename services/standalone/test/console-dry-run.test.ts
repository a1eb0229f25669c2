import { type BarPart, openPricingDb, SqlBarStore } from "@tickerbell/pricing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleStory, startConsoleStory } from "./console-story.ts";

// Issue 17 item 7 on the console chat of `npm start`: a new alert's confirmation says how often it would have
// fired over the recorded price history. The history is seeded into the PostgreSQL database the standalone's
// pricing reads (the fake Finnhub allows no candles, so nothing is back-filled beside it); AAPL is at $190.00.
// The count and the time are worked out by hand: a bar is replayed as open, the extreme nearer the open, the
// other extreme, close, at 0/15/30/45 seconds into its minute; a one-shot alert counts as repeating hourly.
const MIN = 60_000;
const DAY = 86_400_000;
/** Whole minutes, so a bar's start is exactly what was seeded. */
const base = Math.floor(Date.now() / MIN) * MIN;
let story: ConsoleStory;

function minuteBar(t: number, o: number, h: number, l: number, c: number): BarPart {
  return { symbol: "AAPL", resolution: "1m", t, o, h, l, c, v: 100, n: 1, openTs: t, closeTs: t + 59_000 };
}

beforeAll(async () => {
  story = await startConsoleStory({
    name: "story-console-dry-run",
    finnhub: { candleAccess: false },
    // A budget no loaded machine runs out of: this story is about what the line says.
    env: { DRY_RUN_BUDGET_MS: "10000" },
    seed: async (databaseUrl) => {
      const seeding = new SqlBarStore(await openPricingDb({ kind: "postgres", url: databaseUrl }));
      await seeding.writeHistory([
        // Recorded for the whole month: from 29 days 22 hours ago.
        minuteBar(base - 30 * DAY + 2 * 60 * MIN, 190, 190, 190, 190),
        // 25 days ago: 194, 193.9, then 195.5 reaches `above 195`, 30 s in.
        minuteBar(base - 25 * DAY, 194, 195.5, 193.9, 195),
        // 12 days ago: 194 is back at the band (194.025), 193.5, then 196 fires again, 30 s in.
        minuteBar(base - 12 * DAY, 194, 196, 193.5, 194),
        // 3 days ago: 196.5 without coming back to the band first: it does not count.
        minuteBar(base - 3 * DAY, 195.5, 196.5, 195.2, 196),
      ]);
      await seeding.close();
    },
  });
}, 60_000);

afterAll(() => story?.stop(), 60_000);

const say = (line: string, reply: RegExp) => story.say(line, reply);

describe("the dry run on the console chat", () => {
  it("prints how often the new alert would have fired in the last 30 days, and when last", async () => {
    const confirmation = await say(
      "/alert AAPL above 195",
      /✅ Alert set: AAPL above \$195\.00[\s\S]*?fired[^\n]*\n/,
    );
    const last = `${new Date(base - 12 * DAY + 30_000).toISOString().slice(0, 16).replace("T", " ")} UTC`;
    expect(confirmation).toContain(
      `\nIn the last 30 days this alert would have fired 2 times (last: ${last} at $196.00).\n`,
    );
  }, 60_000);
});
