// A group's alerts follow the group: paused (and their creators told) when the bot is removed from it, moved to
// the new chat id when the group becomes a supergroup. Real telegraf against the fake Telegram, a real alert
// service on PostgreSQL.
import type { Alert } from "@tickerbell/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "./harness.ts";

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world?.close();
});

/** A group alert set through the API (the bot's group commands come later), by `creator`, posted in `chatId`. */
async function groupAlert(creator: number, chatId: number, symbol: string): Promise<Alert> {
  return world.alerts.createAlert(String(creator), {
    symbol,
    market: { last: 100 },
    origin: { platform: "telegram", chatId: String(chatId), kind: "group" },
    condition: { kind: "price", direction: "above", target: 150 },
  });
}

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const giveUpAt = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > giveUpAt) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("a group's alerts follow the group", () => {
  it("the bot removed from a group pauses the group's alerts and tells each creator in private", async () => {
    const owner = { id: 5001, first_name: "Gus" };
    const other = { id: 5002, first_name: "Hal" };
    world.telegram.knowUser(owner);
    world.telegram.knowUser(other);
    const group = world.telegram.createGroup({
      title: "Night traders",
      type: "supergroup",
      members: [
        { user: owner, status: "creator" },
        { user: other, status: "administrator" },
      ],
    });
    const aapl = await groupAlert(owner.id, group.id, "AAPL");
    const msft = await groupAlert(owner.id, group.id, "MSFT");
    const hers = await groupAlert(other.id, group.id, "TSLA");
    // A DM alert of the same creator is not the group's.
    const dm = await world.alerts.createAlert(String(owner.id), {
      symbol: "NVDA",
      market: { last: 100 },
      origin: { platform: "telegram", chatId: String(owner.id) },
      condition: { kind: "price", direction: "above", target: 150 },
    });

    world.telegram.removeBotFromGroup(group.id, owner);

    const [toOwner] = await world.telegram.waitForMessages(
      (m) => m.chatId === owner.id && m.text?.startsWith("⏸") === true,
      1,
      20_000,
    );
    expect(toOwner!.text).toBe(
      "⏸ Your 2 alerts (AAPL, MSFT) posted in “Night traders” are paused: the bot was removed from the group. They are kept, and do not fire while paused.",
    );
    const [toOther] = await world.telegram.waitForMessages(
      (m) => m.chatId === other.id && m.text?.startsWith("⏸") === true,
      1,
      20_000,
    );
    expect(toOther!.text).toMatch(/^⏸ Your TSLA alert posted in “Night traders” is paused/);
    for (const [user, alert] of [
      [owner.id, aapl],
      [owner.id, msft],
      [other.id, hers],
    ] as const)
      expect((await world.alerts.getAlert(String(user), alert.id)).status).toBe("paused");
    expect((await world.alerts.getAlert(String(owner.id), dm.id)).status).toBe("active");
  });

  it("a group migrated to a supergroup keeps its alerts under the new chat id", async () => {
    const owner = { id: 5003, first_name: "Ivy" };
    world.telegram.knowUser(owner);
    const group = world.telegram.createGroup({
      title: "Small group",
      members: [{ user: owner, status: "creator" }],
    });
    const alert = await groupAlert(owner.id, group.id, "AMD");
    const supergroupId = world.telegram.migrateToSupergroup(group.id);

    const moved = await until(
      () => world.alerts.getAlert(String(owner.id), alert.id),
      (a) => a.origin.chatId === String(supergroupId),
      "the alert to move to the supergroup",
    );
    expect(moved.origin).toEqual({ platform: "telegram", chatId: String(supergroupId), kind: "group" });
    expect(moved.status).toBe("active");
  });
});
