// Issue 17 item 7 through telegraf: the confirmation of a new alert says how often it would have fired over the
// price history the pricing API recorded (seeded here), quotes from the fake Finnhub (AAPL at $190). The count
// and the time are worked out by hand from the seeded bars: a bar is replayed as open, the extreme nearer the
// open, the other extreme, close, at 0/15/30/45 seconds into its minute.
import { type BarPart, CallBudget, FinnhubMarketData, FinnhubRestClient } from "@tickerbell/pricing";
import { FakeFinnhub } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "./harness.ts";

const MIN = 60_000;
const DAY = 86_400_000;
/** Whole minutes, so a bar's start is exactly what was seeded. */
const base = Math.floor(Date.now() / MIN) * MIN;
/** Noon UTC on the day of `ms`. */
const noonUtc = (ms: number) => Math.floor(ms / DAY) * DAY + 12 * 60 * MIN;
let finnhub: FakeFinnhub;
let marketData: FinnhubMarketData;
let world: World;

function minuteBar(t: number, o: number, h: number, l: number, c: number, symbol = "AAPL"): BarPart {
  return { symbol, resolution: "1m", t, o, h, l, c, v: 100, n: 1, openTs: t, closeTs: t + 59_000 };
}

const HOUR = 60 * MIN;
/** The clock hour three days ago where MSFT's recorded minutes start (see seed). */
const msftFrom = Math.floor((base - 3 * DAY) / HOUR) * HOUR;

/** `2026-11-28 14:32 UTC`: how a Telegram user who set no time zone reads a time. */
function utcMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

beforeAll(async () => {
  finnhub = await FakeFinnhub.start();
  const rest = new FinnhubRestClient({
    baseUrl: finnhub.restUrl,
    apiKey: finnhub.apiKey,
    budget: new CallBudget({ callsPerWindow: 600 }),
  });
  marketData = new FinnhubMarketData(rest);
  // A budget no loaded machine runs out of: this story is about what the line says.
  world = await startWorld({ marketData, dryRunBudgetMs: 120_000, studies: true });
  // MSFT at $430 now: its hourly RSI 2 at 89.8 (see seed), so `rsi 2 1h below 30` is not met when set.
  finnhub.setQuote("MSFT", { c: 430 });
  await seed(world);
}, 120_000);
afterAll(async () => {
  await world?.close();
  await finnhub?.close();
});

async function seed(world: World): Promise<void> {
  const moveAt = base - 4 * DAY;
  await world.barStore!.writeHistory([
    // Recorded from 10 days ago. At noon UTC that day, whatever the time now: New York's date is then the same, so its daily
    // bar reaches no further back than the minute (before 05:00 UTC it was the day before, a day further back, and
    // the dry run took the daily bars), and "10 days" is what the line rounds to at any time of day.
    minuteBar(noonUtc(base - 10 * DAY), 190, 190, 190, 190),
    // Four days ago: a quiet minute at 190 (the 1h window's low), then 20 minutes later 191, 190.5 and 196,
    // 3% above 190 (195.70), 30 s into the minute.
    minuteBar(moveAt, 190, 190, 190, 190),
    minuteBar(moveAt + 20 * MIN, 191, 196, 190.5, 195),
    // Still within the hour's cooldown: 199 does not count.
    minuteBar(moveAt + 40 * MIN, 195, 199, 194, 198),
    // MSFT, one minute an hour from three days ago: hourly closes 420, 416, 418, 414, 420. Wilder's RSI 2 at 418
    // is 33.3 (average gain 1, loss 2); at 414 in the next hour 14.3 (gain 0.5, loss 3): `below 30` fires at that
    // hour's first trade. At 420 it is 68.4, and now at 430 89.8.
    ...[420, 416, 418, 414, 420].map((price, hour) =>
      minuteBar(msftFrom + hour * HOUR, price, price, price, price, "MSFT"),
    ),
  ]);
}

