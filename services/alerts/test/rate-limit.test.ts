import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Answer, anotherPriceAlert, priceAlert, sql, startPostgresHarness } from "./harness.ts";

// Three commands a minute: one token comes back every 20 seconds.
const PER_MINUTE = 3;

let h: Awaited<ReturnType<typeof startPostgresHarness>>;
let alertId: string;
beforeAll(async () => {
  h = await startPostgresHarness({ userCommandsPerMinute: PER_MINUTE });
  alertId = (await h.api("POST", "/v1/alerts", { as: "setup-user", body: priceAlert() })).body.id;
});
afterAll(async () => {
  await h?.close();
});

function expectLimited(res: Answer, seconds: number) {
  expect(res.status, res.text).toBe(429);
  expect(res.body).toEqual({
    error: {
      code: "rate_limited",
      message: `Too many commands; try again in ${seconds} seconds`,
      details: { retryAfterSeconds: seconds },
    },
  });
  expect(res.headers.get("retry-after")).toBe(String(seconds));
}

describe("per-user command rate limit", () => {
  it("allows a burst of the per-minute allowance, then answers 429 with Retry-After", async () => {
    for (let i = 0; i < PER_MINUTE; i++) {
      expect((await h.api("GET", "/v1/alerts", { as: "burst" })).status).toBe(200);
    }
    expectLimited(await h.api("GET", "/v1/alerts", { as: "burst" }), 20);
    h.clock.advance(5_000);
    expectLimited(await h.api("GET", "/v1/alerts", { as: "burst" }), 15);
  });

  it("gives a token back as time passes", async () => {
    for (let i = 0; i < PER_MINUTE; i++) await h.api("GET", "/v1/watchlist", { as: "patient" });
    expect((await h.api("GET", "/v1/watchlist", { as: "patient" })).status).toBe(429);
    h.clock.advance(20_000);
    expect((await h.api("GET", "/v1/watchlist", { as: "patient" })).status).toBe(200);
    expect((await h.api("GET", "/v1/watchlist", { as: "patient" })).status).toBe(429);
    h.clock.advance(60_000);
    for (let i = 0; i < PER_MINUTE; i++) {
      expect((await h.api("GET", "/v1/watchlist", { as: "patient" })).status).toBe(200);
    }
  });

  it("counts every route that acts for the user against one allowance", async () => {
    const as = "mixed";
    expect((await h.api("GET", "/v1/alerts", { as })).status).toBe(200);
    expect((await h.api("GET", "/v1/watchlist", { as })).status).toBe(200);
    expect((await h.api("GET", "/v1/deliveries/undeliverable", { as })).status).toBe(200);
    for (const [method, path, body] of [
      ["GET", "/v1/alerts", undefined],
      ["POST", "/v1/alerts", anotherPriceAlert()],
      ["GET", `/v1/alerts/${alertId}`, undefined],
      ["GET", "/v1/watchlist", undefined],
      ["POST", "/v1/watchlist", { symbols: ["AAPL"] }],
      ["POST", "/v1/link-codes", undefined],
      ["POST", "/v1/link-codes/redeem", { code: "ABCDEFGH" }],
      ["GET", "/v1/deliveries/undeliverable", undefined],
      ["POST", "/v1/deliveries/undeliverable/ack", undefined],
    ] as const) {
      expectLimited(await h.api(method, path, { as, body }), 20);
    }
    // Refused commands changed nothing.
    const alerts = await sql(
      h.db.url,
      "select count(*)::int as n from alerts a join platform_identities i on i.user_id = a.user_id where i.platform_user_id = $1",
      [as],
    );
    expect(alerts[0].n).toBe(0);
  });

  it("limits each user on their own: another user, or the same id on another platform, is not affected", async () => {
    for (let i = 0; i < PER_MINUTE + 1; i++) await h.api("GET", "/v1/alerts", { as: "noisy" });
    expect((await h.api("GET", "/v1/alerts", { as: "noisy" })).status).toBe(429);
    expect((await h.api("GET", "/v1/alerts", { as: "quiet" })).status).toBe(200);
    expect((await h.api("GET", "/v1/alerts", { token: "discord", as: "noisy" })).status).toBe(200);
  });

  it("counts a command once: requests with the same X-Command-Id share one token", async () => {
    const as = "commander";
    for (let command = 1; command <= PER_MINUTE; command++) {
      const headers = { "x-command-id": `command-000${command}` };
      // What a bot's /alert takes: the undeliverable check, its acknowledgement, the create.
      expect((await h.api("GET", "/v1/deliveries/undeliverable", { as, headers })).status).toBe(200);
      expect((await h.api("POST", "/v1/deliveries/undeliverable/ack", { as, headers })).status).toBe(200);
      expect((await h.api("POST", "/v1/alerts", { as, headers, body: anotherPriceAlert() })).status).toBe(
        201,
      );
    }
    expectLimited(await h.api("GET", "/v1/alerts", { as, headers: { "x-command-id": "command-0004" } }), 20);
    // A command that already took its token finishes even though the allowance is spent.
    expect(
      (await h.api("GET", "/v1/alerts", { as, headers: { "x-command-id": "command-0003" } })).status,
    ).toBe(200);
  });

  it("refuses a malformed X-Command-Id with 400, spending nothing", async () => {
    for (const bad of ["short", "has space in it", "x".repeat(65), "émoji-command"]) {
      const res = await h.api("GET", "/v1/alerts", { as: "odd-ids", headers: { "x-command-id": bad } });
      expect(res.status, bad).toBe(400);
      expect(res.body.error.code).toBe("invalid_command_id");
      expect(res.body.error.message).toMatch(/X-Command-Id/);
    }
    for (let i = 0; i < PER_MINUTE; i++)
      expect((await h.api("GET", "/v1/alerts", { as: "odd-ids" })).status).toBe(200);
  });

  it("does not limit /v1/users/resolve, the internal routes or the bot's own delivery log", async () => {
    for (let i = 0; i < PER_MINUTE + 1; i++) await h.api("GET", "/v1/alerts", { as: "exhausted" });
    expect((await h.api("GET", "/v1/alerts", { as: "exhausted" })).status).toBe(429);
    for (let i = 0; i < 10; i++) {
      const resolved = await h.api("POST", "/v1/users/resolve", { body: { platformUserId: "exhausted" } });
      expect(resolved.status).toBe(200);
      expect((await h.api("GET", "/v1/internal/demand", { token: "internal" })).status).toBe(200);
      expect((await h.api("GET", "/v1/internal/alerts", { token: "internal" })).status).toBe(200);
      expect((await h.api("GET", `/v1/deliveries/${alertId}:${i}`)).status).toBe(200);
      const put = await h.api("PUT", `/v1/deliveries/${alertId}:${i}`, { body: { alertId, status: "sent" } });
      expect(put.status).toBe(201);
    }
  });

  it("shares one allowance between linked identities", async () => {
    const code = await h.api("POST", "/v1/link-codes", { token: "telegram", as: "linked-tg" });
    expect(
      (
        await h.api("POST", "/v1/link-codes/redeem", {
          token: "discord",
          as: "linked-dc",
          body: { code: code.body.code },
        })
      ).status,
    ).toBe(200);
    // linked-tg spent 1 and linked-dc 1 (as separate users); now one user with a fresh-ish bucket of its own.
    h.clock.advance(60_000);
    for (let i = 0; i < PER_MINUTE; i++) {
      const token = i % 2 === 0 ? "telegram" : "discord";
      const as = i % 2 === 0 ? "linked-tg" : "linked-dc";
      expect((await h.api("GET", "/v1/alerts", { token, as })).status).toBe(200);
    }
    expect((await h.api("GET", "/v1/alerts", { token: "discord", as: "linked-dc" })).status).toBe(429);
    expect((await h.api("GET", "/v1/alerts", { token: "telegram", as: "linked-tg" })).status).toBe(429);
  });

  it("tells the link-code guesser when to come back too (Retry-After on every 429)", async () => {
    h.clock.advance(60_000);
    // Five wrong codes are allowed per 10 minutes; with 3 commands a minute, space them out.
    for (let i = 0; i < 5; i++) {
      h.clock.advance(20_000);
      await h.api("POST", "/v1/link-codes/redeem", {
        token: "discord",
        as: "guesser",
        body: { code: "ZZZZZZZZ" },
      });
    }
    h.clock.advance(20_000);
    const res = await h.api("POST", "/v1/link-codes/redeem", {
      token: "discord",
      as: "guesser",
      body: { code: "ZZZZZZZZ" },
    });
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe("too_many_attempts");
    expect(Number(res.headers.get("retry-after"))).toBe(res.body.error.details.retryAfterSeconds);
  });
});
