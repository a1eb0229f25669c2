import type { Alert, AlertChangeEvent } from "@tickerbell/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyFiring, priceAlert, sql, startPostgresHarness } from "./harness.ts";

/**
 * Issue 14 items 5 and 6 on the alert service: `PATCH /v1/alerts/{id}` with a new condition edits an alert in
 * place (levels re-based as a create's, re-armed, id and history kept), and `POST /v1/alerts/bulk` pauses,
 * resumes or cancels the named alerts in one transaction. Real PostgreSQL; the outbox rows are what the matcher
 * will read.
 */

type Running = Awaited<ReturnType<typeof startPostgresHarness>>;
let h: Running;

beforeAll(async () => {
  h = await startPostgresHarness();
});
afterAll(async () => {
  await h?.close();
});

async function create(as: string, overrides: Record<string, unknown> = {}): Promise<Alert> {
  // Lists and bulk answers are oldest first: a second apart, the order they were made.
  h.clock.advance(1000);
  const res = await h.api("POST", "/v1/alerts", { as, body: priceAlert(overrides) });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

async function changesOf(alertId: string): Promise<AlertChangeEvent[]> {
  const rows = await sql(
    h.db.url,
    "select payload from outbox where payload->'alert'->>'id' = $1 order by id",
    [alertId],
  );
  return rows.map((r) => r.payload);
}

const above = (target: number) => ({ kind: "price", direction: "above", target });

describe("editing an alert's condition", () => {
  it("re-bases and re-arms a fired repeating alert in place: same id, its firing and last firing kept", async () => {
    const user = "editor-1";
    const alert = await create(user, { repeat: { cooldownSeconds: 3600 } });
    const firedAt = h.clock.now();
    const triggerId = await applyFiring(h, alert, { generation: 0, price: 201, firedAt, done: false });
    const cooling = (await h.api("GET", `/v1/alerts/${alert.id}`, { as: user })).body as Alert;
    expect(cooling).toMatchObject({ phase: "cooling", generation: 1, lastTriggerPrice: 201 });

    const res = await h.api("PATCH", `/v1/alerts/${alert.id}`, {
      as: user,
      body: { condition: above(210), market: { last: 195 } },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({
      id: alert.id,
      condition: above(210),
      referencePrice: 195,
      thresholds: { upper: 210, lower: null },
      phase: "armed",
      generation: 2,
      levelsRevision: 1,
      status: "active",
      lastTriggeredAt: firedAt.toISOString(),
      lastTriggerPrice: 201,
      repeat: { cooldownSeconds: 3600 },
    });
    // The matcher hears the whole alert, with the new revision.
    const last = (await changesOf(alert.id)).at(-1)!;
    expect(last.change).toBe("updated");
    expect(last.alert).toMatchObject({
      condition: above(210),
      levelsRevision: 1,
      generation: 2,
      phase: "armed",
    });
    // The firing stays in the history, under the condition it fired at.
    const firings = await h.api("GET", "/v1/firings", { as: user });
    expect(firings.body.firings).toEqual([
      expect.objectContaining({ triggerId, alertId: alert.id, price: 201, condition: above(200) }),
    ]);
  });

  it("changes only the note of a cooling alert without re-arming it", async () => {
    const user = "editor-2";
    const alert = await create(user, { repeat: { cooldownSeconds: 3600 } });
    await applyFiring(h, alert, { generation: 0, price: 201, firedAt: h.clock.now(), done: false });
    const res = await h.api("PATCH", `/v1/alerts/${alert.id}`, { as: user, body: { note: "trim here" } });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ note: "trim here", phase: "cooling", generation: 1, levelsRevision: 0 });
    // The same condition again is no edit of the levels either.
    const same = await h.api("PATCH", `/v1/alerts/${alert.id}`, {
      as: user,
      body: { condition: above(200), market: { last: 195 } },
    });
    expect(same.status, same.text).toBe(200);
    expect(same.body).toMatchObject({
      phase: "cooling",
      generation: 1,
      levelsRevision: 0,
      referencePrice: 190,
    });
  });

  it("re-bases a percent alert from the price now, and a trailing one's peak", async () => {
    const user = "editor-3";
    const alert = await create(user);
    const percent = await h.api("PATCH", `/v1/alerts/${alert.id}`, {
      as: user,
      body: {
        condition: { kind: "percent", direction: "up", percent: 5, basis: "last" },
        market: { last: 200 },
      },
    });
    expect(percent.status, percent.text).toBe(200);
    expect(percent.body).toMatchObject({ referencePrice: 200, thresholds: { upper: 210, lower: null } });
    const trailing = await h.api("PATCH", `/v1/alerts/${alert.id}`, {
      as: user,
      body: {
        condition: { kind: "trailing", direction: "down", offset: { unit: "percent", value: 8 } },
        market: { last: 250 },
      },
    });
    expect(trailing.status, trailing.text).toBe(200);
    expect(trailing.body).toMatchObject({ referencePrice: 250, extreme: 250, levelsRevision: 2 });
  });

  it("refuses what a create refuses: a level already met, a twin, a missing market", async () => {
    const user = "editor-4";
    const first = await create(user);
    const second = await create(user, { condition: above(220) });
    const met = await h.api("PATCH", `/v1/alerts/${second.id}`, {
      as: user,
      body: { condition: above(180), market: { last: 190 } },
    });
    expect(met.status, met.text).toBe(409);
    expect(met.body.error.code).toBe("condition_already_met");
    const twin = await h.api("PATCH", `/v1/alerts/${second.id}`, {
      as: user,
      body: { condition: above(200), market: { last: 190 } },
    });
    expect(twin.status, twin.text).toBe(409);
    expect(twin.body.error.code).toBe("duplicate_alert");
    expect(twin.body.error.details.existingAlertId).toBe(first.id);
    expect(twin.body.error.details.existing).toMatchObject({ id: first.id, condition: above(200) });
    const noMarket = await h.api("PATCH", `/v1/alerts/${second.id}`, {
      as: user,
      body: { condition: above(230) },
    });
    expect(noMarket.status, noMarket.text).toBe(400);
    expect(noMarket.text).toMatch(/market/);
    // Nothing of that changed the alert.
    const after = (await h.api("GET", `/v1/alerts/${second.id}`, { as: user })).body as Alert;
    expect(after).toMatchObject({ condition: above(220), levelsRevision: 0, version: second.version });
  });

  it("keeps the re-based levels when the matcher's state from before the edit arrives late", async () => {
    const user = "editor-5";
    const alert = await create(user, { repeat: { cooldownSeconds: 60 } });
    const edited = await h.api("PATCH", `/v1/alerts/${alert.id}`, {
      as: user,
      body: { condition: above(230), market: { last: 190 } },
    });
    expect(edited.status, edited.text).toBe(200);
    // Computed under the old level (revision 0), published before the matcher heard of the edit.
    await h.service.runtime.apply([
      {
        event: {
          v: 1,
          alertId: alert.id,
          symbol: "AAPL",
          asOfTick: "5",
          state: {
            generation: 3,
            phase: "cooling",
            referencePrice: 190,
            upper: 200,
            lower: null,
            extreme: null,
            lastFiredAt: h.clock.now().getTime(),
            lastFirePrice: 201,
          },
          done: false,
        },
        partition: 0,
        offset: 1_000_000n,
      },
    ]);
    const stored = (await h.api("GET", `/v1/alerts/${alert.id}`, { as: user })).body as Alert;
    // The levels stay the edited ones; the generation moves past every one the matcher used.
    expect(stored).toMatchObject({ thresholds: { upper: 230, lower: null }, phase: "armed", generation: 3 });
    // A state computed under the edit is stored.
    await h.service.runtime.apply([
      {
        event: {
          v: 1,
          alertId: alert.id,
          symbol: "AAPL",
          asOfTick: "6",
          state: {
            generation: 4,
            phase: "cooling",
            referencePrice: 190,
            upper: 230,
            lower: null,
            extreme: null,
            lastFiredAt: h.clock.now().getTime(),
            lastFirePrice: 231,
          },
          done: false,
          levelsRevision: 1,
        },
        partition: 0,
        offset: 1_000_001n,
      },
    ]);
    const later = (await h.api("GET", `/v1/alerts/${alert.id}`, { as: user })).body as Alert;
    expect(later).toMatchObject({
      thresholds: { upper: 230 },
      phase: "cooling",
      generation: 4,
      lastTriggerPrice: 231,
    });
  });
});

describe("bulk actions", () => {
  it("pauses, resumes and cancels exactly the named open alerts, one change event each", async () => {
    const user = "bulker-1";
    const a = await create(user, { condition: above(201) });
    const b = await create(user, { condition: above(202) });
    const c = await create(user, { symbol: "MSFT", condition: above(203) });
    const other = await create("bulker-2", { condition: above(204) });
    await h.api("PATCH", `/v1/alerts/${b.id}`, { as: user, body: { status: "paused" } });

    const paused = await h.api("POST", "/v1/alerts/bulk", {
      as: user,
      body: { action: "pause", alertIds: [a.id, b.id, c.id, other.id] },
    });
    expect(paused.status, paused.text).toBe(200);
    expect(paused.body.changed.map((x: Alert) => [x.id, x.status])).toEqual([
      [a.id, "paused"],
      [c.id, "paused"],
    ]);
    expect(paused.body.unchanged.map((x: Alert) => x.id)).toEqual([b.id]);
    // Another user's alert is not reachable, and not told apart from a missing one.
    expect(paused.body.notOpen).toEqual([other.id]);
    expect((await h.api("GET", `/v1/alerts/${other.id}`, { as: "bulker-2" })).body.status).toBe("active");
    expect((await changesOf(a.id)).map((e) => e.change)).toEqual(["created", "paused"]);
    expect((await changesOf(c.id)).map((e) => e.change)).toEqual(["created", "paused"]);
    expect((await changesOf(b.id)).map((e) => e.change)).toEqual(["created", "paused"]);

    const resumed = await h.api("POST", "/v1/alerts/bulk", {
      as: user,
      body: { action: "resume", alertIds: [a.id, b.id] },
    });
    expect(resumed.body.changed.map((x: Alert) => x.status)).toEqual(["active", "active"]);

    await h.api("DELETE", `/v1/alerts/${a.id}`, { as: user });
    const cancelled = await h.api("POST", "/v1/alerts/bulk", {
      as: user,
      body: { action: "cancel", alertIds: [a.id, b.id, c.id] },
    });
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body.changed.map((x: Alert) => [x.id, x.status])).toEqual([
      [b.id, "cancelled"],
      [c.id, "cancelled"],
    ]);
    expect(cancelled.body.notOpen).toEqual([a.id]);
    expect((await changesOf(a.id)).map((e) => e.change)).toEqual([
      "created",
      "paused",
      "resumed",
      "cancelled",
    ]);
  });

  it("refuses an empty or oversized request", async () => {
    const empty = await h.api("POST", "/v1/alerts/bulk", {
      as: "bulker-3",
      body: { action: "pause", alertIds: [] },
    });
    expect(empty.status).toBe(400);
    const bad = await h.api("POST", "/v1/alerts/bulk", {
      as: "bulker-3",
      body: { action: "explode", alertIds: ["00000000-0000-4000-8000-000000000000"] },
    });
    expect(bad.status).toBe(400);
  });
});