describe("the dry run on Telegram", () => {
  it("adds how often a move within a window would have fired, and when last", async () => {
    const reply = await world.say({ id: 7101, first_name: "Dora" }, "/alert AAPL moves 3% within 1h");
    expect(reply.text).toMatch(/^✅ Alert set: AAPL moves 3% within 1h/);
    expect(reply.text?.split("\n").at(-1)).toBe(
      `In the 10 days recorded this alert would have fired once (last: ${utcMinute(base - 4 * DAY + 20 * MIN)} at $196.00).`,
    );
  }, 60_000);

  it("replays an RSI alert over the hourly closes of the minutes recorded", async () => {
    const reply = await world.say({ id: 7103, first_name: "Ines" }, "/alert MSFT rsi 2 1h below 30");
    expect(reply.text).toMatch(/^✅ Alert set: MSFT/);
    expect(reply.text?.split("\n").at(-1)).toBe(
      `In the 3 days recorded this alert would have fired once (last: ${utcMinute(msftFrom + 3 * HOUR)} at $414.00).`,
    );
  }, 60_000);

  it("reads naturally when it would not have fired", async () => {
    const reply = await world.say({ id: 7102, first_name: "Emil" }, "/alert AAPL below 150");
    expect(reply.text?.split("\n").at(-1)).toBe("It would not have fired in the 10 days recorded.");
  }, 60_000);
});

describe("the dry run past its budget on Telegram", () => {
  /** The dry run's bar requests wait for this while it is set (the pricing API is slow, a new symbol's back-fill). */
  let hold: Promise<void> | null = null;
  /** How many of the held requests have been answered since. */
  let answered = 0;
  let late: World;
  beforeAll(async () => {
    late = await startWorld({
      marketData,
      dryRunBudgetMs: 50,
      dryRunBars: (bars) => ({
        async bars(symbol, query, options) {
          const held = hold;
          if (held !== null) await held;
          const response = await bars.bars(symbol, query, options);
          if (held !== null) answered++;
          return response;
        },
      }),
    });
    await seed(late);
  }, 120_000);
  afterAll(async () => {
    await late?.close();
  });

  function holdBars(): () => void {
    let release!: () => void;
    hold = new Promise((resolve) => {
      release = resolve;
    });
    answered = 0;
    return () => {
      hold = null;
      release();
    };
  }

  it("sends the confirmation at once and edits the line into it when the bars come", async () => {
    const user = { id: 7201, first_name: "Fritz" };
    const release = holdBars();
    const reply = await late.say(user, "/alert AAPL below 150");
    expect(reply.text).toMatch(/^✅ Alert set: AAPL below \$150\.00/);
    expect(reply.text).not.toMatch(/would (not )?have fired/);
    release();
    const [edit] = await late.telegram.waitForMessages(
      (m) => m.chatId === user.id && m.messageId === reply.messageId && m.method === "editMessageText",
      1,
      30_000,
    );
    expect(edit?.text).toBe(`${reply.text}\nIt would not have fired in the 10 days recorded.`);
    // Its buttons stay under it.
    expect(edit?.replyMarkup).toEqual(reply.replyMarkup);
  }, 60_000);

  it("leaves the message as a button pressed meanwhile made it", async () => {
    const user = { id: 7202, first_name: "Greta" };
    const release = holdBars();
    const reply = await late.say(user, "/alert AAPL below 140");
    const deleteButton = reply.replyMarkup?.inline_keyboard[0]?.find((b) => b.text === "Delete");
    const pressed = await late.press(user, reply, (deleteButton as { callback_data: string }).callback_data);
    expect(pressed.text).toMatch(/deleted/i);
    release();
    // The dry run's bars come (the daily bars and the oldest week of minutes, then the rest), and the replay
    // of a few bars takes no time; an edit would wait for the chat's next send slot (one a second), which the
    // press just took: well after that, the message is still what the press made of it.
    while (answered < 2) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const edits = late.telegram
      .messagesTo(user.id)
      .filter((m) => m.messageId === reply.messageId && m.method === "editMessageText");
    expect(edits.map((m) => m.text)).toEqual([pressed.text]);
  }, 60_000);
});
