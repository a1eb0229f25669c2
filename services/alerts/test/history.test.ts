import type { Alert } from "@tickerbell/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PURGE_BATCH } from "../src/db/alert-repository.ts";
import { anotherPriceAlert, applyFiring, sql, startPostgresHarness } from "./harness.ts";

/**
 * Finished alerts (triggered, expired, cancelled) stay listed as history for ALERTS_HISTORY_DAYS after their last
 * change, then the sweep deletes them with their firings and delivery records. Open alerts stay however old.
 */

const DAY = 24 * 3600 * 1000;

type Running = Awaited<ReturnType<typeof startPostgresHarness>>;

async function create(h: Running, as: string, overrides: Record<string, unknown> = {}): Promise<Alert> {
  const res = await h.api("POST", "/v1/alerts", { as, body: anotherPriceAlert(overrides) });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

async function listedIds(h: Running, as: string): Promise<string[]> {
  const res = await h.api("GET", "/v1/alerts?limit=500", { as });
  expect(res.status, res.text).toBe(200);
  return res.body.alerts.map((a: Alert) => a.id);
}

/** The matcher's firing of `alert` at 201, now, and the bot's report of the DM sent; one-shot ones end. */
async function fire(h: Running, alert: Alert, generation: number, done: boolean): Promise<string> {
  const triggerId = await applyFiring(h, alert, { generation, price: 201, firedAt: h.clock.now(), done });
  // The bot reports the DM sent: a delivery record that references the alert.
  const sent = await h.api("PUT", `/v1/deliveries/${triggerId}`, {
    body: { alertId: alert.id, status: "sent" },
  });
  expect(sent.status, sent.text).toBe(201);
  return triggerId;
}

const rowsOf = async (h: Running, table: "alert_triggers" | "deliveries", alertId: string) =>
  (await sql(h.db.url, `select count(*)::int as n from ${table} where alert_id = $1`, [alertId]))[0].n;
const outboxRows = async (h: Running) => (await sql(h.db.url, "select count(*)::int as n from outbox"))[0].n;

describe("history retention (default: 90 days)", () => {
  let h: Running;
  beforeAll(async () => {
    h = await startPostgresHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it("deletes finished alerts past the retention and keeps newer history and every open alert", async () => {
    const user = "historian";
    const oldActive = await create(h, user);
    const oldPaused = await create(h, user);
    await h.api("PATCH", `/v1/alerts/${oldPaused.id}`, { as: user, body: { status: "paused" } });
    const oldRepeating = await create(h, user, { repeat: { cooldownSeconds: 60 } });
    const repeatFiring = await fire(h, oldRepeating, 0, false);
    const oldCancelled = await create(h, user);
    await h.api("DELETE", `/v1/alerts/${oldCancelled.id}`, { as: user });
    const oldExpired = await create(h, user, {
      expiresAt: new Date(h.clock.now().getTime() + 1000).toISOString(),
    });
    const oldTriggered = await create(h, user);
    const oneShotFiring = await fire(h, oldTriggered, 0, true);
    h.clock.advance(2000);
    expect(await h.service.alerts.expireDue(h.clock.now())).toBe(1);

    h.clock.advance(89 * DAY);
    const recentCancelled = await create(h, user);
    await h.api("DELETE", `/v1/alerts/${recentCancelled.id}`, { as: user });
    const recentRepeatFiring = await fire(h, oldRepeating, 1, false);
    h.clock.advance(DAY + 1);

    const outboxBefore = await outboxRows(h);
    expect(await h.service.alerts.sweep(h.clock.now())).toEqual({
      expired: 0,
      resumed: 0,
      purged: 3,
      // The open repeating alert's first firing, now older than the retention: the alert itself stays.
      firingsPurged: 1,
      outboxPruned: 0,
    });
    expect((await listedIds(h, user)).sort()).toEqual(
      [oldActive.id, oldPaused.id, oldRepeating.id, recentCancelled.id].sort(),
    );
    for (const gone of [oldCancelled, oldExpired, oldTriggered]) {
      const res = await h.api("GET", `/v1/alerts/${gone.id}`, { as: user });
      expect(res.status).toBe(404);
    }
    // The firing and delivery record of the purged alert went with it; the open alert's stay.
    expect(await rowsOf(h, "alert_triggers", oldTriggered.id)).toBe(0);
    expect(await rowsOf(h, "deliveries", oldTriggered.id)).toBe(0);
    expect((await h.api("GET", `/v1/deliveries/${oneShotFiring}`)).body.state).toBe("new");
    expect(await rowsOf(h, "alert_triggers", oldRepeating.id)).toBe(1);
    expect(await rowsOf(h, "deliveries", oldRepeating.id)).toBe(1);
    expect((await h.api("GET", `/v1/deliveries/${recentRepeatFiring}`)).body.state).toBe("sent");
    expect((await h.api("GET", `/v1/deliveries/${repeatFiring}`)).body.state).toBe("new");
    // /history shows the firings kept: the recent one, not the purged one.
    const history = await h.api("GET", "/v1/firings", { as: user });
    expect(history.status, history.text).toBe(200);
    const shown = history.body.firings.map((f: { triggerId: string }) => f.triggerId);
    expect(shown).toContain(recentRepeatFiring);
    expect(shown).not.toContain(repeatFiring);
    // No change event: consumers dropped these alerts when they finished.
    expect(await outboxRows(h)).toBe(outboxBefore);
    expect((await h.service.alerts.sweep(h.clock.now())).purged).toBe(0);
  });

  it("keeps a finished alert for exactly the retention after its last change", async () => {
    const user = "edge";
    const alert = await create(h, user);
    await h.api("DELETE", `/v1/alerts/${alert.id}`, { as: user });
    h.clock.advance(90 * DAY);
    await h.service.alerts.purgeHistory(h.clock.now());
    expect(await listedIds(h, user)).toEqual([alert.id]);
    h.clock.advance(1);
    await h.service.alerts.purgeHistory(h.clock.now());
    expect(await listedIds(h, user)).toEqual([]);
  });

  it(`purges a backlog of many batches (${PURGE_BATCH} alerts a statement) in one sweep`, async () => {
    const user = "hoarder";
    const template = await create(h, user);
    const backlog = Math.floor(PURGE_BATCH * 2.5);
    // Old history written straight into the tables (the API would take minutes): finished alerts last changed
    // 100 days ago, each with a firing and a delivery record, and old open alerts that must stay.
    await sql(
      h.db.url,
      `insert into alerts
         select (jsonb_populate_record(a, jsonb_build_object(
           'id', gen_random_uuid(),
           'status', case when g <= $2 then (array['triggered', 'expired', 'cancelled'])[1 + g % 3]
                          else (array['active', 'paused'])[1 + g % 2] end,
           'updated_at', $3::timestamptz))).*
           from alerts a, generate_series(1, $2 + 10) g where a.id = $1`,
      [template.id, backlog, new Date(h.clock.now().getTime() - 100 * DAY).toISOString()],
    );
    await sql(
      h.db.url,
      `insert into alert_triggers (trigger_id, alert_id, generation, price, fired_at, outcome, recorded_at)
         select id || ':0', id, 0, 201, updated_at, 'triggered', updated_at from alerts where user_id = $1`,
      [template.userId],
    );
    await sql(
      h.db.url,
      `insert into deliveries (trigger_id, alert_id, user_id, platform, status, reason, recorded_at)
         select id || ':0', id, user_id, 'telegram', 'sent', null, updated_at from alerts where user_id = $1`,
      [template.userId],
    );

    const { purged } = await h.service.alerts.sweep(h.clock.now());
    expect(purged).toBeGreaterThanOrEqual(backlog);
    const left = await sql(
      h.db.url,
      "select status, count(*)::int as n from alerts where user_id = $1 group by status order by status",
      [template.userId],
    );
    expect(left).toEqual([
      { status: "active", n: 1 + 5 },
      { status: "paused", n: 5 },
    ]);
    const [orphans] = await sql(
      h.db.url,
      `select (select count(*)::int from alert_triggers t where not exists (select 1 from alerts a where a.id = t.alert_id))
            + (select count(*)::int from deliveries d where not exists (select 1 from alerts a where a.id = d.alert_id)) as n`,
    );
    expect(orphans.n).toBe(0);
    // The old open alerts stay, but their firings of 100 days ago went too: only the template's recent one is left.
    expect(
      (
        await sql(h.db.url, "select count(*)::int as n from deliveries where user_id = $1", [template.userId])
      )[0].n,
    ).toBe(1);
    expect(
      (
        await sql(
          h.db.url,
          "select count(*)::int as n from alert_triggers t join alerts a on a.id = t.alert_id where a.user_id = $1",
          [template.userId],
        )
      )[0].n,
    ).toBe(1);
    expect(await listedIds(h, user)).toHaveLength(11);
  });
});

describe("history retention, configured (ALERTS_HISTORY_DAYS=1)", () => {
  let h: Running;
  beforeAll(async () => {
    h = await startPostgresHarness({ historyDays: 1 });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("deletes finished alerts a day after their last change", async () => {
    const user = "short-memory";
    const kept = await create(h, user);
    const cancelled = await create(h, user);
    await h.api("DELETE", `/v1/alerts/${cancelled.id}`, { as: user });
    h.clock.advance(DAY - 1);
    expect((await h.service.alerts.sweep(h.clock.now())).purged).toBe(0);
    h.clock.advance(2);
    expect((await h.service.alerts.sweep(h.clock.now())).purged).toBe(1);
    expect(await listedIds(h, user)).toEqual([kept.id]);
  });
});

describe("pruning the published outbox", () => {
  it("deletes rows published more than a day ago, in batches, and never an unpublished one", async () => {
    const h = await startPostgresHarness();
    try {
      const now = h.clock.now().getTime();
      const old = new Date(now - 2 * DAY).toISOString();
      const recent = new Date(now - DAY / 2).toISOString();
      // More old published rows than one statement deletes, some recent ones, and old ones never published.
      const insert = (count: number, publishedAt: string | null, key: string) =>
        sql(
          h.db.url,
          `insert into outbox (id, topic, key, payload, created_at, published_at)
           select nextval('outbox_id_seq'), 'alerts.changes', $1, '{}'::jsonb, $2, $3 from generate_series(1, $4)`,
          [key, old, publishedAt, count],
        );
      await insert(PURGE_BATCH + 250, old, "OLD");
      await insert(40, recent, "RECENT");
      await insert(30, null, "PENDING");
      const outcome = await h.service.alerts.sweep();
      expect(outcome.outboxPruned).toBe(PURGE_BATCH + 250);
      const left = await sql(
        h.db.url,
        "select key, count(*)::int as n from outbox group by key order by key",
      );
      expect(left).toEqual([
        { key: "PENDING", n: 30 },
        { key: "RECENT", n: 40 },
      ]);
      expect((await h.service.alerts.sweep()).outboxPruned).toBe(0);
    } finally {
      await h.close();
    }
  });
});
