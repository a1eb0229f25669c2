import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buttonsOf, labelsOf, startWorld, type World } from "./harness.ts";

// Issue 14 items 5 and 6 on Telegram: `/edit N …` and the bulk commands through real chat updates (telegraf
// against the fake Telegram server, the real alert service), asserting on what the user reads and the buttons.

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world?.close();
});

async function priceOf(symbol: string): Promise<number> {
  const quote = await world.prices.quote(symbol);
  if (!quote) throw new Error(`no quote for ${symbol}`);
  return quote.price;
}

const money = (n: number) =>
  `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

describe("/edit on Telegram", () => {
  it("changes an alert in place and offers its buttons", async () => {
    const ann = { id: 2001, first_name: "Ann" };
    const aapl = await priceOf("AAPL");
    const first = Math.ceil(aapl * 1.3);
    const second = Math.ceil(aapl * 1.4);
    await world.say(ann, `/alert AAPL above ${first} repeat 1h`);
    await world.say(ann, "/alerts");
    const edited = await world.say(ann, `/edit 1 ${second}`);
    expect(edited.text).toMatch(
      new RegExp(
        `^✏️ Changed: AAPL above \\${money(second)} · repeats every 1h\\nWas above \\${money(first)}; armed again at the new level\\.\\nAAPL is at \\$[\\d,.]+ now\\.$`,
      ),
    );
    expect(labelsOf(edited)).toEqual(["⏸ Pause", "🗑 Delete"]);
    const [alert] = await world.alertsOf(ann);
    expect(alert).toMatchObject({ condition: { target: second }, levelsRevision: 1 });
    expect(buttonsOf(edited)).toEqual([`pause:${alert!.id}`, `delete:${alert!.id}`]);

    const noted = await world.say(ann, '/edit 1 note "take half" expires never');
    expect(noted.text).toBe(`✏️ Changed: AAPL above ${money(second)} · repeats every 1h · “take half”`);
    const unnoted = await world.say(ann, "/edit 1 note -");
    expect(unnoted.text).toBe(`✏️ Changed: AAPL above ${money(second)} · repeats every 1h`);
    expect((await world.alertsOf(ann))[0]).toMatchObject({ note: null });
    const hours = await world.say(ann, "/edit 1 rth urgent");
    expect(hours.text).toMatch(/^✏️ Changed: AAPL above/);
    expect((await world.alertsOf(ann))[0]).toMatchObject({ regularHoursOnly: true, urgent: true });
    await world.say(ann, "/edit 1 no rth no urgent");
    expect((await world.alertsOf(ann))[0]).toMatchObject({ regularHoursOnly: false, urgent: false });
    expect((await world.say(ann, "/edit 1 trail 5")).text).toMatch(
      /^That alert is at a price|Trail by "5" what\?/,
    );
  });
});

describe("bulk commands on Telegram", () => {
  it("asks with Yes/No before deleting a ticker's alerts; Yes edits the question into what was done", async () => {
    const bo = { id: 2002, first_name: "Bo" };
    const aapl = await priceOf("AAPL");
    const levels = [Math.ceil(aapl * 1.3), Math.ceil(aapl * 1.4)];
    for (const level of levels) await world.say(bo, `/alert AAPL above ${level}`);
    const ask = await world.say(bo, "/delete AAPL");
    expect(ask.text).toBe(
      `Delete all 2 AAPL alerts?\n• AAPL above ${money(levels[0]!)}\n• AAPL above ${money(levels[1]!)}`,
    );
    expect(labelsOf(ask)).toEqual(["🗑 Yes, delete 2", "No, keep them"]);
    // Within Telegram's 64 bytes of callback data.
    for (const data of buttonsOf(ask)) expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);

    // Asked twice (scrolled back up, say): Yes under the second, then Yes under the first.
    const again = await world.say(bo, "/delete AAPL");
    const done = await world.press(bo, again, buttonsOf(again)[0]!);
    expect(done.text).toBe(
      `🗑 Deleted 2 AAPL alerts.\n• AAPL above ${money(levels[0]!)} · cancelled\n• AAPL above ${money(levels[1]!)} · cancelled`,
    );
    expect(buttonsOf(done)).toEqual([]);
    expect(world.telegram.answeredCallbacks().at(-1)).toMatchObject({
      userId: 2002,
      text: "🗑 Deleted 2 AAPL alerts.",
    });
    expect((await world.alertsOf(bo)).map((a) => a.status)).toEqual(["cancelled", "cancelled"]);

    // The first question's Yes is stale now: answered on its own, as a pop-up, and its message stays.
    const answered = world.telegram.answeredCallbacks().length;
    world.telegram.userPresses(bo, ask.message, buttonsOf(ask)[0]!);
    for (let i = 0; i < 100 && world.telegram.answeredCallbacks().length === answered; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(world.telegram.answeredCallbacks().at(-1)).toMatchObject({
      userId: 2002,
      showAlert: true,
      text: "Nothing left to delete: those alerts have fired, expired or been deleted since.",
    });
  });

  it("pauses all at once and resumes them from the button", async () => {
    const cy = { id: 2003, first_name: "Cy" };
    const aapl = await priceOf("AAPL");
    await world.say(cy, `/alert AAPL above ${Math.ceil(aapl * 1.3)}`);
    await world.say(cy, `/alert AAPL below ${Math.floor(aapl * 0.7)}`);
    const paused = await world.say(cy, "/pause all");
    expect(paused.text).toMatch(/^⏸ Paused 2 alerts\.\n• AAPL above .* · paused\n• AAPL below .* · paused$/);
    expect(labelsOf(paused)).toEqual(["▶ Resume all"]);
    const resumed = await world.press(cy, paused, buttonsOf(paused)[0]!);
    expect(resumed.text).toMatch(/^▶ Resumed 2 alerts\./);
    expect(labelsOf(resumed)).toEqual(["⏸ Pause all"]);
    expect((await world.alertsOf(cy)).map((a) => a.status)).toEqual(["active", "active"]);
  });
});
