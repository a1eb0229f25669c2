import {
  MAX_WATCHLIST_SIZE,
  RedeemLinkCodeResponseSchema,
  ResolveUserResponseSchema,
} from "@tickerbell/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { origin, priceAlert, sql, startPostgresHarness } from "./harness.ts";

let h: Awaited<ReturnType<typeof startPostgresHarness>>;
beforeAll(async () => {
  h = await startPostgresHarness();
});
afterAll(async () => {
  await h?.close();
});

describe("resolve-or-register", () => {
  it("registers on first contact and resolves the same user afterwards", async () => {
    const first = await h.api("POST", "/v1/users/resolve", {
      body: { platformUserId: "1001", displayName: "Ann" },
    });
    expect(first.status).toBe(201);
    const parsed = ResolveUserResponseSchema.parse(first.body);
    expect(parsed).toMatchObject({
      created: true,
      user: { identities: [{ platform: "telegram", platformUserId: "1001" }] },
    });
    const second = await h.api("POST", "/v1/users/resolve", { body: { platformUserId: "1001" } });
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ ...first.body, created: false });
  });

  it("creates exactly one user under concurrent first contacts", async () => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        h.api("POST", "/v1/users/resolve", { body: { platformUserId: "race-1" } }),
      ),
    );
    expect(new Set(answers.map((a) => a.body.user.id)).size).toBe(1);
    expect(answers.filter((a) => a.body.created)).toHaveLength(1);
    const [count] = await sql(
      h.db.url,
      "select count(*)::int as n from platform_identities where platform_user_id = 'race-1'",
    );
    expect(count.n).toBe(1);
    const [users] = await sql(h.db.url, "select count(*)::int as n from users where id = $1", [
      answers[0]!.body.user.id,
    ]);
    expect(users.n).toBe(1);
  });

  it("registers many first contacts that arrive together, each identity its own user once", async () => {
    const names = Array.from({ length: 30 }, (_, i) => `crowd-${i}`);
    // Each identity twice, with a display name that needs quoting, all at the same moment.
    const answers = await Promise.all(
      [...names, ...names].map((platformUserId) =>
        h.api("POST", "/v1/users/resolve", {
          body: { platformUserId, displayName: `O'Brien "${platformUserId}" ✓` },
        }),
      ),
    );
    const userOf = new Map<string, Set<string>>();
    for (const [i, answer] of answers.entries()) {
      expect(answer.status).toBeLessThan(300);
      const id = names[i % names.length]!;
      userOf.set(id, (userOf.get(id) ?? new Set()).add(answer.body.user.id));
    }
    expect([...userOf.values()].every((ids) => ids.size === 1)).toBe(true);
    expect(new Set([...userOf.values()].map((ids) => [...ids][0])).size).toBe(names.length);
    expect(answers.filter((a) => a.body.created)).toHaveLength(names.length);
    const rows = await sql(
      h.db.url,
      `select i.platform_user_id, i.display_name from platform_identities i join users u on u.id = i.user_id
        where i.platform_user_id like 'crowd-%'`,
    );
    expect(rows).toHaveLength(names.length);
    expect(rows.find((r) => r.platform_user_id === "crowd-7")?.display_name).toBe(`O'Brien "crowd-7" ✓`);
  });

  it("keeps the display name up to date", async () => {
    await h.api("POST", "/v1/users/resolve", { body: { platformUserId: "1001", displayName: "Annie" } });
    const [row] = await sql(
      h.db.url,
      "select display_name from platform_identities where platform_user_id = '1001'",
    );
    expect(row.display_name).toBe("Annie");
  });
});

describe("watchlist", () => {
  it("adds normalised tickers once, lists them sorted, and removes them", async () => {
    const added = await h.api("POST", "/v1/watchlist", {
      as: "watcher",
      body: { symbols: ["msft", "$aapl", "MSFT"] },
    });
    expect(added.status).toBe(200);
    expect(added.body.items.map((i: { symbol: string }) => i.symbol)).toEqual(["AAPL", "MSFT"]);
    const again = await h.api("POST", "/v1/watchlist", {
      as: "watcher",
      body: { symbols: ["aapl", "nvda"] },
    });
    expect(again.body.items.map((i: { symbol: string }) => i.symbol)).toEqual(["AAPL", "MSFT", "NVDA"]);
    expect(again.body.items[0].addedAt).toBe(added.body.items[0].addedAt);
    const listed = await h.api("GET", "/v1/watchlist", { as: "watcher" });
    expect(listed.body).toEqual(again.body);
    const removed = await h.api("DELETE", "/v1/watchlist/msft", { as: "watcher" });
    expect(removed.status).toBe(200);
    expect(removed.body.items.map((i: { symbol: string }) => i.symbol)).toEqual(["AAPL", "NVDA"]);
  });

  it("answers 404 when removing a ticker that is not on the list", async () => {
    const res = await h.api("DELETE", "/v1/watchlist/TSLA", { as: "watcher" });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("not_on_watchlist");
  });

  it("keeps each user's watchlist apart", async () => {
    const other = await h.api("GET", "/v1/watchlist", { as: "someone-else" });
    expect(other.body.items).toEqual([]);
  });

  it(`refuses to grow past ${MAX_WATCHLIST_SIZE} tickers`, async () => {
    for (let batch = 0; batch < MAX_WATCHLIST_SIZE / 20; batch++) {
      const symbols = Array.from({ length: 20 }, (_, i) => `W${batch * 20 + i}`);
      expect((await h.api("POST", "/v1/watchlist", { as: "hoarder", body: { symbols } })).status).toBe(200);
    }
    const res = await h.api("POST", "/v1/watchlist", { as: "hoarder", body: { symbols: ["ONEMORE", "W0"] } });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: "watchlist_full", details: { limit: MAX_WATCHLIST_SIZE } });
    const existing = await h.api("POST", "/v1/watchlist", { as: "hoarder", body: { symbols: ["W0"] } });
    expect(existing.status).toBe(200);
  });
});

