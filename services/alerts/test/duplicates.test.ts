import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { priceAlert, sql, startPostgresHarness } from "./harness.ts";

// A user may not hold two open alerts that would send the same DM at the same trade (same symbol, condition
// and levels); the refusal names the one that exists.

let h: Awaited<ReturnType<typeof startPostgresHarness>>;
beforeAll(async () => {
  h = await startPostgresHarness();
});
afterAll(async () => {
  await h?.close();
});

async function outboxFor(alertId: string) {
  return sql(h.db.url, "select id from outbox where payload->'alert'->>'id' = $1", [alertId]);
}

describe("duplicates", () => {
  const above = (target: number, overrides: Record<string, unknown> = {}) =>
    priceAlert({ condition: { kind: "price", direction: "above", target }, ...overrides });

  it("refuses an open alert's twin with 409 duplicate_alert naming the one that exists, and writes nothing", async () => {
    const first = await h.api("POST", "/v1/alerts", { as: "twin", body: above(200) });
    expect(first.status).toBe(201);
    // Options do not make a twin different: it would still send the same DM at the same trade.
    const twin = await h.api("POST", "/v1/alerts", {
      as: "twin",
      body: above(200, { note: "again", repeat: { cooldownSeconds: 600 } }),
    });
    expect(twin.status, twin.text).toBe(409);
    expect(twin.body.error).toMatchObject({
      code: "duplicate_alert",
      details: { existingAlertId: first.body.id, existing: { id: first.body.id, status: "active" } },
    });
    expect(twin.body.error.message).toMatch(
      new RegExp(`already have this alert on AAPL \\(${first.body.id.slice(0, 8)}, active\\)`),
    );
    const rows = await sql(
      h.db.url,
      "select count(*)::int as n from alerts a join platform_identities i on i.user_id = a.user_id where i.platform_user_id = 'twin'",
    );
    expect(rows[0].n).toBe(1);
    expect(await outboxFor(first.body.id)).toHaveLength(1);
  });

  it("sets what differs in symbol, direction, level or reference, and again once the first is no longer open", async () => {
    const as = "near-twins";
    const created = async (body: Record<string, unknown>) => {
      const res = await h.api("POST", "/v1/alerts", { as, body });
      expect(res.status, res.text).toBe(201);
      return res.body.id as string;
    };
    const first = await created(above(250));
    await created(above(250, { symbol: "MSFT" }));
    await created(above(250.01));
    await created(priceAlert({ condition: { kind: "price", direction: "cross", target: 250 } }));
    await created(priceAlert({ condition: { kind: "percent", direction: "up", percent: 5 } }));
    // A move from another price fires at another level.
    await created(
      priceAlert({ condition: { kind: "percent", direction: "up", percent: 5 }, market: { last: 191 } }),
    );
    // Paused is still open: its twin is refused.
    expect((await h.api("PATCH", `/v1/alerts/${first}`, { as, body: { status: "paused" } })).status).toBe(
      200,
    );
    const whilePaused = await h.api("POST", "/v1/alerts", { as, body: above(250) });
    expect(whilePaused.body.error).toMatchObject({
      code: "duplicate_alert",
      details: { existing: { status: "paused" } },
    });
    expect((await h.api("DELETE", `/v1/alerts/${first}`, { as })).status).toBe(200);
    await created(above(250));
    // Another user may hold the same alert.
    expect((await h.api("POST", "/v1/alerts", { as: "someone-else", body: above(250) })).status).toBe(201);
  });

  it("lets exactly one of many identical creates at once through", async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () => h.api("POST", "/v1/alerts", { as: "twin-race", body: above(300) })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    const refused = results.filter((r) => r.status === 409);
    expect(refused).toHaveLength(7);
    const winner = results.find((r) => r.status === 201)!.body.id;
    for (const r of refused) expect(r.body.error.details.existingAlertId).toBe(winner);
  });
});

describe("duplicates, as a property", () => {
  type Step =
    | { op: "create"; symbol: string; direction: "above" | "below"; target: number }
    | { op: "delete"; pick: number };
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({
      op: fc.constant("create" as const),
      symbol: fc.constantFrom("AAPL", "MSFT"),
      direction: fc.constantFrom("above" as const, "below" as const),
      target: fc.constantFrom(200, 210),
    }),
    fc.record({ op: fc.constant("delete" as const), pick: fc.nat(20) }),
  );

  it("holds one open alert per symbol, condition and level, whatever the order of creates and deletes", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 14 }), async (steps) => {
        const as = `dup-property-${run++}`;
        const open = new Map<string, string>();
        for (const s of steps) {
          if (s.op === "delete") {
            const ids = [...open.entries()];
            if (ids.length === 0) continue;
            const [key, id] = ids[s.pick % ids.length]!;
            expect((await h.api("DELETE", `/v1/alerts/${id}`, { as })).status).toBe(200);
            open.delete(key);
            continue;
          }
          const key = `${s.symbol} ${s.direction} ${s.target}`;
          // The market sits between the two levels, so both directions can be set on both.
          const body = priceAlert({
            symbol: s.symbol,
            condition: { kind: "price", direction: s.direction, target: s.target },
            market: { last: s.direction === "above" ? s.target - 5 : s.target + 5 },
          });
          const res = await h.api("POST", "/v1/alerts", { as, body });
          const existing = open.get(key);
          if (existing === undefined) {
            expect(res.status, res.text).toBe(201);
            open.set(key, res.body.id);
          } else {
            expect(res.status, res.text).toBe(409);
            expect(res.body.error.details.existingAlertId).toBe(existing);
          }
        }
        const listed = await h.api("GET", "/v1/alerts?status=active", { as });
        expect(new Set(listed.body.alerts.map((a: { id: string }) => a.id))).toEqual(new Set(open.values()));
      }),
      { numRuns: 30 },
    );
  });
});
