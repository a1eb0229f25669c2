import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { priceAlert, sql, startPostgresHarness } from "./harness.ts";

// A community alert is reachable by whoever the bot vouches for in its chat (x-acting-for-destination,
// GET /v1/alerts?destination=), not only its creator; and a bot reports a chat as a whole (pause, move).
let h: Awaited<ReturnType<typeof startPostgresHarness>>;
beforeAll(async () => {
  h = await startPostgresHarness();
});
afterAll(async () => {
  await h?.close();
});

const GUILD = "3100000000000000001";
const CHANNEL = "3100000000000000002";
const OTHER_CHANNEL = "3100000000000000003";
const channel = (chatId: string) => ({ platform: "discord", chatId, kind: "channel", communityId: GUILD });
const group = (chatId: string) => ({ platform: "telegram", chatId, kind: "group" });

let target = 400;
async function create(token: "discord" | "telegram", as: string, origin: object): Promise<string> {
  target += 1;
  const res = await h.api("POST", "/v1/alerts", {
    token,
    as,
    body: priceAlert({ condition: { kind: "price", direction: "above", target }, origin }),
  });
  expect(res.status).toBe(201);
  return res.body.id;
}

const changesOf = async (alertId: string) =>
  (
    await sql(
      h.db.url,
      "select payload->>'change' as change from outbox where payload->'alert'->>'id' = $1 order by id",
      [alertId],
    )
  ).map((r) => r.change);

describe("listing a destination's alerts", () => {
  it("lists the open alerts posted in a channel, whoever created them, and nothing else", async () => {
    const a = await create("discord", "list-a", channel(CHANNEL));
    const b = await create("discord", "list-b", channel(CHANNEL));
    const cancelled = await create("discord", "list-b", channel(CHANNEL));
    await h.api("DELETE", `/v1/alerts/${cancelled}`, { token: "discord", as: "list-b" });
    await create("discord", "list-a", channel(OTHER_CHANNEL));
    await create("discord", "list-a", { platform: "discord", chatId: CHANNEL });
    const page = await h.api("GET", `/v1/alerts?destination=discord:${CHANNEL}&limit=1`, {
      token: "discord",
      as: "list-c",
    });
    expect(page.status).toBe(200);
    // Created at the same instant (the harness's clock stands still): in id order.
    const [first, second] = [a, b].sort();
    expect(page.body.alerts.map((x: { id: string }) => x.id)).toEqual([first]);
    const next = await h.api(
      "GET",
      `/v1/alerts?destination=discord:${CHANNEL}&limit=1&cursor=${encodeURIComponent(page.body.nextCursor)}`,
      { token: "discord", as: "list-c" },
    );
    expect(next.body.alerts.map((x: { id: string }) => x.id)).toEqual([second]);
    expect(next.body.nextCursor).toBeNull();
  });

  it("refuses another platform's chat and a malformed destination", async () => {
    const other = await h.api("GET", `/v1/alerts?destination=discord:${CHANNEL}`, {
      token: "telegram",
      as: "x",
    });
    expect(other.status).toBe(403);
    const bad = await h.api("GET", "/v1/alerts?destination=general", { token: "discord", as: "x" });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("a destination is <platform>:<chatId>");
  });
});

