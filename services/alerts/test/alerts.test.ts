import { AlertChangeEventSchema, AlertSchema } from "@tickerbell/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anotherPriceAlert, priceAlert, sql, startPostgresHarness } from "./harness.ts";

let h: Awaited<ReturnType<typeof startPostgresHarness>>;
beforeAll(async () => {
  h = await startPostgresHarness({ maxOpenAlertsPerUser: 3 });
});
afterAll(async () => {
  await h?.close();
});

const DAY = 24 * 3600 * 1000;

async function outboxFor(alertId: string) {
  return sql(
    h.db.url,
    "select id::text, topic, key, payload from outbox where payload->'alert'->>'id' = $1 order by id",
    [alertId],
  );
}

describe("creating alerts", () => {
  it("creates a price alert with every option and writes a `created` outbox row", async () => {
    const expiresAt = new Date(h.clock.now().getTime() + 7 * DAY).toISOString();
    const res = await h.api("POST", "/v1/alerts", {
      as: "create-1",
      body: priceAlert({
        symbol: "$aapl",
        repeat: { cooldownSeconds: 600 },
        expiresAt,
        note: "  earnings run  ",
        regularHoursOnly: true,
      }),
    });
    expect(res.status).toBe(201);
    const alert = AlertSchema.parse(res.body);
    expect(alert).toMatchObject({
      symbol: "AAPL",
      status: "active",
      generation: 0,
      referencePrice: 190,
      thresholds: { upper: 200, lower: null },
      repeat: { cooldownSeconds: 600 },
      expiresAt,
      note: "earnings run",
      regularHoursOnly: true,
      origin: { platform: "telegram", chatId: "chat-1" },
    });
    const rows = await outboxFor(alert.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ topic: "alerts.changes", key: "AAPL" });
    const event = AlertChangeEventSchema.parse(rows[0].payload);
    // The first change of AAPL in this database: seqs count per symbol.
    expect(event).toMatchObject({ v: 1, change: "created", seq: "1", alert: res.body });
  });

  it("creates percent alerts from the last price and from the previous close", async () => {
    const fromLast = await h.api("POST", "/v1/alerts", {
      as: "create-2",
      body: priceAlert({ condition: { kind: "percent", direction: "up", percent: 5 } }),
    });
    expect(fromLast.status).toBe(201);
    expect(fromLast.body).toMatchObject({
      referencePrice: 190,
      thresholds: { upper: 199.5, lower: null },
      condition: { basis: "last" },
    });
    const fromClose = await h.api("POST", "/v1/alerts", {
      as: "create-2",
      body: priceAlert({
        condition: { kind: "percent", direction: "move", percent: 10, basis: "close" },
        market: { last: 190, previousClose: 180 },
      }),
    });
    expect(fromClose.status).toBe(201);
    expect(fromClose.body).toMatchObject({ referencePrice: 180, thresholds: { upper: 198, lower: 162 } });
  });

  it("creates trailing alerts in percent and in dollars", async () => {
    for (const offset of [
      { unit: "percent", value: 8 },
      { unit: "amount", value: 12.5 },
    ]) {
      const res = await h.api("POST", "/v1/alerts", {
        as: "create-3",
        body: priceAlert({ condition: { kind: "trailing", direction: "down", offset } }),
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        referencePrice: 190,
        extreme: 190,
        thresholds: { upper: null, lower: null },
      });
    }
  });

  it("refuses a condition that already holds, showing the current price", async () => {
    const res = await h.api("POST", "/v1/alerts", {
      as: "create-4",
      body: priceAlert({ condition: { kind: "price", direction: "above", target: 185 } }),
    });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: "condition_already_met", details: { currentPrice: 190 } });
    expect(res.body.error.message).toContain("190.00");
    const move = await h.api("POST", "/v1/alerts", {
      as: "create-4",
      body: priceAlert({
        condition: { kind: "percent", direction: "up", percent: 3, basis: "close" },
        market: { last: 190, previousClose: 180 },
      }),
    });
    expect(move.status).toBe(409);
    expect(move.body.error.code).toBe("condition_already_met");
  });

  it("refuses `from close` without a previous close", async () => {
    const res = await h.api("POST", "/v1/alerts", {
      as: "create-4",
      body: priceAlert({ condition: { kind: "percent", direction: "down", percent: 3, basis: "close" } }),
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("previous_close_unknown");
    const rows = await sql(
      h.db.url,
      "select count(*)::int as n from alerts a join platform_identities i on i.user_id = a.user_id where i.platform_user_id = 'create-4'",
    );
    expect(rows[0].n).toBe(0);
  });
});

