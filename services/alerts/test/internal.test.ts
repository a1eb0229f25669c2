import {
  AlertChangeEventSchema,
  InternalAlertPageSchema,
  RecordTriggerResponseSchema,
} from "@tickerbell/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { priceAlert, sql, startPostgresHarness } from "./harness.ts";

let h: Awaited<ReturnType<typeof startPostgresHarness>>;
beforeAll(async () => {
  h = await startPostgresHarness();
});
afterAll(async () => {
  await h?.close();
});

async function create(as: string, overrides: Record<string, unknown> = {}) {
  const res = await h.api("POST", "/v1/alerts", { as, body: priceAlert(overrides) });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string; generation: number };
}

function fire(alertId: string, generation: number, price: number) {
  return h.api("POST", "/v1/internal/triggers", {
    token: "internal",
    body: { triggerId: `${alertId}:${generation}`, price, firedAt: h.clock.now().toISOString() },
  });
}

async function changesOf(alertId: string): Promise<string[]> {
  const rows = await sql(
    h.db.url,
    "select payload->>'change' as change from outbox where payload->'alert'->>'id' = $1 order by id",
    [alertId],
  );
  return rows.map((r) => r.change);
}

describe("recording triggers", () => {
  it("ends a one-shot alert, and a repeat of the same triggerId is a duplicate with the same alert", async () => {
    const alert = await create("firer");
    const first = await fire(alert.id, 0, 200.5);
    expect(first.status).toBe(200);
    const recorded = RecordTriggerResponseSchema.parse(first.body);
    expect(recorded).toMatchObject({
      outcome: "triggered",
      alert: { status: "triggered", generation: 0, lastTriggerPrice: 200.5 },
    });
    const again = await fire(alert.id, 0, 200.5);
    expect(again.body).toEqual({ outcome: "duplicate", alert: first.body.alert });
    expect(await changesOf(alert.id)).toEqual(["created", "triggered"]);
    const owned = await h.api("GET", `/v1/alerts/${alert.id}`, { as: "firer" });
    expect(owned.body.status).toBe("triggered");
  });

  it("re-arms a repeating alert on generation+1; the old triggerId stays a duplicate", async () => {
    const alert = await create("firer", { repeat: { cooldownSeconds: 60 } });
    const first = await fire(alert.id, 0, 201);
    expect(first.body).toMatchObject({ outcome: "rearmed", alert: { status: "active", generation: 1 } });
    expect((await fire(alert.id, 0, 201)).body.outcome).toBe("duplicate");
    const second = await fire(alert.id, 1, 202);
    expect(second.body).toMatchObject({
      outcome: "rearmed",
      alert: { generation: 2, lastTriggerPrice: 202 },
    });
    expect(await changesOf(alert.id)).toEqual(["created", "rearmed", "rearmed"]);
  });

  it("re-bases repeating percent, cross and trailing alerts on the fire price", async () => {
    const percent = await create("firer", {
      repeat: { cooldownSeconds: 60 },
      condition: { kind: "percent", direction: "move", percent: 10 },
    });
    expect((await fire(percent.id, 0, 210)).body.alert).toMatchObject({
      referencePrice: 210,
      thresholds: { upper: 231, lower: 189 },
    });
    const cross = await create("firer", {
      repeat: { cooldownSeconds: 60 },
      condition: { kind: "price", direction: "cross", target: 195 },
    });
    expect((await fire(cross.id, 0, 195.1)).body.alert.thresholds).toEqual({ upper: null, lower: 195 });
    const trailing = await create("firer", {
      repeat: { cooldownSeconds: 60 },
      condition: { kind: "trailing", direction: "down", offset: { unit: "percent", value: 5 } },
    });
    expect((await fire(trailing.id, 0, 180.5)).body.alert).toMatchObject({
      referencePrice: 180.5,
      extreme: 180.5,
    });
  });

  it("answers stale for an alert that is not active or a generation it is not on, writing nothing", async () => {
    const paused = await create("firer");
    await h.api("PATCH", `/v1/alerts/${paused.id}`, { as: "firer", body: { status: "paused" } });
    const res = await fire(paused.id, 0, 201);
    expect(res.body).toMatchObject({ outcome: "stale", alert: { status: "paused" } });
    const ahead = await create("firer");
    expect((await fire(ahead.id, 3, 201)).body.outcome).toBe("stale");
    const [count] = await sql(
      h.db.url,
      "select count(*)::int as n from alert_triggers where alert_id in ($1, $2)",
      [paused.id, ahead.id],
    );
    expect(count.n).toBe(0);
    expect(await changesOf(ahead.id)).toEqual(["created"]);
  });

  it("records a burst of the same triggerId exactly once", async () => {
    const alert = await create("firer", { repeat: { cooldownSeconds: 60 } });
    const answers = await Promise.all(Array.from({ length: 6 }, () => fire(alert.id, 0, 205)));
    const outcomes = answers.map((a) => a.body.outcome).sort();
    expect(outcomes).toEqual(["duplicate", "duplicate", "duplicate", "duplicate", "duplicate", "rearmed"]);
    expect(await changesOf(alert.id)).toEqual(["created", "rearmed"]);
  });

  it("answers 404 for an unknown alert", async () => {
    const res = await fire("0f8fad5b-d9cb-469f-a165-70867728950e", 0, 1);
    expect(res.status).toBe(404);
  });
});

