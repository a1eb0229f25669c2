import type { BarPart } from "@tickerbell/pricing";
import { tradingDayOf, tradingDayStart } from "@tickerbell/rules";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newUser, type Stack, startStack } from "./harness.ts";

// Issue 17 item 7 through discord.js: the confirmation of `/alert price` says how often the alert would have
// fired over the price history the pricing API recorded (seeded here). The count and the time are worked out by
// hand from the seeded bars: a bar is replayed as open, the extreme nearer the open, the other extreme, close,
// at 0/15/30/45 seconds into its minute; a one-shot alert counts as repeating after an hour.

const MIN = 60_000;
const DAY = 86_400_000;
let stack: Stack;
/** Whole minutes, so a bar's start is exactly what was seeded. */
const base = Math.floor(Date.now() / MIN) * MIN;
/** Noon UTC on the day of `ms`. */
const noonUtc = (ms: number) => Math.floor(ms / DAY) * DAY + 12 * 60 * MIN;

function minuteBar(t: number, o: number, h: number, l: number, c: number, symbol = "AAPL", v = 100): BarPart {
  return { symbol, resolution: "1m", t, o, h, l, c, v, n: 1, openTs: t, closeTs: t + 59_000 };
}

/**
 * TSLA's first minute of each of the six New York days before today (its trading day starts at midnight there,
 * so by any time of today the usual volume counts that minute): 1,000 shares on five of them, then 3,000 on
 * yesterday's.
 */
const today = tradingDayOf("TSLA", base);
const tslaMinutes = [6, 5, 4, 3, 2, 1].map((back) => tradingDayStart("TSLA", today - back));

beforeAll(async () => {
  // A budget no loaded machine runs out of: this story is about what the line says.
  stack = await startStack({ dryRunBudgetMs: 120_000, studies: true });
  await seed(stack);
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

async function seed(stack: Stack): Promise<void> {
  await stack.barStore!.writeHistory([
    // Recorded from 20 days ago; AAPL is at $190. At noon UTC that day, whatever the time now: New York's date is then the same, so its daily
    // bar reaches no further back than the minute (before 05:00 UTC it was the day before, a day further back, and
    // the dry run took the daily bars), and "20 days" is what the line rounds to at any time of day.
    minuteBar(noonUtc(base - 20 * DAY), 190, 190, 190, 190),
    // 186, 186.2, then 184.5 reaches `below 185` 30 s into the minute.
    minuteBar(base - 15 * DAY, 186, 186.2, 184.5, 185.5),
    // Half an hour later: still cooling, 184 does not count.
    minuteBar(base - 15 * DAY + 30 * MIN, 185, 185.1, 184, 184.2),
    // 186 is back above the band (185.925), 186.5, then 184.9 fires again, 30 s in.
    minuteBar(base - 5 * DAY, 186, 186.5, 184.9, 185),
    // TSLA recorded from noon UTC 10 days ago (a minute without volume: no session), so the line's "10 days"
    // holds at any time of day.
    minuteBar(noonUtc(base - 10 * DAY), 240, 240, 240, 240, "TSLA", 0),
    ...tslaMinutes.map((t, i) => minuteBar(t, 240, 240, 240, 240, "TSLA", i === 5 ? 3000 : 1000)),
  ]);
}

describe("the dry run on Discord", () => {
  it("adds how often the alert would have fired, its last time a Discord timestamp", async () => {
    const reply = await stack.fake
      .slashCommand(newUser("dryrun"), "alert price", { ticker: "AAPL", condition: "below", value: "185" })
      .reply();
    expect(reply.content).toMatch(/Alert set: AAPL below \$185\.00/);
    const lastSeconds = Math.floor((base - 5 * DAY + 30_000) / 1000);
    expect(reply.content.split("\n").at(-1)).toBe(
      `In the 20 days recorded this alert would have fired 2 times (last: <t:${lastSeconds}:f> at $184.90).`,
    );
  }, 60_000);
});

describe("the dry run of a volume alert on Discord", () => {
  it("replays the minutes' volumes against the usual volume by each minute", async () => {
    const reply = await stack.fake
      .slashCommand(newUser("dryrun-volume"), "alert volume", { ticker: "TSLA", multiple: "2" })
      .reply();
    expect(reply.content).toMatch(/Alert set: TSLA/);
    // Yesterday's first minute: 3,000 shares at its close (45 s in), 3x the usual 1,000 by then.
    const lastSeconds = Math.floor((tslaMinutes[5]! + 45_000) / 1000);
    expect(reply.content.split("\n").at(-1)).toBe(
      `In the 10 days recorded this alert would have fired once (last: <t:${lastSeconds}:f> at $240.00).`,
    );
  }, 60_000);
});

describe("the dry run past its budget on Discord", () => {
  let late: Stack;
  beforeAll(async () => {
    // A budget no bar request is answered within (the pricing API over HTTP, its bars from PostgreSQL).
    late = await startStack({ dryRunBudgetMs: 1 });
    await seed(late);
  }, 120_000);
  afterAll(async () => {
    await late?.close();
  });

  it("answers at once and edits the line into the reply when the bars come", async () => {
    const interaction = late.fake.slashCommand(newUser("dryrun-late"), "alert price", {
      ticker: "AAPL",
      condition: "below",
      value: "185",
    });
    const reply = await interaction.reply();
    expect(reply.content).toMatch(/Alert set: AAPL below \$185\.00/);
    expect(reply.content).not.toMatch(/would (not )?have fired/);
    // The deferral, the reply, then the same message edited with the line under it.
    const [deferral, answered, amended] = [
      await interaction.next(),
      await interaction.next(),
      await interaction.next(),
    ];
    expect([deferral.kind, answered.kind, amended.kind]).toEqual(["callback", "edit", "edit"]);
    const edited = late.fake.message(reply.id);
    const lastSeconds = Math.floor((base - 5 * DAY + 30_000) / 1000);
    expect(edited?.content).toBe(
      `${reply.content}\nIn the 20 days recorded this alert would have fired 2 times (last: <t:${lastSeconds}:f> at $184.90).`,
    );
    // Its embed and buttons stay.
    expect(edited?.components).toEqual(reply.components);
    expect(edited?.embeds).toEqual(reply.embeds);
  }, 60_000);
});