describe("the alert cap", () => {
  it("counts active and paused alerts, refuses the next one clearly, and frees a slot on cancel", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await h.api("POST", "/v1/alerts", { as: "capped", body: anotherPriceAlert() });
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
    await h.api("PATCH", `/v1/alerts/${ids[0]}`, { as: "capped", body: { status: "paused" } });
    const refused = await h.api("POST", "/v1/alerts", { as: "capped", body: anotherPriceAlert() });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: "alert_limit_reached",
      details: { limit: 3, openCount: 3 },
    });
    expect(refused.body.error.message).toMatch(/3 active or paused alerts.*most allowed is 3/);
    expect((await h.api("DELETE", `/v1/alerts/${ids[0]}`, { as: "capped" })).status).toBe(200);
    expect((await h.api("POST", "/v1/alerts", { as: "capped", body: anotherPriceAlert() })).status).toBe(201);
  });

  it("holds under concurrent creates", async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        h.api("POST", "/v1/alerts", { as: "capped-race", body: anotherPriceAlert() }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    expect(results.filter((r) => r.status === 409)).toHaveLength(3);
  });
});

describe("listing, reading, updating and cancelling", () => {
  let ids: { aapl: string; msft: string };
  beforeAll(async () => {
    const a = await h.api("POST", "/v1/alerts", { as: "lister", body: anotherPriceAlert() });
    h.clock.advance(1000); // listed oldest first: give the two distinct creation times
    const m = await h.api("POST", "/v1/alerts", {
      as: "lister",
      body: priceAlert({
        symbol: "msft",
        market: { last: 400 },
        condition: { kind: "price", direction: "below", target: 380 },
      }),
    });
    ids = { aapl: a.body.id, msft: m.body.id };
  });

  it("lists the user's alerts, filtered by status and symbol", async () => {
    const all = await h.api("GET", "/v1/alerts", { as: "lister" });
    expect(all.status).toBe(200);
    expect(all.body.alerts.map((a: { id: string }) => a.id)).toEqual([ids.aapl, ids.msft]);
    const msft = await h.api("GET", "/v1/alerts?symbol=msft", { as: "lister" });
    expect(msft.body.alerts.map((a: { id: string }) => a.id)).toEqual([ids.msft]);
    const paused = await h.api("GET", "/v1/alerts?status=paused", { as: "lister" });
    expect(paused.body.alerts).toEqual([]);
  });

  it("gets one alert", async () => {
    const res = await h.api("GET", `/v1/alerts/${ids.aapl}`, { as: "lister" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: ids.aapl, symbol: "AAPL" });
  });

  it("updates note, repeat and expiry, pauses and resumes, each with its outbox change", async () => {
    const expiresAt = new Date(h.clock.now().getTime() + 2 * DAY).toISOString();
    const edited = await h.api("PATCH", `/v1/alerts/${ids.aapl}`, {
      as: "lister",
      body: { note: "take profit", repeat: { cooldownSeconds: 3600 }, expiresAt },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ note: "take profit", repeat: { cooldownSeconds: 3600 }, expiresAt });
    const paused = await h.api("PATCH", `/v1/alerts/${ids.aapl}`, {
      as: "lister",
      body: { status: "paused" },
    });
    expect(paused.body.status).toBe("paused");
    expect((await h.api("GET", "/v1/alerts?status=paused", { as: "lister" })).body.alerts).toHaveLength(1);
    const resumed = await h.api("PATCH", `/v1/alerts/${ids.aapl}`, {
      as: "lister",
      body: { status: "active" },
    });
    expect(resumed.body.status).toBe("active");
    const cleared = await h.api("PATCH", `/v1/alerts/${ids.aapl}`, {
      as: "lister",
      body: { note: null, repeat: null, expiresAt: null },
    });
    expect(cleared.body).toMatchObject({ note: null, repeat: null, expiresAt: null });
    const rows = await outboxFor(ids.aapl);
    expect(rows.map((r) => r.payload.change)).toEqual(["created", "updated", "paused", "resumed", "updated"]);
    // Each change is a new version, so a consumer can order snapshots of one alert.
    expect(rows.map((r) => r.payload.alert.version)).toEqual([1, 2, 3, 4, 5]);
    expect(cleared.body.version).toBe(5);
  });

  it("turns regular-hours-only and urgent on and off, keeping the alert's levels", async () => {
    const before = (await h.api("GET", `/v1/alerts/${ids.aapl}`, { as: "lister" })).body;
    const on = await h.api("PATCH", `/v1/alerts/${ids.aapl}`, {
      as: "lister",
      body: { regularHoursOnly: true, urgent: true },
    });
    expect(on.status, on.text).toBe(200);
    expect(on.body).toMatchObject({ regularHoursOnly: true, urgent: true });
    expect(on.body).toMatchObject({
      thresholds: before.thresholds,
      generation: before.generation,
      levelsRevision: before.levelsRevision,
    });
    const off = await h.api("PATCH", `/v1/alerts/${ids.aapl}`, {
      as: "lister",
      body: { regularHoursOnly: false, urgent: false },
    });
    expect(off.body).toMatchObject({ regularHoursOnly: false, urgent: false });
    const rows = await outboxFor(ids.aapl);
    expect(rows.at(-1)?.payload).toMatchObject({ change: "updated", alert: { regularHoursOnly: false } });
    const refused = await h.api("PATCH", `/v1/alerts/${ids.aapl}`, {
      as: "lister",
      body: { urgent: "yes" },
    });
    expect(refused.status).toBe(400);
  });

  it("writes nothing for a no-op update", async () => {
    const before = await outboxFor(ids.msft);
    const res = await h.api("PATCH", `/v1/alerts/${ids.msft}`, { as: "lister", body: { status: "active" } });
    expect(res.status).toBe(200);
    expect(await outboxFor(ids.msft)).toHaveLength(before.length);
  });

  it("refuses an expiry in the past or beyond 366 days", async () => {
    for (const expiresAt of [
      new Date(h.clock.now().getTime() - 1000).toISOString(),
      new Date(h.clock.now().getTime() + 367 * DAY).toISOString(),
    ]) {
      const res = await h.api("PATCH", `/v1/alerts/${ids.msft}`, { as: "lister", body: { expiresAt } });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("invalid_expiry");
    }
  });

  it("cancels (idempotently), keeps the alert listed as cancelled, and refuses further edits", async () => {
    const cancelled = await h.api("DELETE", `/v1/alerts/${ids.msft}`, { as: "lister" });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe("cancelled");
    const again = await h.api("DELETE", `/v1/alerts/${ids.msft}`, { as: "lister" });
    expect(again.status).toBe(200);
    expect((await outboxFor(ids.msft)).filter((r) => r.payload.change === "cancelled")).toHaveLength(1);
    const edit = await h.api("PATCH", `/v1/alerts/${ids.msft}`, { as: "lister", body: { status: "active" } });
    expect(edit.status).toBe(409);
    expect(edit.body.error.code).toBe("alert_not_modifiable");
    const listed = await h.api("GET", "/v1/alerts?status=cancelled", { as: "lister" });
    expect(listed.body.alerts.map((a: { id: string }) => a.id)).toEqual([ids.msft]);
  });

  it("answers 404 for an alert id that does not exist", async () => {
    const res = await h.api("GET", "/v1/alerts/0f8fad5b-d9cb-469f-a165-70867728950e", { as: "lister" });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("alert_not_found");
  });
});
