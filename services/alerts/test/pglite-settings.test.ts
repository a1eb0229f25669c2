import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Alert, AlertSchema, type Notification } from "@tickerbell/contracts";
import { afterAll, describe, expect, it } from "vitest";
import { anotherPriceAlert, applyFiring, startHarness } from "./harness.ts";

// The settings migration and the held notifications on the embedded default (PGlite), across a restart.
const dataDir = mkdtempSync(join(tmpdir(), "tickerbell-alerts-pglite-settings-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

// PGlite (WebAssembly, in this process) starts and migrates slowly on a busy machine.
describe("settings and held notifications on PGlite", { timeout: 180_000 }, () => {
  let alert: Alert;
  let notification: Notification;

  it("stores settings, urgent alerts and held notifications", async () => {
    const h = await startHarness({ kind: "pglite", dataDir });
    try {
      const set = await h.api("PATCH", "/v1/settings", {
        as: "lite-s",
        body: { timeZone: "America/New_York", quietHours: { start: "21:30", end: "06:45" }, charts: false },
      });
      expect(set.body).toEqual({
        timeZone: "America/New_York",
        quietHours: { start: "21:30", end: "06:45" },
        charts: false,
      });
      const bad = await h.api("PATCH", "/v1/settings", { as: "lite-s", body: { timeZone: "Mars/Olympus" } });
      expect(bad.status).toBe(400);
      const created = await h.api("POST", "/v1/alerts", {
        as: "lite-s",
        body: anotherPriceAlert({ urgent: true, repeat: { cooldownSeconds: 60 } }),
      });
      alert = AlertSchema.parse(created.body);
      expect(alert.urgent).toBe(true);
      const triggerId = await applyFiring(h, alert, {
        generation: 0,
        price: 201,
        firedAt: new Date(h.clock.now().getTime() - 60_000),
        done: false,
      });
      h.clock.advance(1000);
      notification = (await h.service.runtime.claimUndelivered(0, 10)).find(
        (n) => n.triggerId === triggerId,
      )!;
      const held = await h.api("PUT", "/v1/held", { body: { notifications: [notification] } });
      expect(held.body.results).toEqual([{ triggerId, result: "held" }]);
    } finally {
      await h.close();
    }
  });

  it("keeps them across a restart, and the delivery log releases them", async () => {
    const h = await startHarness({ kind: "pglite", dataDir });
    try {
      expect((await h.api("GET", "/v1/settings", { as: "lite-s" })).body).toMatchObject({
        timeZone: "America/New_York",
        charts: false,
      });
      const users = await h.api("GET", "/v1/held");
      expect(users.body.users).toEqual([
        expect.objectContaining({
          userId: alert.userId,
          held: 1,
          settings: expect.objectContaining({ timeZone: "America/New_York", charts: false }),
        }),
      ]);
      const claim = await h.api("POST", "/v1/held/claim", { body: { userId: alert.userId } });
      expect(claim.body.notifications).toEqual([notification]);
      await h.api("PUT", "/v1/deliveries", {
        body: { records: [{ triggerId: notification.triggerId, alertId: alert.id, status: "sent" }] },
      });
      expect((await h.api("GET", "/v1/held")).body.users).toEqual([]);
    } finally {
      await h.close();
    }
  });
});
