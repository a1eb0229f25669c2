import type { Alert } from "@tickerbell/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyFiring, priceAlert, startPostgresHarness } from "./harness.ts";

// GET /v1/firings: what `/history` shows. Firings are stored the way production stores them, from the
// matcher's alerts.runtime events applied by the runtime service.

let h: Awaited<ReturnType<typeof startPostgresHarness>>;
beforeAll(async () => {
  h = await startPostgresHarness();
});
afterAll(async () => {
  await h?.close();
});

const MINUTE = 60_000;

async function create(as: string, body: Record<string, unknown>): Promise<Alert> {
  const res = await h.api("POST", "/v1/alerts", { as, body });
  expect(res.status, res.text).toBe(201);
  return res.body as Alert;
}

/** The matcher's firing of generation `generation` at `price`, `minutesAgo` before now. */
async function fire(alert: Alert, generation: number, price: number, minutesAgo: number, done = false) {
  const firedAt = new Date(h.clock.now().getTime() - minutesAgo * MINUTE);
  await applyFiring(h, alert, { generation, price, firedAt, done });
}

describe("GET /v1/firings", () => {
  it("lists the user's firings newest first, finished alerts included, filtered by symbol and limited", async () => {
    const as = "historian";
    const repeating = await create(
      as,
      priceAlert({
        condition: { kind: "price", direction: "above", target: 200 },
        repeat: { cooldownSeconds: 60 },
      }),
    );
    const oneShot = await create(
      as,
      priceAlert({
        symbol: "MSFT",
        condition: { kind: "price", direction: "below", target: 400 },
        market: { last: 410 },
      }),
    );
    await fire(repeating, 0, 200.5, 30);
    await fire(oneShot, 0, 399.5, 20, true);
    await fire(repeating, 1, 201.25, 10);
    // Somebody else's firing is never listed.
    await fire(await create("stranger", priceAlert()), 0, 200.1, 5);

    const all = await h.api("GET", "/v1/firings", { as });
    expect(all.status, all.text).toBe(200);
    expect(all.body.firings.map((f: { triggerId: string; price: number }) => [f.triggerId, f.price])).toEqual(
      [
        [`${repeating.id}:1`, 201.25],
        [`${oneShot.id}:0`, 399.5],
        [`${repeating.id}:0`, 200.5],
      ],
    );
    expect(all.body.firings[1]).toMatchObject({
      alertId: oneShot.id,
      symbol: "MSFT",
      condition: { kind: "price", direction: "below", target: 400 },
      firedAt: new Date(h.clock.now().getTime() - 20 * MINUTE).toISOString(),
    });
    const msft = await h.api("GET", "/v1/firings?symbol=msft", { as });
    expect(msft.body.firings.map((f: { alertId: string }) => f.alertId)).toEqual([oneShot.id]);
    const one = await h.api("GET", "/v1/firings?limit=1", { as });
    expect(one.body.firings).toHaveLength(1);
  });

  it("answers an empty list for a user with no firings, and 400 for a bad limit or symbol", async () => {
    expect((await h.api("GET", "/v1/firings", { as: "quiet-one" })).body).toEqual({ firings: [] });
    for (const query of ["limit=0", "limit=51", "limit=x", "symbol=%00", "extra=1"]) {
      const res = await h.api("GET", `/v1/firings?${query}`, { as: "quiet-one" });
      expect(res.status, query).toBe(400);
    }
  });
});
