import { ExtremeUpdatesResponseSchema } from "@tickerbell/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { priceAlert, sql, startPostgresHarness } from "./harness.ts";

let h: Awaited<ReturnType<typeof startPostgresHarness>>;
beforeAll(async () => {
  h = await startPostgresHarness();
});
afterAll(async () => {
  await h?.close();
});

const trailDown = { kind: "trailing", direction: "down", offset: { unit: "percent", value: 5 } };
const trailUp = { kind: "trailing", direction: "up", offset: { unit: "amount", value: 3 } };

async function create(overrides: Record<string, unknown>) {
  const res = await h.api("POST", "/v1/alerts", { as: "trailer", body: priceAlert(overrides) });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string; generation: number; version: number };
}

async function raise(
  updates: { alertId: string; generation: number; extreme: number }[],
  token = "internal",
) {
  return h.api("POST", "/v1/internal/extremes", { token, body: { updates } });
}

async function stored(alertId: string) {
  const res = await h.api("GET", `/v1/alerts/${alertId}`, { as: "trailer" });
  return res.body as { extreme: number | null; version: number; generation: number; updatedAt: string };
}

async function outboxRows(alertId: string): Promise<number> {
  const [row] = await sql(
    h.db.url,
    "select count(*)::int as n from outbox where payload->'alert'->>'id' = $1",
    [alertId],
  );
  return row.n;
}

describe("POST /v1/internal/extremes", () => {
  it("raises a trailing-down peak only upwards, without a version bump or an outbox row", async () => {
    const alert = await create({ condition: trailDown });
    const before = await stored(alert.id);
    expect(before.extreme).toBe(190);
    const res = await raise([{ alertId: alert.id, generation: 0, extreme: 195.5 }]);
    expect(res.status, res.text).toBe(200);
    expect(ExtremeUpdatesResponseSchema.parse(res.body)).toEqual({ applied: 1 });
    expect((await raise([{ alertId: alert.id, generation: 0, extreme: 193 }])).body).toEqual({ applied: 0 });
    const after = await stored(alert.id);
    expect(after.extreme).toBe(195.5);
    expect(after.version).toBe(before.version);
    expect(after.updatedAt).toBe(before.updatedAt);
    expect(await outboxRows(alert.id)).toBe(1);
  });

  it("lowers a trailing-up trough only downwards, taking the outermost of a batch", async () => {
    const alert = await create({ condition: trailUp });
    const res = await raise([
      { alertId: alert.id, generation: 0, extreme: 185 },
      { alertId: alert.id, generation: 0, extreme: 181.25 },
      { alertId: alert.id, generation: 0, extreme: 188 },
    ]);
    expect(res.body).toEqual({ applied: 1 });
    expect((await stored(alert.id)).extreme).toBe(181.25);
    expect((await raise([{ alertId: alert.id, generation: 0, extreme: 182 }])).body).toEqual({ applied: 0 });
    expect((await stored(alert.id)).extreme).toBe(181.25);
  });

  it("ignores other generations, paused alerts and non-trailing alerts", async () => {
    const repeating = await create({ condition: trailDown, repeat: { cooldownSeconds: 60 } });
    const fired = await h.api("POST", "/v1/internal/triggers", {
      token: "internal",
      body: { triggerId: `${repeating.id}:0`, price: 180, firedAt: h.clock.now().toISOString() },
    });
    expect(fired.body.outcome).toBe("rearmed");
    const paused = await create({ condition: trailDown });
    await h.api("PATCH", `/v1/alerts/${paused.id}`, { as: "trailer", body: { status: "paused" } });
    const price = await create({});
    const res = await raise([
      { alertId: repeating.id, generation: 0, extreme: 250 },
      { alertId: paused.id, generation: 0, extreme: 250 },
      { alertId: price.id, generation: 0, extreme: 250 },
      { alertId: "0f8fad5b-d9cb-469f-a165-70867728950e", generation: 0, extreme: 250 },
    ]);
    expect(res.body).toEqual({ applied: 0 });
    expect((await stored(repeating.id)).extreme).toBe(180);
    expect((await stored(paused.id)).extreme).toBe(190);
    expect((await stored(price.id)).extreme).toBeNull();
    expect((await raise([{ alertId: repeating.id, generation: 1, extreme: 184 }])).body).toEqual({
      applied: 1,
    });
    expect((await stored(repeating.id)).extreme).toBe(184);
  });

  it("takes the internal token only and validates the body", async () => {
    const alert = await create({ condition: trailDown });
    const update = [{ alertId: alert.id, generation: 0, extreme: 300 }];
    expect((await raise(update, "telegram")).status).toBe(403);
    expect((await raise(update, "not-a-token-at-all")).status).toBe(401);
    const bad = await h.api("POST", "/v1/internal/extremes", {
      token: "internal",
      body: { updates: [{ alertId: alert.id, generation: 0, extreme: -1 }] },
    });
    expect(bad.status).toBe(400);
    expect((await stored(alert.id)).extreme).toBe(190);
  });
});
