import { type Alert, AlertSchema, UserSettingsSchema } from "@tickerbell/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../src/db/orm.ts";
import {
  anotherPriceAlert,
  applyFiring,
  type Harness,
  origin,
  startHarness,
  startPostgresHarness,
} from "./harness.ts";

let h: Awaited<ReturnType<typeof startPostgresHarness>>;
beforeAll(async () => {
  h = await startPostgresHarness();
});
afterAll(async () => {
  await h?.close();
});

describe("GET and PATCH /v1/settings", () => {
  it("answers the defaults (no zone: UTC, no quiet hours) until the user changes something", async () => {
    const res = await h.api("GET", "/v1/settings", { as: "set-1" });
    expect(res.status).toBe(200);
    expect(UserSettingsSchema.parse(res.body)).toEqual({ timeZone: null, quietHours: null, charts: true });
  });

  it("takes an IANA zone in its canonical spelling and quiet hours that wrap midnight, each change on its own", async () => {
    const zone = await h.api("PATCH", "/v1/settings", { as: "set-2", body: { timeZone: "europe/berlin" } });
    expect(zone.status).toBe(200);
    expect(zone.body).toEqual({ timeZone: "Europe/Berlin", quietHours: null, charts: true });
    const quiet = await h.api("PATCH", "/v1/settings", {
      as: "set-2",
      body: { quietHours: { start: "22:00", end: "07:30" } },
    });
    expect(quiet.body).toEqual({
      timeZone: "Europe/Berlin",
      quietHours: { start: "22:00", end: "07:30" },
      charts: true,
    });
    expect((await h.api("GET", "/v1/settings", { as: "set-2" })).body).toEqual(quiet.body);
    const off = await h.api("PATCH", "/v1/settings", { as: "set-2", body: { quietHours: null } });
    expect(off.body).toEqual({ timeZone: "Europe/Berlin", quietHours: null, charts: true });
    const utc = await h.api("PATCH", "/v1/settings", { as: "set-2", body: { timeZone: null } });
    expect(utc.body).toEqual({ timeZone: null, quietHours: null, charts: true });
  });

  it.each([
    [
      { timeZone: "Europe/Berln" },
      /"Europe\/Berln" is not a time zone; use an IANA name like Europe\/Berlin/,
    ],
    [{ timeZone: "+01:00" }, /"\+01:00" is not a time zone/],
    [{ timeZone: "" }, /timeZone must not be empty/],
    [{ quietHours: { start: "25:00", end: "07:00" } }, /HH:MM on a 24-hour clock/],
    [{ quietHours: { start: "7:00", end: "22:00" } }, /HH:MM on a 24-hour clock/],
    [{ quietHours: { start: "22:00", end: "22:00" } }, /must start and end at different times/],
    [{ quietHours: "22:00-07:00" }, /quietHours/],
    [{}, /nothing to change: give timeZone, quietHours or charts/],
    [{ charts: "off" }, /charts is true or false/],
    [{ charts: null }, /charts is true or false/],
    [{ timeZone: "UTC", theme: "dark" }, /theme/],
  ])("refuses %j with a 400 that says why", async (body, message) => {
    const res = await h.api("PATCH", "/v1/settings", { as: "set-3", body });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(message);
    expect((await h.api("GET", "/v1/settings", { as: "set-3" })).body).toEqual({
      timeZone: null,
      quietHours: null,
      charts: true,
    });
  });

  it("turns charts off and on, each change keeping the others, and answers charts in lookups and changes", async () => {
    const since = h.clock.now().toISOString();
    h.clock.advance(1_000);
    await h.api("PATCH", "/v1/settings", { as: "chart-1", body: { timeZone: "Asia/Tokyo" } });
    const off = await h.api("PATCH", "/v1/settings", { as: "chart-1", body: { charts: false } });
    expect(off.status).toBe(200);
    expect(off.body).toEqual({ timeZone: "Asia/Tokyo", quietHours: null, charts: false });
    const quiet = await h.api("PATCH", "/v1/settings", {
      as: "chart-1",
      body: { quietHours: { start: "22:00", end: "07:00" } },
    });
    expect(quiet.body).toEqual({
      timeZone: "Asia/Tokyo",
      quietHours: { start: "22:00", end: "07:00" },
      charts: false,
    });
    expect((await h.api("GET", "/v1/settings", { as: "chart-1" })).body.charts).toBe(false);
    const id = (await h.api("POST", "/v1/users/resolve", { body: { platformUserId: "chart-1" } })).body.user
      .id as string;
    expect(
      (await h.api("POST", "/v1/settings/lookup", { body: { userIds: [id] } })).body.settings[id],
    ).toEqual(quiet.body);
    const changes = await h.api("GET", `/v1/settings/changes?since=${encodeURIComponent(since)}`);
    expect(changes.body.changes.find((c: { userId: string }) => c.userId === id)?.settings).toEqual(
      quiet.body,
    );
    const on = await h.api("PATCH", "/v1/settings", { as: "chart-1", body: { charts: true } });
    expect(on.body).toEqual({ ...quiet.body, charts: true });
  });

  it("is for bots acting for a user: no user header is a 400, the internal token a 403", async () => {
    expect((await h.api("GET", "/v1/settings")).status).toBe(400);
    expect((await h.api("GET", "/v1/settings", { token: "internal", as: "x" })).status).toBe(403);
  });

  it("lookup answers each user asked; a user without an identity on the token's platform reads as the defaults", async () => {
    await h.api("PATCH", "/v1/settings", {
      as: "look-1",
      body: { timeZone: "Asia/Tokyo", quietHours: { start: "23:00", end: "06:00" } },
    });
    const tg = (await h.api("POST", "/v1/users/resolve", { body: { platformUserId: "look-1" } })).body.user
      .id;
    const dc = (
      await h.api("POST", "/v1/users/resolve", { token: "discord", body: { platformUserId: "look-1" } })
    ).body.user.id;
    await h.api("PATCH", "/v1/settings", {
      token: "discord",
      as: "look-1",
      body: { timeZone: "Asia/Tokyo" },
    });
    const res = await h.api("POST", "/v1/settings/lookup", { body: { userIds: [tg, dc] } });
    expect(res.status).toBe(200);
    expect(res.body.settings).toEqual({
      [tg]: { timeZone: "Asia/Tokyo", quietHours: { start: "23:00", end: "06:00" }, charts: true },
      [dc]: { timeZone: null, quietHours: null, charts: true },
    });
    const bad = await h.api("POST", "/v1/settings/lookup", { body: { userIds: ["nope"] } });
    expect(bad.status).toBe(400);
  });
});

