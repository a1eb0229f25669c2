import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anotherPriceAlert, copiesForNewUsers, sql, startPostgresHarness } from "./harness.ts";

/**
 * The create statement reads only the rows it needs, however many alerts the service holds: its twin lookup and
 * its limit counts go through indexes. Checked under a generic plan, the one a pooled connection ends up
 * caching for create_alert_within_limit's queries after a few creates (a custom plan sees the values and can hide
 * a query that only a scan of the table answers).
 */

let h: Awaited<ReturnType<typeof startPostgresHarness>>;
let dmSource: string;
let groupSource: string;
let channelSource: string;

beforeAll(async () => {
  h = await startPostgresHarness({ maxOpenAlertsPerUser: 1000 });
  const res = await h.api("POST", "/v1/alerts", { as: "plan-user", body: anotherPriceAlert() });
  expect(res.status, res.text).toBe(201);
  dmSource = res.body.id;
  // A table that looks like a service's: 400 users with 50 alerts each in their DMs, 100 Telegram groups whose
  // admin set 20 alerts each, and 10 Discord servers of 10 channels whose managers set 20 alerts each (a server's
  // cap counts all its channels).
  const statuses = "(array['active', 'paused', 'triggered', 'expired', 'cancelled'])[1 + g % 5]";
  await copiesForNewUsers(h.db.url, dmSource, 400, 50, `'threshold_upper', 100 + g, 'status', ${statuses}`);
  const groupAlerts = await copiesForNewUsers(
    h.db.url,
    dmSource,
    100,
    20,
    `'threshold_upper', 100 + g, 'origin_kind', 'group', 'origin_platform', 'telegram',
     'origin_chat_id', (-1000 - n.k)::text, 'origin_community_id', null`,
  );
  groupSource = groupAlerts[0]!;
  const channelAlerts = await copiesForNewUsers(
    h.db.url,
    dmSource,
    100,
    20,
    `'threshold_upper', 100 + g, 'origin_kind', 'channel', 'origin_platform', 'discord',
     'origin_chat_id', (5000 + n.k)::text, 'origin_community_id', (900 + n.k % 10)::text`,
  );
  channelSource = channelAlerts[0]!;
  await sql(h.db.url, "analyze alerts");
});

afterAll(async () => {
  await h?.close();
});

/**
 * Runs `create_alert_within_limit` for a copy of `sourceId` with `changes`: its answer, the scans of the whole
 * `alerts` table it made and the rows of it it read (through any scan).
 */
async function createCounting(
  sourceId: string,
  changes: Record<string, unknown>,
): Promise<{ outcome: Record<string, unknown>; seqScans: number; rowsRead: number }> {
  const client = new pg.Client({ connectionString: h.db.url });
  await client.connect();
  const scans = async () => {
    // This backend's counts reach the shared statistics once it goes idle after being asked to flush them.
    await client.query("select pg_stat_force_next_flush()");
    await client.query("select 1");
    const [row] = (
      await client.query(
        `select seq_scan::int as seq, (seq_tup_read + coalesce(idx_tup_fetch, 0))::int as rows
           from pg_stat_user_tables where relid = 'alerts'::regclass`,
      )
    ).rows;
    return { seq: row.seq as number, rows: row.rows as number };
  };
  try {
    await client.query("set plan_cache_mode = force_generic_plan");
    const before = await scans();
    // Rolled back: the copy's outbox row (an empty payload here) must not reach the relay.
    await client.query("begin");
    const { rows } = await client.query(
      `select create_alert_within_limit(
         to_jsonb(a) || $2::jsonb || jsonb_build_object('id', gen_random_uuid()),
         1000, 'alerts.changes', '{}'::jsonb, now(), 100000) as outcome
         from alerts a where a.id = $1`,
      [sourceId, JSON.stringify(changes)],
    );
    await client.query("rollback");
    const after = await scans();
    return { outcome: rows[0].outcome, seqScans: after.seq - before.seq, rowsRead: after.rows - before.rows };
  } finally {
    await client.end();
  }
}

describe("a create on a table of 24,000 alerts", () => {
  it.each([
    ["finds a DM alert's twin", () => dmSource, {}, "duplicate"],
    ["creates a DM alert", () => dmSource, { threshold_upper: 98_765 }, "open"],
    ["finds a group alert's twin", () => groupSource, {}, "duplicate"],
    ["creates a group alert", () => groupSource, { threshold_upper: 98_765 }, "open"],
    ["finds a channel alert's twin", () => channelSource, {}, "duplicate"],
    ["creates a channel alert", () => channelSource, { threshold_upper: 98_765 }, "open"],
  ])("%s reading only the rows of its owner or its chat", async (_what, source, changes, answered) => {
    const { outcome, seqScans, rowsRead } = await createCounting(source(), changes);
    expect(Object.keys(outcome)).toContain(answered);
    expect(seqScans).toBe(0);
    // The owner has one alert (a manager 20), a group 20, a server 200. A lookup that walks an index of every
    // open alert, or of every community alert, reads thousands.
    expect(rowsRead).toBeLessThan(300);
  });
});
