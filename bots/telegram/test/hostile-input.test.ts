import { HOSTILE_INPUTS } from "@tickerbell/bot-core";
import type { RecordedMessage } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "./harness.ts";

let world: World;

/**
 * The grammar's table (a Telegram client cannot send a blank message, so those rows are left out), plus
 * refusals that need the services behind the bot: unknown tickers, conditions that already hold, alerts
 * that do not exist, link codes that were never issued.
 */
function rows(): Array<{ text: string; reply: RegExp; example: boolean }> {
  const grammar = HOSTILE_INPUTS.filter(([text]) => text.trim() !== "").map(([text, reply]) => ({
    text,
    reply,
    example: true,
  }));
  const services = [
    ["/alert ZZZZQ above 5", /^I don't know the ticker ZZZZQ\.$/],
    ["/alert APPL above 200", /^I don't know the ticker APPL\./],
    [
      "/alert AAPL above 1",
      /^That would fire right away: price is already at or above \$1\.00 \(current price \$[\d,.]+\)\.$/,
    ],
    ["/alert AAPL below 999999", /^That would fire right away: price is already at or below \$999,999\.00/],
    ["/price QQQQQ", /^I don't know the ticker QQQQQ/],
    ["/delete 5", /^You have 0 alerts; there is no number 5\. See \/alerts\.$/],
    ["/resume 0f8fad5b", /^I can't find an alert 0f8fad5b among yours\./],
    ["/link ABCD2345", /^This link code is unknown, already used or expired; create a new one with \/link$/],
    ["/alerts TSLA", /^You have no alerts on TSLA\.$/],
  ] as const;
  return [...grammar, ...services.map(([text, reply]) => ({ text, reply, example: false }))];
}

const replies = new Map<string, Promise<RecordedMessage>>();

beforeAll(async () => {
  world = await startWorld();
  // Each row comes from its own user, all at once: the bot answers them side by side, paced only by
  // Telegram's overall limit, and each reply must land in the chat that asked.
  rows().forEach((row, i) => {
    const user = { id: 30_000 + i, first_name: `Tester ${i}` };
    world.telegram.userSends(user, row.text);
    replies.set(
      row.text,
      world.telegram.waitForMessage((m) => m.chatId === user.id && m.method === "sendMessage", 30_000),
    );
  });
});
afterAll(async () => {
  await world?.close();
});

describe("malformed and hostile input sent through real chat updates", () => {
  it(`covers at least 40 inputs (${rows().length})`, () => {
    expect(rows().length).toBeGreaterThanOrEqual(40);
  });

  it.each(rows().map((row) => [row.text.length > 60 ? `${row.text.slice(0, 60)}…` : row.text, row] as const))(
    "%j",
    async (_label, row) => {
      const reply = await replies.get(row.text)!;
      expect(reply.text).toMatch(row.reply);
      // Refusals from the grammar show a command that works.
      if (row.example) expect(reply.text).toMatch(/\nExample: \//);
      // The user's input is shown back escaped, never as markup (Telegram would refuse malformed HTML).
      expect(reply.parseMode).toBe("HTML");
      expect(reply.message.entities ?? []).not.toContainEqual(expect.objectContaining({ type: "text_link" }));
    },
  );

  it("answered every input exactly once and created nothing", async () => {
    await Promise.all(replies.values());
    const all = world.telegram.allSent().filter((m) => m.method === "sendMessage");
    expect(all).toHaveLength(rows().length);
    // Paced below Telegram's 30/s; any 429 a busy machine provokes is waited out and re-sent, never doubled.
    expect(world.telegram.refusals().filter((r) => r.errorCode !== 429)).toEqual([]);
    console.info(
      `hostile inputs: ${world.telegram.tooManyRequests().length} replies answered 429 and re-sent`,
    );
    for (let i = 0; i < rows().length; i++) expect(await world.alertsOf({ id: 30_000 + i })).toEqual([]);
  });
});