describe("GET /v1/settings/changes", () => {
  it("lists the token's platform's users' settings in the order they changed, from a position, ties by user", async () => {
    h.clock.advance(3_600_000);
    const before = h.clock.now().toISOString();
    h.clock.advance(1_000);
    const set = (as: string, body: object, token?: "discord") =>
      h.api("PATCH", "/v1/settings", { as, body, ...(token ? { token } : {}) });
    await set("chg-1", { timeZone: "Asia/Tokyo" });
    await set("chg-2", { quietHours: { start: "22:00", end: "07:00" } });
    await set("chg-dc", { timeZone: "Europe/Paris" }, "discord");
    h.clock.advance(1_000);
    await set("chg-3", { timeZone: "America/New_York" });
    const idOf = async (who: string) =>
      (await h.api("POST", "/v1/users/resolve", { body: { platformUserId: who } })).body.user.id as string;
    const [one, two, three] = [await idOf("chg-1"), await idOf("chg-2"), await idOf("chg-3")];

    const all = await h.api("GET", `/v1/settings/changes?since=${encodeURIComponent(before)}`);
    expect(all.status).toBe(200);
    // The Discord user's settings are not the Telegram bot's business.
    expect(all.body.changes.map((c: { userId: string }) => c.userId)).toEqual([...[one, two].sort(), three]);
    expect(all.body.more).toBe(false);
    expect(all.body.changes.at(-1)).toMatchObject({
      userId: three,
      settings: { timeZone: "America/New_York", quietHours: null, charts: true },
    });
    // From the first of two changes at the same moment: the second, then the later one.
    const [first] = all.body.changes;
    const next = await h.api(
      "GET",
      `/v1/settings/changes?${new URLSearchParams({ since: first.updatedAt, afterUserId: first.userId })}`,
    );
    expect(next.body.changes.map((c: { userId: string }) => c.userId)).toEqual(
      all.body.changes.slice(1).map((c: { userId: string }) => c.userId),
    );
    const dc = await h.api("GET", `/v1/settings/changes?since=${encodeURIComponent(before)}`, {
      token: "discord",
    });
    expect(dc.body.changes.map((c: { settings: { timeZone: string } }) => c.settings.timeZone)).toEqual([
      "Europe/Paris",
    ]);
    expect((await h.api("GET", "/v1/settings/changes?since=yesterday")).status).toBe(400);
    expect((await h.api("GET", `/v1/settings/changes?afterUserId=${one}`)).status).toBe(400);
  });
});

