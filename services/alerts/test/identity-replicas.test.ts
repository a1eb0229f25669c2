// Every bot request starts with "who is this identity?", which each replica remembers. A link moves an
// identity to another user (and deletes the former one) in one replica; every other replica must stop
// answering the former user at once, or its commands would act for a user that no longer exists.

import { createTestDatabase, type TestDatabase } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, priceAlert, sql, startHarness } from "./harness.ts";

let db: TestDatabase;
let linker: Harness;
let other: Harness;
beforeAll(async () => {
  db = await createTestDatabase("tb_alerts_identity");
  linker = await startHarness({ kind: "postgres", url: db.url });
  other = await startHarness({ kind: "postgres", url: db.url });
});
afterAll(async () => {
  await linker?.close();
  await other?.close();
  await db?.drop();
});

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function linkDiscordToTelegram(discordId: string, telegramId: string): Promise<string> {
  const code = await linker.api("POST", "/v1/link-codes", { token: "telegram", as: telegramId });
  const linked = await linker.api("POST", "/v1/link-codes/redeem", {
    token: "discord",
    as: discordId,
    body: { code: code.body.code },
  });
  expect(linked.status).toBe(200);
  return linked.body.user.id;
}

describe("a link made in one replica", () => {
  it("is what every other replica answers for the moved identity", async () => {
    // The other replica knows the Discord identity as its own user (and remembers it).
    const before = await other.api("POST", "/v1/alerts", {
      token: "discord",
      as: "dc-moving",
      body: priceAlert({ symbol: "TSLA", origin: { platform: "discord", chatId: "dm" } }),
    });
    expect(before.status).toBe(201);
    const formerUserId = before.body.userId;
    expect((await other.api("GET", "/v1/alerts", { token: "discord", as: "dc-moving" })).status).toBe(200);

    const ownerId = await linkDiscordToTelegram("dc-moving", "tg-keeping");
    expect(ownerId).not.toBe(formerUserId);

    // Through the other replica the Discord identity now acts for the owner: its new alert is the owner's.
    const created = await eventually(
      () =>
        other.api("POST", "/v1/alerts", {
          token: "discord",
          as: "dc-moving",
          body: priceAlert({ symbol: "NVDA", origin: { platform: "discord", chatId: "dm" } }),
        }),
      (answer) => answer.status === 201,
    );
    expect(created.status).toBe(201);
    expect(created.body.userId).toBe(ownerId);
    const [former] = await sql(db.url, "select count(*)::int as n from users where id = $1", [formerUserId]);
    expect(former.n).toBe(0);
  });

  it("reaches a replica whose listening connection was cut, which looks identities up until it is back", async () => {
    const mine = await other.api("POST", "/v1/watchlist", {
      token: "discord",
      as: "dc-cut",
      body: { symbols: ["AMD"] },
    });
    expect(mine.status).toBe(200);
    // Cut every LISTEN connection of the other replica (and the linker's: the test cannot tell them apart),
    // then link at once, before any of them is back. Only this suite's database: other suites run alongside.
    const cut = await sql(
      db.url,
      `select pg_terminate_backend(pid) as cut from pg_stat_activity
        where application_name like 'tickerbell-listen-%' and datname = current_database()`,
    );
    expect(cut.length).toBeGreaterThan(0);
    const ownerId = await linkDiscordToTelegram("dc-cut", "tg-cut-owner");
    const answer = await other.api("POST", "/v1/alerts", {
      token: "discord",
      as: "dc-cut",
      body: priceAlert({ symbol: "AMD", origin: { platform: "discord", chatId: "dm" } }),
    });
    expect(answer.status).toBe(201);
    expect(answer.body.userId).toBe(ownerId);
  });
});