describe("snapshot paging and demand", () => {
  it("pages through alerts by status in id order", async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await create("pager", { symbol: `P${i}` })).id);
    const all: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const url: string = `/v1/internal/alerts?status=active&limit=2${after ? `&after=${after}` : ""}`;
      const res = await h.api("GET", url, { token: "internal" });
      expect(res.status).toBe(200);
      const page = InternalAlertPageSchema.parse(res.body);
      expect(page.alerts.length).toBeLessThanOrEqual(2);
      for (const a of page.alerts) expect(a.status).toBe("active");
      all.push(...page.alerts.map((a) => a.id));
      after = page.nextAfter;
      pages++;
    } while (after && pages < 100);
    expect(all).toEqual([...all].sort());
    expect(new Set(all).size).toBe(all.length);
    for (const id of ids) expect(all).toContain(id);
    const triggered = await h.api("GET", "/v1/internal/alerts?status=triggered", { token: "internal" });
    expect(triggered.body.alerts.every((a: { status: string }) => a.status === "triggered")).toBe(true);
    expect(triggered.body.alerts.length).toBeGreaterThan(0);
  });

  it("lists the symbols of active alerts and watchlists, without finished alerts' symbols", async () => {
    await h.api("POST", "/v1/watchlist", { as: "demander", body: { symbols: ["WATCHD"] } });
    const gone = await create("demander", { symbol: "GONE" });
    await h.api("DELETE", `/v1/alerts/${gone.id}`, { as: "demander" });
    const paused = await create("demander", { symbol: "PAUSD" });
    await h.api("PATCH", `/v1/alerts/${paused.id}`, { as: "demander", body: { status: "paused" } });
    const res = await h.api("GET", "/v1/internal/demand", { token: "internal" });
    expect(res.status).toBe(200);
    expect(res.body.symbols).toContain("WATCHD");
    expect(res.body.symbols).toContain("P0");
    expect(res.body.symbols).not.toContain("GONE");
    expect(res.body.symbols).not.toContain("PAUSD");
    expect(res.body.symbols).toEqual([...new Set(res.body.symbols)].sort());
  });
});