describe("urgent alerts", () => {
  it("are stored and answered with urgent: true; other alerts say false", async () => {
    const urgent = await h.api("POST", "/v1/alerts", {
      as: "urg-1",
      body: anotherPriceAlert({ urgent: true }),
    });
    expect(urgent.status).toBe(201);
    expect(AlertSchema.parse(urgent.body).urgent).toBe(true);
    const plain = await h.api("POST", "/v1/alerts", { as: "urg-1", body: anotherPriceAlert() });
    expect(plain.body.urgent).toBe(false);
    expect((await h.api("GET", `/v1/alerts/${urgent.body.id}`, { as: "urg-1" })).body.urgent).toBe(true);
    const bad = await h.api("POST", "/v1/alerts", {
      as: "urg-1",
      body: anotherPriceAlert({ urgent: "yes" }),
    });
    expect(bad.status).toBe(400);
  });
});

/** A Telegram alert of `as`, fired once (generation 0): its triggerId and the notification that was published. */
async function firedAlert(harness: Harness, as: string) {
  const created = await harness.api("POST", "/v1/alerts", {
    as,
    body: anotherPriceAlert({ repeat: { cooldownSeconds: 60 }, origin: origin("telegram", `chat-${as}`) }),
  });
  const alert = AlertSchema.parse(created.body) as Alert;
  const firedAt = new Date(harness.clock.now().getTime() - 10 * 60_000);
  const triggerId = await applyFiring(harness, alert, { generation: 0, price: 201, firedAt, done: false });
  // What the matcher published, as the alert service keeps it for re-emission.
  harness.clock.advance(1000);
  const [notification] = await harness.service.runtime
    .claimUndelivered(0, 500)
    .then((all) => all.filter((n) => n.triggerId === triggerId));
  return { alert, triggerId, notification: notification! };
}

