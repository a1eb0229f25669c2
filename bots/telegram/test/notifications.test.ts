import type { Alert } from "@tickerbell/contracts";
import type { FakeUserInput, RecordedMessage } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buttonsOf, labelsOf, notificationFor, startWorld, type World } from "./harness.ts";

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world?.close();
});

async function priceOf(symbol: string): Promise<number> {
  return (await world.prices.quote(symbol))!.price;
}

/** The user sets an alert by chat and gets it back from the alert service. */
async function alertBy(user: FakeUserInput, command: string): Promise<Alert> {
  const reply = await world.say(user, command);
  expect(reply.text, command).toMatch(/^✅ Alert set/);
  const alerts = await world.alertsOf(user);
  return alerts.sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0]!;
}

/** Notification DMs in a chat (replies to commands carry other words). */
function dmsTo(user: FakeUserInput): RecordedMessage[] {
  return world.telegram
    .messagesTo(user.id)
    .filter((m) => m.method === "sendMessage" && m.text?.startsWith("🔔"));
}

describe("notification DMs through the delivery pipeline and the Telegram notifier", () => {
  it("a one-shot alert's DM arrives once with what fired, the price, the move and the note; Re-arm sets it up again", async () => {
    const ann = { id: 4001, first_name: "Ann" };
    const aapl = await priceOf("AAPL");
    const target = Math.ceil(aapl * 1.1);
    const alert = await alertBy(ann, `/alert AAPL above ${target} note "take profits <50%> & run"`);
    const fired = await world.fire(alert, target + 1.25);
    expect(fired.outcome).toBe("triggered");

    const notification = notificationFor(alert, { price: target + 1.25 });
    expect(await world.pipeline.deliver(notification)).toEqual({ status: "sent", attempts: 1 });
    // Kafka may hand the same message over again: the delivery log makes it a no-op.
    expect(await world.pipeline.deliver(notification)).toEqual({ status: "duplicate" });
    expect(await world.deliveryState(notification.triggerId)).toBe("sent");

    const dms = dmsTo(ann);
    expect(dms).toHaveLength(1);
    const dm = dms[0]!;
    const move = target + 1.25 - alert.referencePrice;
    expect(dm.text).toBe(
      [
        `🔔 AAPL above $${target.toLocaleString("en-US")}.00`,
        `AAPL is at $${(target + 1.25).toLocaleString("en-US", { minimumFractionDigits: 2 })} now.`,
        `+$${move.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })} (+${((move / alert.referencePrice) * 100).toFixed(2)}%) since $${alert.referencePrice.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })} when the alert was set.`,
        "Note: take profits <50%> & run",
      ].join("\n"),
    );
    expect(dm.message.entities).toEqual([expect.objectContaining({ type: "bold", offset: 0 })]);
    expect(labelsOf(dm)).toEqual(["🔁 Re-arm", "🗑 Delete"]);
    expect(buttonsOf(dm)).toEqual([`rearm:${alert.id}`, `delete:${alert.id}`]);

    const rearmed = await world.press(ann, dm, `rearm:${alert.id}`);
    expect(rearmed.text).toMatch(
      /^🔁 Re-armed as a new alert: AAPL above \$[\d,]+\.00 · “take profits <50%> & run”/,
    );
    const open = (await world.alertsOf(ann)).filter((a) => a.status === "active");
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({
      symbol: "AAPL",
      condition: alert.condition,
      note: alert.note,
      generation: 0,
    });
    expect(open[0]!.id).not.toBe(alert.id);
    // The edited DM now works on the new alert: its Delete button cancels it.
    expect(buttonsOf(rearmed)).toEqual([`pause:${open[0]!.id}`, `delete:${open[0]!.id}`]);
    const deleted = await world.press(ann, rearmed, `delete:${open[0]!.id}`);
    expect(deleted.text).toMatch(/^Deleted: AAPL above .* cancelled/);
    expect((await world.alerts.getAlert("4001", open[0]!.id)).status).toBe("cancelled");
    expect(dmsTo(ann)).toHaveLength(1);
  });

  it("a repeating alert's DM offers Snooze and Delete; Snooze 1h pauses it until the hour is up, Delete cancels it", async () => {
    const ben = { id: 4002, first_name: "Ben" };
    const msft = await priceOf("MSFT");
    const level = Math.ceil(msft * 1.05);
    const alert = await alertBy(ben, `/alert MSFT cross ${level} repeat 1h`);
    const fired = await world.fire(alert, level);
    expect(fired.outcome).toBe("rearmed");
    expect(fired.alert).toMatchObject({ status: "active", generation: alert.generation + 1 });

    const notification = notificationFor(alert, { price: level });
    expect(notification.repeating).toBe(true);
    expect(await world.pipeline.deliver(notification)).toMatchObject({ status: "sent" });
    const [dm] = dmsTo(ben);
    expect(dm!.text).toContain("This alert repeats; it re-arms after its cooldown.");
    expect(labelsOf(dm!)).toEqual(["😴 Snooze 1h", "🗑 Delete"]);

    const snoozed = await world.press(ben, dm!, `snooze:${alert.id}`);
    expect(snoozed.text).toMatch(/^Snoozed for 1 hour: MSFT crosses .* snoozed, resumes in 1 hour/);
    expect((await world.alerts.getAlert("4002", alert.id)).status).toBe("paused");
    expect(buttonsOf(snoozed)).toEqual([`resume:${alert.id}`, `delete:${alert.id}`]);
    expect(world.telegram.answeredCallbacks().find((c) => c.userId === 4002)?.text).toMatch(
      /^Snoozed for 1 hour: MSFT/,
    );

    const deleted = await world.press(ben, snoozed, `delete:${alert.id}`);
    expect(deleted.text).toMatch(/^Deleted: MSFT/);
    expect((await world.alerts.getAlert("4002", alert.id)).status).toBe("cancelled");
  });

  it("a burst to one chat is paced at the per-chat limit: every notification arrives exactly once", async () => {
    const cat = { id: 4003, first_name: "Cat" };
    const nvda = await priceOf("NVDA");
    const alert = await alertBy(cat, `/alert NVDA above ${Math.ceil(nvda * 1.2)} repeat 1m`);
    const burst = Array.from({ length: 6 }, (_, i) =>
      notificationFor(alert, { price: nvda * 1.2 + i, generation: i + 1 }),
    );
    const refusedBefore = world.telegram.tooManyRequests().length;
    // All at once, as a consumer handling several partitions would hand them over.
    const outcomes = await Promise.all(burst.map((n) => world.pipeline.deliver(n)));
    expect(outcomes.map((o) => o.status)).toEqual(burst.map(() => "sent"));

    const dms = dmsTo(cat);
    expect(dms).toHaveLength(burst.length);
    const prices = dms.map((m) => /is at \$([\d,.]+) now/.exec(m.text!)?.[1]);
    expect(new Set(prices).size).toBe(burst.length);
    for (const n of burst) expect(await world.deliveryState(n.triggerId)).toBe("sent");
    // The fake refuses anything faster than 1 message per second per chat. Unpaced, all but the first of the
    // burst would be refused on their first try; paced, a 429 only happens when a busy machine delays one
    // request and not the next (then the retry_after is waited out).
    const refused = world.telegram.tooManyRequests().slice(refusedBefore);
    console.info(`burst of ${burst.length} to one chat: ${refused.length} answered 429`);
    expect(refused.length).toBeLessThan(burst.length - 1);
    expect(outcomes.filter((o) => o.status === "sent" && o.attempts === 1).length).toBeGreaterThan(1);
  });

  it("rides out a 429 storm (honouring retry_after): nothing lost, nothing sent twice", async () => {
    const dot = { id: 4004, first_name: "Dot" };
    const amd = await priceOf("AMD");
    const alert = await alertBy(dot, `/alert AMD below ${Math.floor(amd * 0.8)} repeat 1m`);
    const burst = Array.from({ length: 3 }, (_, i) =>
      notificationFor(alert, { price: amd * 0.8 - i, generation: i + 1 }),
    );
    const refusedBefore = world.telegram.tooManyRequests().length;
    world.telegram.rateLimitStorm(1500);
    const outcomes = await Promise.all(burst.map((n) => world.pipeline.deliver(n)));
    expect(outcomes.every((o) => o.status === "sent")).toBe(true);
    expect(outcomes.some((o) => o.status === "sent" && o.attempts > 1)).toBe(true);
    const refused = world.telegram.tooManyRequests().slice(refusedBefore);
    console.info(`storm: ${refused.length} answered 429, all ridden out`);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => r.reason === "storm")).toBe(true);
    expect(dmsTo(dot)).toHaveLength(burst.length);
  });

  it("a user who blocked the bot is recorded as undeliverable, without retrying, and told on their next command", async () => {
    const eli = { id: 4005, first_name: "Eli" };
    const tsla = await priceOf("TSLA");
    const alert = await alertBy(eli, `/alert TSLA above ${Math.ceil(tsla * 1.3)}`);
    await world.fire(alert, Math.ceil(tsla * 1.3));
    world.telegram.blockBot(eli.id);

    const notification = notificationFor(alert, { price: Math.ceil(tsla * 1.3) });
    expect(await world.pipeline.deliver(notification)).toEqual({
      status: "undeliverable",
      reason: "blocked_by_user",
    });
    expect(await world.pipeline.deliver(notification)).toEqual({ status: "duplicate" });
    expect(await world.deliveryState(notification.triggerId)).toBe("undeliverable");
    expect(world.undeliverable).toContainEqual({
      triggerId: notification.triggerId,
      reason: "blocked_by_user",
    });
    // One attempt, refused with 403; never tried again.
    const refusals = world.telegram.refusals().filter((r) => r.chatId === eli.id);
    expect(refusals.map((r) => [r.method, r.errorCode])).toEqual([["sendMessage", 403]]);
    expect(dmsTo(eli)).toEqual([]);

    // Writing to the bot again unblocks it; the next reply says what was missed.
    const reply = await world.say(eli, "/alerts");
    expect(reply.text).toMatch(/^⚠️ I couldn't DM you about your TSLA alert on Telegram \(you blocked me\)\./);
    const again = await world.say(eli, "/alerts");
    expect(again.text).not.toMatch(/couldn't DM you/);
  });
});