describe("acting for a destination", () => {
  it("lets another user pause, edit and delete a community alert of that chat", async () => {
    const id = await create("discord", "owner-1", channel(CHANNEL));
    const acting = {
      token: "discord" as const,
      as: "manager-1",
      headers: { "x-acting-for-destination": `discord:${CHANNEL}` },
    };
    expect((await h.api("GET", `/v1/alerts/${id}`, acting)).status).toBe(200);
    const paused = await h.api("PATCH", `/v1/alerts/${id}`, { ...acting, body: { status: "paused" } });
    expect(paused.status).toBe(200);
    expect(paused.body.status).toBe("paused");
    const edited = await h.api("PATCH", `/v1/alerts/${id}`, {
      ...acting,
      body: { condition: { kind: "price", direction: "above", target: 500 }, market: { last: 190 } },
    });
    expect(edited.status).toBe(200);
    expect(edited.body.userId).toBe(paused.body.userId);
    const bulk = await h.api("POST", "/v1/alerts/bulk", {
      ...acting,
      body: { action: "resume", alertIds: [id] },
    });
    expect(bulk.body.changed.map((x: { id: string }) => x.id)).toEqual([id]);
    expect((await h.api("DELETE", `/v1/alerts/${id}`, acting)).body.status).toBe("cancelled");
  });

  it("refuses with 404 when the alert is posted in another chat, or without the header", async () => {
    const id = await create("discord", "owner-2", channel(OTHER_CHANNEL));
    const elsewhere = await h.api("DELETE", `/v1/alerts/${id}`, {
      token: "discord",
      as: "manager-2",
      headers: { "x-acting-for-destination": `discord:${CHANNEL}` },
    });
    expect(elsewhere.status).toBe(404);
    expect((await h.api("DELETE", `/v1/alerts/${id}`, { token: "discord", as: "manager-2" })).status).toBe(
      404,
    );
  });

  it("never reaches a DM alert, even with its chat named", async () => {
    const id = await create("discord", "owner-3", { platform: "discord", chatId: "3100000000000000009" });
    const refused = await h.api("PATCH", `/v1/alerts/${id}`, {
      token: "discord",
      as: "manager-3",
      headers: { "x-acting-for-destination": "discord:3100000000000000009" },
      body: { status: "paused" },
    });
    expect(refused.status).toBe(404);
  });

  it("refuses a header naming another platform's chat", async () => {
    const refused = await h.api("GET", "/v1/alerts/00000000-0000-4000-8000-000000000000", {
      token: "telegram",
      as: "manager-4",
      headers: { "x-acting-for-destination": `discord:${CHANNEL}` },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toBe("a telegram bot can only act for telegram chats");
  });
});

describe("pausing a destination", () => {
  it("pauses the chat's active alerts with a change event each, names their creators, and is idempotent", async () => {
    const chat = "-1003200000001";
    const a = await create("telegram", "grp-owner-a", group(chat));
    const b = await create("telegram", "grp-owner-b", group(chat));
    const dm = await create("telegram", "grp-owner-a", { platform: "telegram", chatId: chat });
    const first = await h.api("POST", "/v1/destinations/pause", {
      token: "telegram",
      body: { platform: "telegram", chatId: chat, reason: "bot_removed" },
    });
    expect(first.status).toBe(200);
    expect(
      first.body.paused.map((p: { alert: { id: string; status: string }; creatorPlatformUserId: string }) => [
        p.alert.id,
        p.alert.status,
        p.creatorPlatformUserId,
      ]),
    ).toEqual(
      [
        [a, "paused", "grp-owner-a"],
        [b, "paused", "grp-owner-b"],
      ].sort((x, y) => (x[0]! < y[0]! ? -1 : 1)),
    );
    expect(await changesOf(a)).toEqual(["created", "paused"]);
    expect(await changesOf(dm)).toEqual(["created"]);
    const again = await h.api("POST", "/v1/destinations/pause", {
      token: "telegram",
      body: { platform: "telegram", chatId: chat, reason: "bot_removed" },
    });
    expect(again.body.paused).toEqual([]);
  });

  it("refuses an unknown reason and another platform's chat", async () => {
    const bad = await h.api("POST", "/v1/destinations/pause", {
      token: "telegram",
      body: { platform: "telegram", chatId: "-1", reason: "bored" },
    });
    expect(bad.status).toBe(400);
    const other = await h.api("POST", "/v1/destinations/pause", {
      token: "telegram",
      body: { platform: "discord", chatId: CHANNEL, reason: "access_lost" },
    });
    expect(other.status).toBe(403);
  });
});

describe("moving a Telegram group", () => {
  it("moves the group's alerts to the supergroup's chat id with a change event each, idempotently", async () => {
    const from = "-3300000001";
    const to = "-1003300000001";
    const a = await create("telegram", "mv-owner", group(from));
    const moved = await h.api("POST", "/v1/destinations/move", {
      token: "telegram",
      body: { platform: "telegram", from, to },
    });
    expect(moved.status).toBe(200);
    expect(moved.body.moved.map((x: { id: string; origin: unknown }) => [x.id, x.origin])).toEqual([
      [a, group(to)],
    ]);
    expect(await changesOf(a)).toEqual(["created", "updated"]);
    const listed = await h.api("GET", `/v1/alerts?destination=telegram:${to}`, {
      token: "telegram",
      as: "mv-x",
    });
    expect(listed.body.alerts.map((x: { id: string }) => x.id)).toEqual([a]);
    const again = await h.api("POST", "/v1/destinations/move", {
      token: "telegram",
      body: { platform: "telegram", from, to },
    });
    expect(again.body.moved).toEqual([]);
  });

  it("refuses a Discord move and a positive chat id", async () => {
    const discord = await h.api("POST", "/v1/destinations/move", {
      token: "discord",
      body: { platform: "discord", from: "-1", to: "-2" },
    });
    expect(discord.status).toBe(400);
    expect(discord.text).toContain("only a Telegram group moves to a new chat id");
    const positive = await h.api("POST", "/v1/destinations/move", {
      token: "telegram",
      body: { platform: "telegram", from: "1", to: "-2" },
    });
    expect(positive.status).toBe(400);
    expect(positive.text).toContain("a Telegram group's chat id is a negative number");
  });
});