describe("held notifications", () => {
  it("hold once per triggerId, list the user with their settings, claim for a lease, and are released by the delivery log", async () => {
    await h.api("PATCH", "/v1/settings", {
      as: "held-1",
      body: { timeZone: "Europe/Berlin", quietHours: { start: "22:00", end: "07:00" } },
    });
    const first = await firedAlert(h, "held-1");
    const second = await firedAlert(h, "held-1");
    const hold = await h.api("PUT", "/v1/held", {
      body: { notifications: [first.notification, second.notification, first.notification] },
    });
    expect(hold.body).not.toHaveProperty("error");
    expect(hold.status).toBe(200);
    expect(hold.body.results.map((r: { result: string }) => r.result)).toEqual([
      "held",
      "held",
      "already_held",
    ]);
    // Another platform's bot cannot hold a Telegram alert's notification.
    const foreign = await h.api("PUT", "/v1/held", {
      token: "discord",
      body: { notifications: [first.notification] },
    });
    expect(foreign.body.results[0]).toMatchObject({ result: "refused", error: { code: "alert_not_found" } });

    // A held firing is not re-emitted: it is waiting for the digest, not lost.
    h.clock.advance(5 * 60_000);
    const reemitted = await h.service.runtime.claimUndelivered(0, 500);
    expect(reemitted.map((n) => n.triggerId)).not.toContain(first.triggerId);

    const users = await h.api("GET", "/v1/held");
    const mine = users.body.users.find((u: { userId: string }) => u.userId === first.alert.userId);
    expect(mine).toMatchObject({
      held: 2,
      settings: { timeZone: "Europe/Berlin", quietHours: { start: "22:00", end: "07:00" } },
    });
    expect((await h.api("GET", "/v1/held", { token: "discord" })).body.users).toEqual([]);

    const claim = await h.api("POST", "/v1/held/claim", { body: { userId: first.alert.userId } });
    expect(claim.body.notifications.map((n: { triggerId: string }) => n.triggerId)).toEqual([
      first.triggerId,
      second.triggerId,
    ]);
    // Within the lease nobody else gets them; after it they are handed out again.
    expect((await h.api("POST", "/v1/held/claim", { body: { userId: first.alert.userId } })).body).toEqual({
      notifications: [],
    });
    h.clock.advance(121_000);
    const again = await h.api("POST", "/v1/held/claim", {
      body: { userId: first.alert.userId, leaseSeconds: 5 },
    });
    expect(again.body.notifications).toHaveLength(2);

    const recorded = await h.api("PUT", "/v1/deliveries", {
      body: {
        records: [first, second].map((f) => ({
          triggerId: f.triggerId,
          alertId: f.alert.id,
          status: "sent",
        })),
      },
    });
    expect(recorded.status).toBe(200);
    const after = await h.api("GET", "/v1/held");
    expect(after.body.users.map((u: { userId: string }) => u.userId)).not.toContain(first.alert.userId);
    const late = await h.api("PUT", "/v1/held", { body: { notifications: [first.notification] } });
    expect(late.body.results[0].result).toBe("already_delivered");
  });

  it("refuses a body that is not notifications with a 400", async () => {
    const res = await h.api("PUT", "/v1/held", { body: { notifications: [{ triggerId: "x" }] } });
    expect(res.status).toBe(400);
    expect((await h.api("PUT", "/v1/held", { body: { notifications: [] } })).body.error.message).toMatch(
      /at least one/,
    );
    const claim = await h.api("POST", "/v1/held/claim", { body: { userId: "u", leaseSeconds: 1 } });
    expect(claim.status).toBe(400);
  });

  it("survive a restart of the alert service", async () => {
    const first = await firedAlert(h, "held-2");
    await h.api("PUT", "/v1/held", { body: { notifications: [first.notification] } });
    const database: Database = { kind: "postgres", url: h.db.url };
    await h.service.close();
    const restarted = await startHarness(database);
    try {
      const users = await restarted.api("GET", "/v1/held");
      expect(users.body.users.map((u: { userId: string }) => u.userId)).toContain(first.alert.userId);
      const claim = await restarted.api("POST", "/v1/held/claim", { body: { userId: first.alert.userId } });
      expect(claim.body.notifications).toEqual([first.notification]);
    } finally {
      await restarted.close();
    }
    // The suite's harness is closed; start another on the same database for afterAll's close.
    const reopened = await startHarness(database);
    h = {
      ...h,
      ...reopened,
      close: async () => {
        await reopened.close();
        await h.db.drop();
      },
    };
  });
});
