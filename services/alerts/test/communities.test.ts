import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { priceAlert, sql, startPostgresHarness } from "./harness.ts";

// Alerts posted in a Discord server channel or a Telegram group: stored with their destination, capped per
// community (any creator), and still counted for their creator's own cap.
const COMMUNITY_CAP = 3;
const USER_CAP = 5;
let h: Awaited<ReturnType<typeof startPostgresHarness>>;
beforeAll(async () => {
  h = await startPostgresHarness({
    maxOpenAlertsPerUser: USER_CAP,
    maxOpenAlertsPerCommunity: COMMUNITY_CAP,
  });
});
afterAll(async () => {
  await h?.close();
});

export const channel = (guild: string, channelId: string, mentionRoleId?: string) => ({
  platform: "discord",
  chatId: channelId,
  kind: "channel",
  communityId: guild,
  ...(mentionRoleId === undefined ? {} : { mentionRoleId }),
});
export const group = (chatId: string) => ({ platform: "telegram", chatId, kind: "group" });

async function create(token: "discord" | "telegram", as: string, origin: object, target: number) {
  return h.api("POST", "/v1/alerts", {
    token,
    as,
    body: priceAlert({ condition: { kind: "price", direction: "above", target }, origin }),
  });
}

describe("community destinations", () => {
  it("stores a channel alert's server and role and answers them back", async () => {
    const origin = channel("2100000000000000001", "2100000000000000002", "2100000000000000003");
    const created = await create("discord", "dest-1", origin, 201);
    expect(created.status).toBe(201);
    expect(created.body.origin).toEqual(origin);
    const read = await h.api("GET", `/v1/alerts/${created.body.id}`, { token: "discord", as: "dest-1" });
    expect(read.body.origin).toEqual(origin);
    const [row] = await sql(
      h.db.url,
      "select origin_kind, origin_community_id, origin_mention_role_id from alerts where id = $1",
      [created.body.id],
    );
    expect(row).toEqual({
      origin_kind: "channel",
      origin_community_id: "2100000000000000001",
      origin_mention_role_id: "2100000000000000003",
    });
  });

  it("reads an alert created without a kind as a DM, stored as 'dm'", async () => {
    const created = await create("telegram", "dest-dm", { platform: "telegram", chatId: "77" }, 201);
    expect(created.body.origin).toEqual({ platform: "telegram", chatId: "77" });
    const [row] = await sql(h.db.url, "select origin_kind from alerts where id = $1", [created.body.id]);
    expect(row.origin_kind).toBe("dm");
  });

  it("refuses a group alert on Discord with the reason", async () => {
    const refused = await create(
      "discord",
      "dest-2",
      { platform: "discord", chatId: "-100", kind: "group" },
      201,
    );
    expect(refused.status).toBe(400);
    expect(refused.text).toContain("a group alert is posted in a Telegram group, not on discord");
  });
});

describe("twins are per destination", () => {
  const G = "-1003000000000";
  it("lets one person set the same level in their DMs and in a group, but not twice in the same place", async () => {
    const dm = { platform: "telegram", chatId: "twin-1" };
    expect((await create("telegram", "twin-1", dm, 301)).status).toBe(201);
    expect((await create("telegram", "twin-1", group(G), 301)).status).toBe(201);
    const again = await create("telegram", "twin-1", dm, 301);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("duplicate_alert");
  });

  it("refuses a group alert another member already set there, pointing at theirs", async () => {
    const G = "-1003000000002";
    const first = await create("telegram", "twin-2", group(G), 302);
    expect(first.status).toBe(201);
    const twin = await create("telegram", "twin-3", group(G), 302);
    expect(twin.status).toBe(409);
    expect(twin.body.error.details.existingAlertId).toBe(first.body.id);
    expect(twin.body.error.details.existing).toMatchObject({ id: first.body.id, origin: group(G) });
    expect(twin.body.error.message).toMatch(/^this group already has this alert on AAPL/);
    // Another group is another place.
    expect((await create("telegram", "twin-3", group("-1003000000001"), 302)).status).toBe(201);
  });

  it("checks an edit the same way: moving a level onto the group's twin is refused", async () => {
    const G = "-1003000000003";
    const set = await create("telegram", "twin-4", group(G), 303);
    const other = await create("telegram", "twin-5", group(G), 304);
    const edit = await h.api("PATCH", `/v1/alerts/${other.body.id}`, {
      token: "telegram",
      as: "twin-5",
      body: { condition: { kind: "price", direction: "above", target: 303 }, market: { last: 190 } },
    });
    expect(edit.status).toBe(409);
    expect(edit.body.error.details.existingAlertId).toBe(set.body.id);
    // The creator's own DM alert at that level is no twin of a group alert.
    const dm = await create("telegram", "twin-4", { platform: "telegram", chatId: "twin-4" }, 305);
    const moved = await h.api("PATCH", `/v1/alerts/${dm.body.id}`, {
      token: "telegram",
      as: "twin-4",
      body: { condition: { kind: "price", direction: "above", target: 303 }, market: { last: 190 } },
    });
    expect(moved.status).toBe(200);
  });
});

