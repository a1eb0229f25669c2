import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { origin, priceAlert, sql, startPostgresHarness } from "./harness.ts";

// Linking two accounts joins their alerts and watchlists: the result must respect the caps like any other way
// of adding to them (two users with 5 alerts each at a cap of 5 once became one user with 10).
const CAP = 5;
let h: Awaited<ReturnType<typeof startPostgresHarness>>;
beforeAll(async () => {
  h = await startPostgresHarness({ maxOpenAlertsPerUser: CAP });
});
afterAll(async () => {
  await h?.close();
});

async function alerts(token: "telegram" | "discord", as: string, count: number) {
  for (let i = 0; i < count; i++) {
    const res = await h.api("POST", "/v1/alerts", {
      token,
      as,
      body: priceAlert({
        condition: { kind: "price", direction: "above", target: 200 + i },
        origin: origin(token, as),
      }),
    });
    expect(res.status).toBe(201);
  }
}

async function linkCode(as: string): Promise<string> {
  const res = await h.api("POST", "/v1/link-codes", { token: "telegram", as });
  expect(res.status).toBe(201);
  return res.body.code;
}

const openAlerts = async (platformUserId: string) =>
  (
    await sql(
      h.db.url,
      `select count(*)::int as n from alerts a join platform_identities p on p.user_id = a.user_id
        where p.platform_user_id = $1 and a.status in ('active', 'paused')`,
      [platformUserId],
    )
  )[0].n;

describe("linking within the caps", () => {
  it("refuses a link that would exceed the alert cap, changes nothing, and works once there is room", async () => {
    await alerts("telegram", "cap-tg", 3);
    await alerts("discord", "cap-dc", 3);
    const code = await linkCode("cap-tg");
    const refused = await h.api("POST", "/v1/link-codes/redeem", {
      token: "discord",
      as: "cap-dc",
      body: { code },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: "link_over_limit",
      details: { what: "alerts", total: 6, limit: CAP },
    });
    expect(refused.body.error.message).toMatch(
      /6 active or paused alerts and the most allowed is 5; cancel 1 first/,
    );
    expect(await openAlerts("cap-tg")).toBe(3);
    expect(await openAlerts("cap-dc")).toBe(3);

    const list = await h.api("GET", "/v1/alerts", { token: "discord", as: "cap-dc" });
    const del = await h.api("DELETE", `/v1/alerts/${list.body.alerts[0].id}`, {
      token: "discord",
      as: "cap-dc",
    });
    expect(del.status).toBe(200);
    // The code was not used up by the refusal.
    const linked = await h.api("POST", "/v1/link-codes/redeem", {
      token: "discord",
      as: "cap-dc",
      body: { code },
    });
    expect(linked.status).toBe(200);
    expect(linked.body.movedAlerts).toBe(3); // every alert moves, the cancelled one too
    expect(await openAlerts("cap-tg")).toBe(CAP);
  });

  it("refuses a link that would overfill the watchlist", async () => {
    for (const [token, as, base] of [
      ["telegram", "wl-tg", 0],
      ["discord", "wl-dc", 1000],
    ] as const) {
      for (let batch = 0; batch < 6; batch++) {
        const symbols = Array.from({ length: 20 }, (_, i) => `W${base + batch * 20 + i}`);
        expect((await h.api("POST", "/v1/watchlist", { token, as, body: { symbols } })).status).toBe(200);
      }
    }
    const code = await linkCode("wl-tg");
    const refused = await h.api("POST", "/v1/link-codes/redeem", {
      token: "discord",
      as: "wl-dc",
      body: { code },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: "link_over_limit",
      details: { what: "watchlist", total: 240, limit: 200 },
    });
  });
});