describe("expiry sweep", () => {
  it("expires open alerts past their expiry once, with an `expired` change", async () => {
    const soon = new Date(h.clock.now().getTime() + 3600_000).toISOString();
    const later = new Date(h.clock.now().getTime() + 3 * 3600_000).toISOString();
    const a = await create("expirer", { expiresAt: soon });
    const b = await create("expirer", { expiresAt: soon });
    await h.api("PATCH", `/v1/alerts/${b.id}`, { as: "expirer", body: { status: "paused" } });
    const c = await create("expirer", { expiresAt: later });
    const sweptNow = await h.service.alerts.expireDue(h.clock.now());
    expect(sweptNow).toBe(0);
    h.clock.advance(2 * 3600_000);
    expect(await h.service.alerts.expireDue(h.clock.now())).toBe(2);
    expect(await h.service.alerts.expireDue(h.clock.now())).toBe(0);
    const statuses = await Promise.all(
      [a, b, c].map(async (x) => (await h.api("GET", `/v1/alerts/${x.id}`, { as: "expirer" })).body.status),
    );
    expect(statuses).toEqual(["expired", "expired", "active"]);
    expect(await changesOf(a.id)).toEqual(["created", "expired"]);
    expect(await changesOf(b.id)).toEqual(["created", "paused", "expired"]);
  });
});

describe("outbox drain", () => {
  it("hands out unpublished rows in id order until they are marked published", async () => {
    const first = await h.service.outbox.claimBatch(5);
    expect(first).toHaveLength(5);
    const ids = first.map((r) => BigInt(r.id));
    expect(ids).toEqual([...ids].sort((x, y) => (x < y ? -1 : 1)));
    for (const row of first) {
      const event = AlertChangeEventSchema.parse(row.payload);
      expect(event.seq).toBe(row.id);
      expect(row.key).toBe(event.alert.symbol);
      expect(row.topic).toBe("alerts.changes");
    }
    await h.service.outbox.markPublished(first.map((r) => r.id));
    const next = await h.service.outbox.claimBatch(5);
    expect(next.map((r) => r.id)).not.toContain(first[0]!.id);
    expect(BigInt(next[0]!.id)).toBeGreaterThan(ids.at(-1)!);
    const [published] = await sql(
      h.db.url,
      "select count(*)::int as n from outbox where published_at is not null",
    );
    expect(published.n).toBe(5);
  });
});

describe("snooze", () => {
  it("pauses until the snooze ends, then the sweep resumes it once, with `paused` and `resumed` changes", async () => {
    const a = await create("snoozer", {});
    const snoozed = await h.api("PATCH", `/v1/alerts/${a.id}`, {
      as: "snoozer",
      body: { snoozeSeconds: 3600 },
    });
    expect(snoozed.status).toBe(200);
    expect(snoozed.body).toMatchObject({
      status: "paused",
      resumeAt: new Date(h.clock.now().getTime() + 3600_000).toISOString(),
    });
    expect(await h.service.alerts.resumeDue(h.clock.now())).toBe(0);
    h.clock.advance(3600_000);
    expect(await h.service.alerts.resumeDue(h.clock.now())).toBe(1);
    expect(await h.service.alerts.resumeDue(h.clock.now())).toBe(0);
    const after = await h.api("GET", `/v1/alerts/${a.id}`, { as: "snoozer" });
    expect(after.body).toMatchObject({ status: "active", resumeAt: null });
    expect(await changesOf(a.id)).toEqual(["created", "paused", "resumed"]);
  });

  it("ends a snooze when the user pauses or resumes by hand, and refuses status with snoozeSeconds", async () => {
    const a = await create("snoozer", {});
    await h.api("PATCH", `/v1/alerts/${a.id}`, { as: "snoozer", body: { snoozeSeconds: 600 } });
    const resumed = await h.api("PATCH", `/v1/alerts/${a.id}`, { as: "snoozer", body: { status: "active" } });
    expect(resumed.body).toMatchObject({ status: "active", resumeAt: null });
    const both = await h.api("PATCH", `/v1/alerts/${a.id}`, {
      as: "snoozer",
      body: { status: "paused", snoozeSeconds: 600 },
    });
    expect(both.status).toBe(400);
    const tooShort = await h.api("PATCH", `/v1/alerts/${a.id}`, {
      as: "snoozer",
      body: { snoozeSeconds: 5 },
    });
    expect(tooShort.status).toBe(400);
    expect(JSON.stringify(tooShort.body.error.details)).toContain("at least 60 seconds");
  });
});
