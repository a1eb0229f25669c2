import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Alert, AlertChangeEventSchema, type Notification } from "@tickerbell/contracts";
import { afterAll, describe, expect, it } from "vitest";
import { migrationsList } from "../src/migrations/index.ts";
import { anotherPriceAlert, type Harness, priceAlert, startHarness } from "./harness.ts";

// The embedded default: the same service and migrations on PGlite under a data directory.
const dataDir = mkdtempSync(join(tmpdir(), "tickerbell-alerts-pglite-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

// PGlite is PostgreSQL compiled to WebAssembly, in this process: starting it and migrating a fresh database takes
// seconds on a quiet machine and far longer on a busy one.
const PGLITE_TEST_MS = 180_000;

describe("the API on PGlite", { timeout: PGLITE_TEST_MS }, () => {
  let alertId: string;

  it("runs the main flows", async () => {
    const h: Harness = await startHarness({ kind: "pglite", dataDir });
    try {
      const resolved = await h.api("POST", "/v1/users/resolve", { body: { platformUserId: "lite-1" } });
      expect(resolved.status).toBe(201);
      expect(
        (await h.api("POST", "/v1/watchlist", { as: "lite-1", body: { symbols: ["nvda"] } })).status,
      ).toBe(200);
      const created = await h.api("POST", "/v1/alerts", {
        as: "lite-1",
        body: priceAlert({ repeat: { cooldownSeconds: 60 }, note: "lite" }),
      });
      expect(created.status).toBe(201);
      alertId = created.body.id;
      const twin = await h.api("POST", "/v1/alerts", { as: "lite-1", body: priceAlert() });
      expect(twin.body.error).toMatchObject({
        code: "duplicate_alert",
        details: { existingAlertId: alertId },
      });
      expect((await h.api("POST", "/v1/alerts", { as: "lite-1", body: { symbol: "AAPL" } })).status).toBe(
        400,
      );
      expect((await h.api("GET", `/v1/alerts/${alertId}`, { as: "lite-2" })).status).toBe(404);
      const paused = await h.api("PATCH", `/v1/alerts/${alertId}`, {
        as: "lite-1",
        body: { status: "paused" },
      });
      expect(paused.body.status).toBe("paused");
      await h.api("PATCH", `/v1/alerts/${alertId}`, { as: "lite-1", body: { status: "active" } });
      // The matcher's firing of the (repeating) alert, stored from alerts.runtime: once, however often it comes.
      const firedAt = new Date().toISOString();
      const event = {
        v: 1 as const,
        alertId,
        symbol: "AAPL",
        asOfTick: "3",
        state: {
          generation: 1,
          phase: "cooling" as const,
          referencePrice: 190,
          upper: 200,
          lower: null,
          extreme: null,
          lastFiredAt: Date.parse(firedAt),
          lastFirePrice: 200.1,
        },
        firing: {
          triggerId: `${alertId}:0`,
          price: 200.1,
          firedAt,
          notification: notificationFor(created.body, firedAt),
        },
        done: false,
      };
      expect(await h.service.runtime.apply([{ event, partition: 0, offset: 0n }])).toMatchObject({
        firings: 1,
      });
      expect(await h.service.runtime.apply([{ event, partition: 0, offset: 1n }])).toMatchObject({
        firings: 0,
      });
      expect((await h.api("GET", `/v1/alerts/${alertId}`, { as: "lite-1" })).body).toMatchObject({
        generation: 1,
      });
      expect((await h.api("GET", "/v1/internal/demand", { token: "internal" })).body.symbols).toEqual([
        "AAPL",
        "NVDA",
      ]);
      const undeliverable = { alertId, status: "undeliverable", reason: "blocked_by_user" };
      expect((await h.api("PUT", `/v1/deliveries/${alertId}:0`, { body: undeliverable })).status).toBe(201);
      expect(
        (await h.api("PUT", `/v1/deliveries/${alertId}:0`, { body: { alertId, status: "sent" } })).body,
      ).toMatchObject({ status: "undeliverable" });
      expect((await h.api("GET", `/v1/deliveries/${alertId}:0`)).body.state).toBe("undeliverable");
      const batch = await h.api("PUT", "/v1/deliveries", {
        body: {
          records: [
            { triggerId: `${alertId}:0`, alertId, status: "sent" },
            { triggerId: `${alertId}:1`, alertId, status: "sent" },
          ],
        },
      });
      expect(batch.body.results.map((r: { result: string }) => r.result)).toEqual([
        "already_recorded",
        "recorded",
      ]);
      const lookup = await h.api("POST", "/v1/deliveries/lookup", {
        body: { triggerIds: [`${alertId}:0`, `${alertId}:1`, `${alertId}:2`] },
      });
      expect(lookup.body.states).toEqual({
        [`${alertId}:0`]: "undeliverable",
        [`${alertId}:1`]: "sent",
        [`${alertId}:2`]: "new",
      });
      const notices = await h.api("GET", "/v1/deliveries/undeliverable", { as: "lite-1" });
      expect(notices.body).toMatchObject({
        total: 1,
        items: [{ symbol: "AAPL", reason: "blocked_by_user" }],
      });
      expect(
        (await h.api("POST", "/v1/deliveries/undeliverable/ack", { as: "lite-1" })).body.acknowledged,
      ).toBe(1);
      const page = await h.api("GET", "/v1/internal/alerts", { token: "internal" });
      expect(page.body.alerts.map((a: { id: string }) => a.id)).toEqual([alertId]);
      const code = await h.api("POST", "/v1/link-codes", { as: "lite-1" });
      const linked = await h.api("POST", "/v1/link-codes/redeem", {
        token: "discord",
        as: "lite-dc",
        body: { code: code.body.code },
      });
      expect(linked.body.user.identities).toHaveLength(2);
      expect((await h.api("GET", "/readyz", { token: null })).status).toBe(200);
      const outbox = await h.service.outbox.pending(10);
      expect(outbox.map((r) => AlertChangeEventSchema.parse(r.payload).change)).toEqual([
        "created",
        "paused",
        "resumed",
        // A re-arm is the matcher's runtime state: stored, not a change of the alert.
      ]);
    } finally {
      await h.close();
    }
  });

  it("keeps its data across restarts without re-running migrations", async () => {
    const h = await startHarness({ kind: "pglite", dataDir });
    try {
      const res = await h.api("GET", `/v1/alerts/${alertId}`, { token: "discord", as: "lite-dc" });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ note: "lite", generation: 1 });
      const migrations = await h.service.em.execute("select count(*)::int as n from mikro_orm_migrations");
      expect(migrations).toEqual([{ n: migrationsList.length }]);
    } finally {
      await h.close();
    }
  });

  it("pages the list and purges old history the same way", async () => {
    const h = await startHarness({ kind: "pglite", dataDir });
    try {
      const user = "lite-pager";
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        h.clock.advance(1);
        ids.push((await h.api("POST", "/v1/alerts", { as: user, body: anotherPriceAlert() })).body.id);
      }
      await h.api("DELETE", `/v1/alerts/${ids[0]}`, { as: user });
      const first = await h.api("GET", "/v1/alerts?status=open&limit=3", { as: user });
      const rest = await h.api("GET", `/v1/alerts?status=open&limit=3&cursor=${first.body.nextCursor}`, {
        as: user,
      });
      expect([...first.body.alerts, ...rest.body.alerts].map((a: Alert) => a.id)).toEqual(ids.slice(1));
      expect(rest.body.nextCursor).toBeNull();
      h.clock.advance(91 * 24 * 3600 * 1000);
      expect((await h.service.alerts.sweep(h.clock.now())).purged).toBe(1);
      expect((await h.api("GET", "/v1/alerts", { as: user })).body.alerts).toHaveLength(4);
    } finally {
      await h.close();
    }
  });
});

function notificationFor(alert: Alert, firedAt: string): Notification {
  return {
    v: 1,
    type: "triggered",
    triggerId: `${alert.id}:0`,
    alertId: alert.id,
    generation: 0,
    userId: alert.userId,
    origin: alert.origin,
    symbol: alert.symbol,
    condition: alert.condition,
    price: 200.1,
    referencePrice: alert.referencePrice,
    moveAbs: 10.1,
    movePercent: 5.3158,
    note: alert.note,
    repeating: true,
    firedAt,
  };
}
