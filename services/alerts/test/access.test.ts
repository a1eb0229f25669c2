import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { origin, priceAlert, sql, startPostgresHarness, TOKENS } from "./harness.ts";

let h: Awaited<ReturnType<typeof startPostgresHarness>>;
let aliceAlert: string;
let discordAlert: string;
beforeAll(async () => {
  h = await startPostgresHarness();
  aliceAlert = (await h.api("POST", "/v1/alerts", { as: "alice", body: priceAlert() })).body.id;
  discordAlert = (
    await h.api("POST", "/v1/alerts", {
      token: "discord",
      as: "777",
      body: priceAlert({ origin: origin("discord", "dm-777") }),
    })
  ).body.id;
});
afterAll(async () => {
  await h?.close();
});

describe("authentication", () => {
  it.each([
    ["no Authorization header", { token: null }],
    ["an unknown token", { token: "not-a-real-token" }],
    ["a token with a trailing character", { token: `${TOKENS.telegram}x` }],
  ])("refuses %s with 401", async (_name, options) => {
    const res = await h.api("GET", "/v1/alerts", { as: "alice", ...options });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("unauthorized");
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
  });

  it("refuses a non-bearer scheme", async () => {
    const res = await h.api("GET", "/v1/alerts", {
      token: null,
      as: "alice",
      headers: { authorization: `Basic ${TOKENS.telegram}` },
    });
    expect(res.status).toBe(401);
  });

  it.each([
    ["POST", "/v1/users/resolve", { platformUserId: "1" }],
    ["GET", "/v1/alerts", undefined],
    ["GET", "/v1/watchlist", undefined],
    ["POST", "/v1/link-codes", undefined],
  ])("refuses the internal token on bot route %s %s with 403", async (method, path, body) => {
    const res = await h.api(method, path, { token: "internal", as: "alice", body });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("forbidden");
  });

  it.each([
    ["GET", "/v1/internal/alerts"],
    ["GET", "/v1/internal/demand"],
  ])("refuses bot tokens on internal route %s %s with 403", async (method, path) => {
    for (const token of ["telegram", "discord", "console"] as const) {
      const res = await h.api(method, path, {
        token,
        ...(method === "POST"
          ? { body: { triggerId: `${aliceAlert}:0`, price: 201, firedAt: new Date().toISOString() } }
          : {}),
      });
      expect(res.status).toBe(403);
    }
    const [row] = await sql(h.db.url, "select status from alerts where id = $1", [aliceAlert]);
    expect(row.status).toBe("active");
  });

  it("leaves health, readiness, metrics and docs open", async () => {
    for (const path of ["/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"]) {
      expect((await h.api("GET", path, { token: null })).status).toBe(200);
    }
  });
});

describe("cross-user access", () => {
  it.each([
    ["GET", undefined],
    ["PATCH", { note: "mine now" }],
    ["DELETE", undefined],
  ])("answers 404 to %s on another user's alert and changes nothing", async (method, body) => {
    const res = await h.api(method, `/v1/alerts/${aliceAlert}`, { as: "mallory", body });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("alert_not_found");
    const mine = await h.api("GET", `/v1/alerts/${aliceAlert}`, { as: "alice" });
    expect(mine.body).toMatchObject({ status: "active", note: null });
  });

  it("lists only the caller's own alerts", async () => {
    const res = await h.api("GET", "/v1/alerts", { as: "mallory" });
    expect(res.status).toBe(200);
    expect(res.body.alerts).toEqual([]);
  });
});

describe("cross-platform access", () => {
  it("a Telegram token naming a Discord user's id reaches a different (Telegram) user", async () => {
    const res = await h.api("GET", `/v1/alerts/${discordAlert}`, { token: "telegram", as: "777" });
    expect(res.status).toBe(404);
    const cancel = await h.api("DELETE", `/v1/alerts/${discordAlert}`, { token: "telegram", as: "777" });
    expect(cancel.status).toBe(404);
    const list = await h.api("GET", "/v1/alerts", { token: "telegram", as: "777" });
    expect(list.body.alerts).toEqual([]);
    const owner = await h.api("GET", `/v1/alerts/${discordAlert}`, { token: "discord", as: "777" });
    expect(owner.body.status).toBe("active");
    const identities = await sql(
      h.db.url,
      "select platform, user_id from platform_identities where platform_user_id = '777' order by platform",
    );
    expect(identities.map((i) => i.platform)).toEqual(["discord", "telegram"]);
    expect(identities[0].user_id).not.toBe(identities[1].user_id);
  });

  it("refuses to create an alert notifying another platform", async () => {
    const res = await h.api("POST", "/v1/alerts", {
      token: "telegram",
      as: "alice",
      body: priceAlert({ origin: origin("discord", "dm-1") }),
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("platform_mismatch");
  });

  it("registers resolve calls on the token's platform only", async () => {
    const res = await h.api("POST", "/v1/users/resolve", {
      token: "console",
      body: { platformUserId: "777" },
    });
    expect(res.body.user.identities).toEqual([{ platform: "console", platformUserId: "777" }]);
  });
});

describe("secrets", () => {
  it("never appear in a response or a log line", async () => {
    await h.api("GET", "/v1/alerts", { token: `${TOKENS.internal}-guess`, as: "alice" });
    await h.api("GET", "/v1/internal/demand", { token: "telegram" });
    const responses = await Promise.all([
      h.api("GET", "/openapi.json", { token: null }),
      h.api("GET", "/docs", { token: null }),
      h.api("GET", "/metrics", { token: null }),
      h.api("GET", "/v1/alerts", { token: "telegram", as: "alice" }),
      h.api("POST", "/v1/alerts", { token: "telegram", as: "alice", rawBody: "{" }),
    ]);
    const everything = [...responses.map((r) => r.text), ...h.logs].join("\n");
    expect(h.logs.length).toBeGreaterThan(0);
    for (const token of Object.values(TOKENS)) expect(everything).not.toContain(token);
    expect(everything).not.toContain(h.db.url);
  });
});

it("answers unknown routes with the error body", async () => {
  const res = await h.api("GET", "/v2/alerts", { token: null });
  expect(res.status).toBe(404);
  expect(res.body.error.code).toBe("not_found");
});
