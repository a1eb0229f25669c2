import type { Alert, Notification } from "@tickerbell/contracts";
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
    const fired = await world.fire(ann, alert, target + 1.25);
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
        `🔔 AAPL rose above $${target.toLocaleString("en-US")}.00`,
        `Price: $${(target + 1.25).toLocaleString("en-US", { minimumFractionDigits: 2 })} · ${notification.firedAt.slice(0, 10)} ${notification.firedAt.slice(11, 16)} UTC`,
        `Move: +$${move.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })} (+${((move / alert.referencePrice) * 100).toFixed(2)}%) since it was set ($${alert.referencePrice.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })})`,
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
    const fired = await world.fire(ben, alert, level);
    expect(fired.outcome).toBe("rearmed");
    expect(fired.alert).toMatchObject({ status: "active", generation: alert.generation + 1 });

    const notification = notificationFor(alert, { price: level });
    expect(notification.repeating).toBe(true);
    expect(await world.pipeline.deliver(notification)).toMatchObject({ status: "sent" });
    const [dm] = dmsTo(ben);
    expect(dm!.text).toContain("Repeats: yes, after its cooldown");
    expect(labelsOf(dm!)).toEqual(["😴 Snooze 1h", "🗑 Delete"]);

    const snoozed = await world.press(ben, dm!, `snooze:${alert.id}`);
    expect(snoozed.text).toMatch(
      /^Snoozed for 1 hour: MSFT crosses .* snoozed until \d{4}-\d\d-\d\d \d\d:\d\d UTC \(in 1 hour\)/,
    );
    expect((await world.alerts.getAlert("4002", alert.id)).status).toBe("paused");
    expect(buttonsOf(snoozed)).toEqual([`resume:${alert.id}`, `delete:${alert.id}`]);
    expect(world.telegram.answeredCallbacks().find((c) => c.userId === 4002)?.text).toMatch(
      /^Snoozed for 1 hour: MSFT/,
    );

    const deleted = await world.press(ben, snoozed, `delete:${alert.id}`);
    expect(deleted.text).toMatch(/^Deleted: MSFT/);
    expect((await world.alerts.getAlert("4002", alert.id)).status).toBe("cancelled");
  });

  it("several firings for one chat within a second go out as one message: a block each, buttons named by symbol", async () => {
    const cat = { id: 4003, first_name: "Cat" };
    const nvda = await priceOf("NVDA");
    const repeating = await alertBy(cat, `/alert NVDA above ${Math.ceil(nvda * 1.2)} repeat 1m`);
    const amd = await priceOf("AMD");
    const oneShot = await alertBy(cat, `/alert AMD below ${Math.floor(amd * 0.8)} note "buy <some>"`);
    const first = notificationFor(repeating, { price: nvda * 1.2, generation: 1 });
    const burst = [
      ...Array.from({ length: 3 }, (_, i) =>
        notificationFor(repeating, { price: nvda * 1.2 + i + 1, generation: i + 2 }),
      ),
      notificationFor(oneShot, { price: amd * 0.8 - 1 }),
    ];
    const refusedBefore = world.telegram.tooManyRequests().length;
    // The first goes out at once; what comes within the next second waits for the chat's next slot.
    const firstOutcome = world.pipeline.deliver(first);
    await world.telegram.waitForMessage((m) => m.chatId === cat.id && m.text?.startsWith("🔔") === true);
    const outcomes = await Promise.all([firstOutcome, ...burst.map((n) => world.pipeline.deliver(n))]);
    expect(outcomes.map((o) => o.status)).toEqual([first, ...burst].map(() => "sent"));

    const dms = dmsTo(cat);
    expect(dms).toHaveLength(2);
    const [single, coalesced] = dms as [RecordedMessage, RecordedMessage];
    expect(labelsOf(single)).toEqual(["😴 Snooze 1h", "🗑 Delete"]);
    const blocks = coalesced.text!.split("\n\n");
    expect(blocks.map((b) => b.split("\n")[0])).toEqual([
      ...Array(3).fill(`🔔 NVDA rose above $${Math.ceil(nvda * 1.2).toLocaleString("en-US")}.00`),
      `🔔 AMD fell below $${Math.floor(amd * 0.8).toLocaleString("en-US")}.00`,
    ]);
    expect(blocks[3]).toContain("Note: buy <some>");
    // One bold title per block.
    expect(coalesced.message.entities?.filter((e) => e.type === "bold")).toHaveLength(4);
    expect(labelsOf(coalesced)).toEqual(["😴 Snooze NVDA", "🗑 Delete NVDA", "🔁 Re-arm AMD", "🗑 Delete AMD"]);
    expect(buttonsOf(coalesced)).toEqual([
      `snooze:${repeating.id}`,
      `delete:${repeating.id}`,
      `rearm:${oneShot.id}`,
      `delete:${oneShot.id}`,
    ]);
    expect(coalesced.receivedAt - single.receivedAt).toBeGreaterThanOrEqual(1000);
    for (const n of [first, ...burst]) expect(await world.deliveryState(n.triggerId)).toBe("sent");
    expect(world.telegram.tooManyRequests().length).toBe(refusedBefore);

    // A button under the coalesced message answers below it and leaves the firings in place.
    const messagesBefore = world.telegram.messagesTo(cat.id).length;
    world.telegram.userPresses(cat, coalesced, `delete:${oneShot.id}`);
    const [answer] = await world.telegram.waitForMessages(
      (m) => m.chatId === cat.id && m.method === "sendMessage" && m.text?.startsWith("Deleted") === true,
      1,
      15_000,
    );
    expect(answer!.text).toMatch(/^Deleted: AMD/);
    expect(world.telegram.messagesTo(cat.id).filter((m) => m.method === "editMessageText")).toEqual([]);
    expect(world.telegram.messagesTo(cat.id)).toHaveLength(messagesBefore + 1);
    expect((await world.alerts.getAlert("4003", oneShot.id)).status).toBe("cancelled");
  });

  it("a group's firings go out at the group's pace (20 a minute), merged into few messages: none refused, none dropped", async () => {
    const eve = { id: 4010, first_name: "Eve" };
    const group = world.telegram.createGroup({
      title: "Traders",
      type: "supergroup",
      members: [{ user: eve, status: "creator" }],
    });
    const tsla = await priceOf("TSLA");
    const alert = await alertBy(eve, `/alert TSLA above ${Math.ceil(tsla * 1.2)} repeat 1m`);
    // Posted in the group: the notification's origin is the group's chat.
    const inGroup = (generation: number): Notification => ({
      ...notificationFor(alert, { price: tsla * 1.2 + generation, generation }),
      origin: { platform: "telegram", chatId: String(group.id) },
    });
    const refusedBefore = world.telegram.tooManyRequests().length;
    const firstOutcome = world.pipeline.deliver(inGroup(1));
    await world.telegram.waitForMessageIn(group.id, (m) => m.text?.startsWith("🔔") === true);
    // Eleven more within the next moment: the group's next slot is three seconds away, and they wait for it.
    const burst = Array.from({ length: 11 }, (_, i) => world.pipeline.deliver(inGroup(i + 2)));
    const outcomes = await Promise.all([firstOutcome, ...burst]);
    expect(outcomes.map((o) => o.status)).toEqual(Array(12).fill("sent"));

    const posts = world.telegram
      .messagesTo(group.id)
      .filter((m) => m.method === "sendMessage" && m.text?.startsWith("🔔"));
    // 1 at once, then 11 merged at most 8 a message: 3 posts carrying all 12 firings.
    expect(posts).toHaveLength(3);
    expect(posts.map((p) => p.text!.split("\n\n").length)).toEqual([1, 8, 3]);
    for (let i = 1; i < posts.length; i++)
      expect(posts[i]!.receivedAt - posts[i - 1]!.receivedAt).toBeGreaterThanOrEqual(3000);
    expect(world.telegram.tooManyRequests().slice(refusedBefore)).toEqual([]);
    expect(dmsTo(eve)).toEqual([]);
  });

  it("rides out a 429 storm (honouring retry_after): nothing lost, nothing sent twice", async () => {
    const dot = { id: 4004, first_name: "Dot" };
    const amd = await priceOf("AMD");
    const alert = await alertBy(dot, `/alert AMD below ${Math.floor(amd * 0.8)} repeat 1m`);
    const burst = Array.from({ length: 3 }, (_, i) =>
      notificationFor(alert, { price: amd * 0.8 - i, generation: i + 1 }),
    );
    const refusedBefore = world.telegram.tooManyRequests().length;
    // From the first send on, however late a busy machine makes it.
    world.telegram.rateLimitStorm(1500, { fromFirstCall: true });
    const outcomes = await Promise.all(burst.map((n) => world.pipeline.deliver(n)));
    expect(outcomes.every((o) => o.status === "sent")).toBe(true);
    expect(outcomes.some((o) => o.status === "sent" && o.attempts > 1)).toBe(true);
    const refused = world.telegram.tooManyRequests().slice(refusedBefore);
    console.info(`storm: ${refused.length} answered 429, all ridden out`);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => r.reason === "storm")).toBe(true);
    // Arrived together, so sent together, once.
    const dms = dmsTo(dot);
    expect(dms).toHaveLength(1);
    expect(dms[0]!.text!.split("\n\n")).toHaveLength(burst.length);
  });

  it("in paid-broadcast mode sends with allow_paid_broadcast, past the free 30/s, without a 429", async () => {
    const users = Array.from({ length: 90 }, (_, i) => ({ id: 4100 + i }));
    const eve = { id: 4099, first_name: "Eve" };
    const msft = await priceOf("MSFT");
    const alert = await alertBy(eve, `/alert MSFT above ${Math.ceil(msft * 1.5)} repeat 1m`);
    for (const user of users) world.telegram.knowUser(user);
    const refusedBefore = world.telegram.tooManyRequests().length;
    // One notification per chat: ninety chats, more than the free limit takes in a second.
    const burst = users.map((user, i) => ({
      ...notificationFor(alert, { price: msft * 1.5, generation: 100 + i }),
      origin: { platform: "telegram" as const, chatId: String(user.id) },
    }));
    const outcomes = await Promise.all(burst.map((n) => world.paidPipeline.deliver(n)));
    expect(outcomes.every((o) => o.status === "sent")).toBe(true);
    const sent = users.flatMap((user) => dmsTo(user));
    expect(sent).toHaveLength(users.length);
    expect(sent.every((m) => m.paidBroadcast)).toBe(true);
    expect(world.telegram.tooManyRequests().slice(refusedBefore)).toEqual([]);
    // The free limit (30 in any second) would have refused this many this fast.
    const span = sent.at(-1)!.receivedAt - sent[0]!.receivedAt;
    console.info(`paid broadcast: ${sent.length} DMs in ${span} ms`);
  });

  it("a user who blocked the bot is recorded as undeliverable, without retrying, and told on their next command", async () => {
    const eli = { id: 4005, first_name: "Eli" };
    const tsla = await priceOf("TSLA");
    const alert = await alertBy(eli, `/alert TSLA above ${Math.ceil(tsla * 1.3)}`);
    await world.fire(eli, alert, Math.ceil(tsla * 1.3));
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