describe("link codes", () => {
  async function code(token: "telegram" | "discord" | "console", as: string): Promise<string> {
    const res = await h.api("POST", "/v1/link-codes", { token, as });
    expect(res.status).toBe(201);
    return res.body.code;
  }

  it("creates an 8-character code valid for 10 minutes, stored only as a hash", async () => {
    const res = await h.api("POST", "/v1/link-codes", { as: "linker" });
    expect(res.body.code).toMatch(/^[A-Z0-9]{8}$/);
    expect(Date.parse(res.body.expiresAt) - h.clock.now().getTime()).toBe(600_000);
    const rows = await sql(h.db.url, "select * from link_codes");
    expect(JSON.stringify(rows)).not.toContain(res.body.code);
    expect(rows.some((r) => /^[0-9a-f]{64}$/.test(r.code_hash))).toBe(true);
  });

  it("joins a second platform's identity, moving its alerts and watchlist over", async () => {
    await h.api("POST", "/v1/watchlist", { token: "telegram", as: "tg-owner", body: { symbols: ["AAPL"] } });
    const telegramAlert = await h.api("POST", "/v1/alerts", {
      token: "telegram",
      as: "tg-owner",
      body: priceAlert(),
    });
    await h.api("POST", "/v1/watchlist", {
      token: "discord",
      as: "dc-joiner",
      body: { symbols: ["AAPL", "TSLA"] },
    });
    const discordAlert = await h.api("POST", "/v1/alerts", {
      token: "discord",
      as: "dc-joiner",
      body: priceAlert({ symbol: "TSLA", origin: origin("discord", "dm") }),
    });
    const ownerCode = await code("telegram", "tg-owner");

    const res = await h.api("POST", "/v1/link-codes/redeem", {
      token: "discord",
      as: "dc-joiner",
      body: { code: ownerCode.toLowerCase() },
    });
    expect(res.status).toBe(200);
    const linked = RedeemLinkCodeResponseSchema.parse(res.body);
    expect(linked.movedAlerts).toBe(1);
    expect(linked.user.identities).toHaveLength(2);
    expect(linked.user.identities).toEqual(
      expect.arrayContaining([
        { platform: "telegram", platformUserId: "tg-owner" },
        { platform: "discord", platformUserId: "dc-joiner" },
      ]),
    );
    expect(linked.user.id).toBe(telegramAlert.body.userId);

    for (const [token, as] of [
      ["telegram", "tg-owner"],
      ["discord", "dc-joiner"],
    ] as const) {
      const alerts = await h.api("GET", "/v1/alerts", { token, as });
      expect(alerts.body.alerts.map((a: { id: string }) => a.id).sort()).toEqual(
        [telegramAlert.body.id, discordAlert.body.id].sort(),
      );
      const watchlist = await h.api("GET", "/v1/watchlist", { token, as });
      expect(watchlist.body.items.map((i: { symbol: string }) => i.symbol)).toEqual(["AAPL", "TSLA"]);
    }
    // The moved alert keeps notifying where it was created; its new owner goes out on alerts.changes.
    const moved = await h.api("GET", `/v1/alerts/${discordAlert.body.id}`, {
      token: "telegram",
      as: "tg-owner",
    });
    expect(moved.body).toMatchObject({ userId: linked.user.id, origin: { platform: "discord" } });
    const [event] = await sql(
      h.db.url,
      "select payload from outbox where payload->'alert'->>'id' = $1 order by id desc limit 1",
      [discordAlert.body.id],
    );
    expect(event.payload).toMatchObject({ change: "updated", alert: { userId: linked.user.id } });
    const [former] = await sql(h.db.url, "select count(*)::int as n from users where id = $1", [
      discordAlert.body.userId,
    ]);
    expect(former.n).toBe(0);
  });

  it("is single-use", async () => {
    const c = await code("telegram", "single-use-owner");
    expect(
      (await h.api("POST", "/v1/link-codes/redeem", { token: "discord", as: "su-1", body: { code: c } }))
        .status,
    ).toBe(200);
    const second = await h.api("POST", "/v1/link-codes/redeem", {
      token: "console",
      as: "su-2",
      body: { code: c },
    });
    expect(second.status).toBe(404);
    expect(second.body.error.code).toBe("invalid_link_code");
  });

  it("expires after 10 minutes", async () => {
    const c = await code("telegram", "slow-owner");
    h.clock.advance(601_000);
    const res = await h.api("POST", "/v1/link-codes/redeem", {
      token: "discord",
      as: "slow-joiner",
      body: { code: c },
    });
    expect(res.status).toBe(404);
  });

  it("refuses the code's own account, and leaves the code for the account it was meant for", async () => {
    const c = await code("telegram", "self-linker");
    for (let i = 0; i < 2; i++) {
      const res = await h.api("POST", "/v1/link-codes/redeem", {
        token: "telegram",
        as: "self-linker",
        body: { code: c },
      });
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ code: "own_link_code" });
      expect(res.body.error.message).toMatch(/your own account's/);
    }
    const meant = await h.api("POST", "/v1/link-codes/redeem", {
      token: "discord",
      as: "self-linker-dc",
      body: { code: c },
    });
    expect(meant.status).toBe(200);
    expect(meant.body.user.identities).toHaveLength(2);
  });

  it("counts wrong codes sent in parallel against the limit: 40 at once, 5 checked", async () => {
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        h.api("POST", "/v1/link-codes/redeem", {
          token: "discord",
          as: "parallel-guesser",
          body: { code: `PARA${String(i).padStart(4, "0")}`.replace(/[01]/g, "Z") },
        }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 404)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(35);
  });

  it("refuses a second identity of a platform the user already has", async () => {
    const c = await code("telegram", "tg-only-one");
    const res = await h.api("POST", "/v1/link-codes/redeem", {
      token: "telegram",
      as: "tg-another",
      body: { code: c },
    });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      code: "platform_already_linked",
      details: { platform: "telegram" },
    });
  });

  it("limits failed redemptions per identity to 5 per 10 minutes", async () => {
    const good = await code("telegram", "rate-owner");
    for (let i = 0; i < 5; i++) {
      const res = await h.api("POST", "/v1/link-codes/redeem", {
        token: "discord",
        as: "guesser",
        body: { code: `WRONG${i}AA`.slice(0, 8) },
      });
      expect(res.status).toBe(404);
    }
    const blocked = await h.api("POST", "/v1/link-codes/redeem", {
      token: "discord",
      as: "guesser",
      body: { code: good },
    });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error).toMatchObject({ code: "too_many_attempts" });
    expect(blocked.body.error.details.retryAfterSeconds).toBeGreaterThan(0);
    // Another identity is not affected, and the guesser may try again once the window has passed.
    const other = await h.api("POST", "/v1/link-codes/redeem", {
      token: "discord",
      as: "bystander",
      body: { code: "ZZZZZZZZ" },
    });
    expect(other.status).toBe(404);
    h.clock.advance(10 * 60_000 + 1000);
    const fresh = await code("telegram", "rate-owner-2");
    const later = await h.api("POST", "/v1/link-codes/redeem", {
      token: "discord",
      as: "guesser",
      body: { code: fresh },
    });
    expect(later.status).toBe(200);
  });
});

it("leaves one live link code when a user asks for ten at once", async () => {
  const codes = await Promise.all(
    Array.from({ length: 10 }, () => h.api("POST", "/v1/link-codes", { as: "ten-codes" })),
  );
  expect(codes.map((c) => c.status)).toEqual(Array(10).fill(201));
  const [row] = await sql(
    h.db.url,
    `select count(*)::int as n from link_codes l join platform_identities p on p.user_id = l.user_id
      where p.platform_user_id = 'ten-codes'`,
  );
  expect(row.n).toBe(1);
});

it("keeps only a user's newest link code valid", async () => {
  const first = await h.api("POST", "/v1/link-codes", { as: "two-codes" });
  const second = await h.api("POST", "/v1/link-codes", { as: "two-codes" });
  const stale = await h.api("POST", "/v1/link-codes/redeem", {
    token: "discord",
    as: "two-codes-dc",
    body: { code: first.body.code },
  });
  expect(stale.status).toBe(404);
  const fresh = await h.api("POST", "/v1/link-codes/redeem", {
    token: "discord",
    as: "two-codes-dc",
    body: { code: second.body.code },
  });
  expect(fresh.status).toBe(200);
});