describe("the per-community cap", () => {
  it("refuses a server's alert past the cap, whoever creates it, naming the cap", async () => {
    const guild = "2200000000000000001";
    for (const [i, as] of ["cap-a", "cap-b", "cap-c"].entries()) {
      expect((await create("discord", as, channel(guild, "2200000000000000002"), 210 + i)).status).toBe(201);
    }
    const refused = await create("discord", "cap-d", channel(guild, "2200000000000000003"), 220);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: "community_alert_limit_reached",
      message: "this server has 3 active alerts, the most allowed; delete one first",
      details: { limit: COMMUNITY_CAP, openCount: 3 },
    });
    // Another server, and the same user's DMs, are not affected.
    expect(
      (await create("discord", "cap-d", channel("2200000000000000009", "2200000000000000008"), 220)).status,
    ).toBe(201);
    expect((await create("discord", "cap-d", { platform: "discord", chatId: "cap-d" }, 221)).status).toBe(
      201,
    );
  });

  it("frees a place when one of the server's alerts is cancelled", async () => {
    const guild = "2300000000000000001";
    const ids: string[] = [];
    for (let i = 0; i < COMMUNITY_CAP; i++) {
      ids.push((await create("discord", "free-a", channel(guild, "2300000000000000002"), 230 + i)).body.id);
    }
    expect((await create("discord", "free-a", channel(guild, "2300000000000000002"), 240)).status).toBe(409);
    await h.api("DELETE", `/v1/alerts/${ids[0]}`, { token: "discord", as: "free-a" });
    expect((await create("discord", "free-a", channel(guild, "2300000000000000002"), 240)).status).toBe(201);
  });

  it("names a group in a group's refusal", async () => {
    for (let i = 0; i < COMMUNITY_CAP; i++) {
      expect((await create("telegram", `grp-${i}`, group("-1002400000001"), 250 + i)).status).toBe(201);
    }
    const refused = await create("telegram", "grp-x", group("-1002400000001"), 260);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe(
      "this group has 3 active alerts, the most allowed; delete one first",
    );
  });

  it("lets concurrent creates by different users fill the cap exactly", async () => {
    const guild = "2500000000000000001";
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        create("discord", `race-${i}`, channel(guild, "2500000000000000002"), 270 + i),
      ),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(COMMUNITY_CAP);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(8 - COMMUNITY_CAP);
  });

  it("counts a community alert for its creator's own cap too", async () => {
    for (let i = 0; i < USER_CAP; i++) {
      const origin = channel(`26000000000000000${10 + i}`, "2600000000000000002");
      expect((await create("discord", "mine", origin, 280 + i)).status).toBe(201);
    }
    const refused = await create("discord", "mine", { platform: "discord", chatId: "mine" }, 300);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("alert_limit_reached");
  });
});

describe("linking", () => {
  it("leaves a community alert where it posts, and counted once for its community, when its creator links", async () => {
    const guild = "2700000000000000001";
    const origin = channel(guild, "2700000000000000002", "2700000000000000003");
    const ids: string[] = [];
    for (let i = 0; i < COMMUNITY_CAP; i++)
      ids.push((await create("discord", "link-dc", origin, 310 + i)).body.id);
    const code = await h.api("POST", "/v1/link-codes", { token: "telegram", as: "link-tg" });
    expect(code.status).toBe(201);
    const linked = await h.api("POST", "/v1/link-codes/redeem", {
      token: "discord",
      as: "link-dc",
      body: { code: code.body.code },
    });
    expect(linked.status).toBe(200);
    for (const id of ids) {
      const read = await h.api("GET", `/v1/alerts/${id}`, { token: "telegram", as: "link-tg" });
      expect(read.body.origin).toEqual(origin);
      // The change event the link wrote carries the destination too: the matcher keeps posting there.
      const [event] = await sql(
        h.db.url,
        "select payload->'alert'->'origin' as origin from outbox where payload->'alert'->>'id' = $1 order by id desc limit 1",
        [id],
      );
      expect(event.origin).toEqual(origin);
    }
    const listed = await h.api("GET", `/v1/alerts?destination=discord:2700000000000000002`, {
      token: "discord",
      as: "someone",
    });
    expect(listed.body.alerts).toHaveLength(COMMUNITY_CAP);
    const refused = await create("discord", "link-other", origin, 330);
    expect(refused.body.error.message).toBe(
      "this server has 3 active alerts, the most allowed; delete one first",
    );
  });
});
