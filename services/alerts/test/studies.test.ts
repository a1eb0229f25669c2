import type { Alert, AlertRuntimeState } from "@tickerbell/contracts";
import { runtimeStateOf } from "@tickerbell/rules";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { priceAlert, sql, startPostgresHarness } from "./harness.ts";

/**
 * Volume, moving-average and RSI alerts on the alert service: created and edited from the studies the bot read
 * (refused without them, or when already met), and a moving-average cross's watched side stored with the
 * matcher's runtime state and read back. Real PostgreSQL, migrations included.
 */

let h: Awaited<ReturnType<typeof startPostgresHarness>>;
let nextOffset = 1n;

beforeAll(async () => {
  h = await startPostgresHarness();
});
afterAll(async () => {
  await h?.close();
});

const crossSma50 = { kind: "average", average: "sma", period: 50, direction: "cross" };
const rsiBelow30 = { kind: "rsi", direction: "below", level: 30, period: 14, interval: "1d" };
const volume3x = { kind: "volume", multiple: 3 };

async function create(as: string, overrides: Record<string, unknown>) {
  return h.api("POST", "/v1/alerts", { as, body: priceAlert(overrides) });
}

describe("volume and indicator alerts", () => {
  it("are created from the studies the bot read, and refused without them or when already met", async () => {
    const volume = await create("studies-1", {
      condition: volume3x,
      // 2,000,000 < 3 x 1,000,000
      market: { last: 190, studies: { volume: { today: 2_000_000, typical: 1_000_000, sessions: 12 } } },
    });
    expect(volume.status, volume.text).toBe(201);
    expect(volume.body).toMatchObject({ condition: volume3x, referencePrice: 190, phase: "armed" });
    expect(volume.body).not.toHaveProperty("watch");

    const unknown = await create("studies-1", { symbol: "MSFT", condition: volume3x, market: { last: 400 } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({
      code: "study_unknown",
      message: expect.stringContaining("at least 5 recorded sessions"),
    });

    const met = await create("studies-1", {
      symbol: "MSFT",
      condition: rsiBelow30,
      market: { last: 400, studies: { values: { "rsi14:1d": 28.4 } } },
    });
    expect(met.status).toBe(409);
    expect(met.body.error).toMatchObject({
      code: "condition_already_met",
      message: "the RSI 14 is already at or below 30 (it is 28.4)",
    });

    const forex = await create("studies-1", {
      symbol: "OANDA:EUR_USD",
      condition: volume3x,
      market: { last: 1.08, studies: { volume: { today: 1, typical: 1, sessions: 12 } } },
    });
    expect(forex.status).toBe(400);
    expect(forex.body.error.code).toBe("volume_not_applicable");
  });

  it("stores a moving-average cross's side and keeps the matcher's runtime side", async () => {
    const res = await create("studies-2", {
      condition: crossSma50,
      repeat: { cooldownSeconds: 3600 },
      // Price above its average: the first firing is downward.
      market: { last: 190, studies: { values: { sma50: 185.2 } } },
    });
    expect(res.status, res.text).toBe(201);
    const alert = res.body as Alert;
    expect(alert).toMatchObject({ watch: "lower", thresholds: { upper: null, lower: null } });
    const [row] = await sql(h.db.url, "select kind, watch from alerts where id = $1", [alert.id]);
    expect(row).toEqual({ kind: "average", watch: "lower" });
    expect(runtimeStateOf(alert).watch).toBe("lower");

    // The matcher's state after it fired downward: cooling, watching the upper side next.
    const at = h.clock.now().getTime();
    const state: AlertRuntimeState = {
      generation: 1,
      phase: "cooling",
      referencePrice: 190,
      upper: null,
      lower: null,
      extreme: null,
      watch: "upper",
      lastFiredAt: at,
      lastFirePrice: 184.9,
    };
    await h.service.runtime.apply([
      {
        event: { v: 1, alertId: alert.id, symbol: alert.symbol, asOfTick: "10", state, done: false },
        partition: 0,
        offset: nextOffset++,
      },
    ]);
    const stored = (await h.api("GET", `/v1/alerts/${alert.id}`, { as: "studies-2" })).body as Alert;
    expect(stored.watch).toBe("upper");
    expect(runtimeStateOf(stored)).toEqual(state);
  });

  it("an edit plans the new condition from the studies: a cross's side set, and cleared when it leaves", async () => {
    const res = await create("studies-3", { symbol: "NVDA", market: { last: 120 } });
    expect(res.status, res.text).toBe(201);
    const id = res.body.id as string;
    const edit = (body: Record<string, unknown>) =>
      h.api("PATCH", `/v1/alerts/${id}`, { as: "studies-3", body });

    const refused = await edit({ condition: crossSma50, market: { last: 120 } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe("study_unknown");

    const cross = await edit({
      condition: crossSma50,
      market: { last: 120, studies: { values: { sma50: 131 } } },
    });
    expect(cross.status, cross.text).toBe(200);
    expect(cross.body).toMatchObject({ condition: crossSma50, watch: "upper", referencePrice: 120 });

    const rsi = await edit({
      condition: rsiBelow30,
      market: { last: 118, studies: { values: { "rsi14:1d": 41 } } },
    });
    expect(rsi.status, rsi.text).toBe(200);
    expect(rsi.body).toMatchObject({ condition: rsiBelow30, referencePrice: 118 });
    expect(rsi.body.watch ?? null).toBeNull();
    const [row] = await sql(h.db.url, "select watch from alerts where id = $1", [id]);
    expect(row.watch).toBeNull();
  });
});
