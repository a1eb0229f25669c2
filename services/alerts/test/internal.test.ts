import { partitionForKey } from "@tickerbell/bus";
import {
  type Alert,
  AlertChangeEventSchema,
  type AlertRuntimeEvent,
  type AlertRuntimeState,
  DemandSchema,
  InternalAlertPageSchema,
  type Notification,
} from "@tickerbell/contracts";
import { runtimeStateOf } from "@tickerbell/rules";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OutboxRow } from "../src/domain/ports.ts";
import { anotherPriceAlert, priceAlert, sql, startPostgresHarness } from "./harness.ts";

let h: Awaited<ReturnType<typeof startPostgresHarness>>;
beforeAll(async () => {
  h = await startPostgresHarness();
});
afterAll(async () => {
  await h?.close();
});

async function create(as: string, overrides: Record<string, unknown> = {}) {
  const res = await h.api("POST", "/v1/alerts", { as, body: anotherPriceAlert(overrides) });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string; generation: number };
}

let nextOffset = 0n;

/** An alerts.runtime event as the matcher writes it, applied through the runtime service (as its consumer does). */
async function applyRuntime(
  alert: { id: string; symbol?: string },
  event: Partial<AlertRuntimeEvent> & Pick<AlertRuntimeEvent, "state" | "done">,
  partition = 0,
  offset = nextOffset++,
) {
  return h.service.runtime.apply([
    {
      event: { v: 1, alertId: alert.id, symbol: alert.symbol ?? "AAPL", asOfTick: "10", ...event },
      partition,
      offset,
    },
  ]);
}

function firing(alert: Alert, generation: number, price: number, repeating: boolean) {
  const firedAt = h.clock.now().toISOString();
  const notification: Notification = {
    v: 1,
    type: "triggered",
    triggerId: `${alert.id}:${generation}`,
    alertId: alert.id,
    generation,
    userId: alert.userId,
    origin: alert.origin,
    symbol: alert.symbol,
    condition: alert.condition,
    price,
    referencePrice: alert.referencePrice,
    moveAbs: price - alert.referencePrice,
    movePercent: 1,
    note: null,
    repeating,
    firedAt,
  };
  return { triggerId: notification.triggerId, price, firedAt, notification };
}

const cooling = (generation: number, lastFiredAt: number, lastFirePrice: number): AlertRuntimeState => ({
  generation,
  phase: "cooling",
  referencePrice: 190,
  upper: 200,
  lower: null,
  extreme: null,
  lastFiredAt,
  lastFirePrice,
});

async function changesOf(alertId: string): Promise<string[]> {
  const rows = await sql(
    h.db.url,
    "select payload->>'change' as change from outbox where payload->'alert'->>'id' = $1 order by id",
    [alertId],
  );
  return rows.map((r) => r.change);
}

describe("storing the matcher's runtime state (alerts.runtime)", () => {
  it("ends a one-shot alert that fired, records the firing once, and tells the others by alerts.changes", async () => {
    const created = await create("firer");
    const alert = (await h.api("GET", `/v1/alerts/${created.id}`, { as: "firer" })).body as Alert;
    const fired = firing(alert, 0, 200.5, false);
    const first = await applyRuntime(alert, { state: null, done: true, firing: fired });
    expect(first).toMatchObject({ firings: 1, finished: 1 });
    // The same event again (a replay after the matcher's crash) and the same firing at a later offset: nothing new.
    expect(
      await applyRuntime(alert, { state: null, done: true, firing: fired }, 0, nextOffset - 1n),
    ).toMatchObject({ firings: 0, finished: 0, skipped: 1 });
    expect(await applyRuntime(alert, { state: null, done: true, firing: fired })).toMatchObject({
      firings: 0,
    });
    const owned = await h.api("GET", `/v1/alerts/${alert.id}`, { as: "firer" });
    expect(owned.body).toMatchObject({ status: "triggered", lastTriggerPrice: 200.5, version: 2 });
    expect(await changesOf(alert.id)).toEqual(["created", "triggered"]);
    const [row] = await sql(
      h.db.url,
      "select notification->>'triggerId' as t from alert_triggers where alert_id = $1",
      [alert.id],
    );
    expect(row.t).toBe(`${alert.id}:0`);
  });

  it("stores a repeating alert's state as the matcher wrote it, with no version bump and no change event", async () => {
    const created = await create("firer", { repeat: { cooldownSeconds: 60 } });
    const alert = (await h.api("GET", `/v1/alerts/${created.id}`, { as: "firer" })).body as Alert;
    const at = h.clock.now().getTime();
    await applyRuntime(alert, {
      state: cooling(1, at, 201),
      done: false,
      firing: firing(alert, 0, 201, true),
    });
    const stored = (await h.api("GET", `/v1/alerts/${alert.id}`, { as: "firer" })).body as Alert;
    expect(stored).toMatchObject({
      status: "active",
      version: 1,
      generation: 1,
      phase: "cooling",
      lastTriggerPrice: 201,
      lastTriggeredAt: new Date(at).toISOString(),
      stateAsOfTick: "10",
    });
    expect(runtimeStateOf(stored)).toEqual(cooling(1, at, 201));
    expect(await changesOf(alert.id)).toEqual(["created"]);
  });

  it("creates a session high at today's high and keeps its running high and trading day through the matcher's states", async () => {
    const res = await h.api("POST", "/v1/alerts", {
      as: "highs",
      body: priceAlert({
        symbol: "MSFT",
        condition: { kind: "extreme", side: "high", span: "session" },
        market: { last: 410, sessionHigh: 412.5, sessionLow: 405 },
        repeat: { cooldownSeconds: 300 },
      }),
    });
    expect(res.status, res.text).toBe(201);
    const alert = res.body as Alert;
    expect(alert).toMatchObject({
      referencePrice: 412.5,
      extreme: 412.5,
      extremeSince: h.clock.now().toISOString(),
      thresholds: { upper: null, lower: null },
    });
    const [row] = await sql(h.db.url, "select kind, extreme, extreme_since from alerts where id = $1", [
      alert.id,
    ]);
    expect(row).toMatchObject({ kind: "extreme", extreme: 412.5 });
    // The matcher's state after a new day started and a new high fired: stored as written, read back as it was.
    const nextDay = h.clock.now().getTime() + 24 * 3600_000;
    const state: AlertRuntimeState = {
      generation: 1,
      phase: "cooling",
      referencePrice: 412.5,
      upper: null,
      lower: null,
      extreme: 415.25,
      extremeSince: nextDay,
      lastFiredAt: nextDay + 60_000,
      lastFirePrice: 415.25,
    };
    await applyRuntime(alert, { state, done: false, firing: firing(alert, 0, 415.25, true) });
    const stored = (await h.api("GET", `/v1/alerts/${alert.id}`, { as: "highs" })).body as Alert;
    expect(stored).toMatchObject({ extreme: 415.25, extremeSince: new Date(nextDay).toISOString() });
    expect(runtimeStateOf(stored)).toEqual(state);
  });

  it("refuses a 52-week high the bot brought no range for, with the reason", async () => {
    const res = await h.api("POST", "/v1/alerts", {
      as: "highs",
      body: priceAlert({ condition: { kind: "extreme", side: "high", span: "52w" }, market: { last: 410 } }),
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain("the 52-week high is not known for this symbol");
  });

  it("keeps the newest state when events arrive out of order (a batch retried after a later one)", async () => {
    const created = await create("firer", { repeat: { cooldownSeconds: 60 } });
    const alert = (await h.api("GET", `/v1/alerts/${created.id}`, { as: "firer" })).body as Alert;
    const at = h.clock.now().getTime();
    const newer = nextOffset + 5n;
    await applyRuntime(alert, { state: cooling(2, at, 205), done: false }, 0, newer);
    await applyRuntime(
      alert,
      { state: cooling(1, at, 201), done: false, firing: firing(alert, 0, 201, true) },
      0,
      newer - 1n,
    );
    const stored = (await h.api("GET", `/v1/alerts/${alert.id}`, { as: "firer" })).body as Alert;
    expect(stored).toMatchObject({ generation: 2, lastTriggerPrice: 205 });
    // The older event's firing is still recorded: it happened.
    const [count] = await sql(h.db.url, "select count(*)::int as n from alert_triggers where alert_id = $1", [
      alert.id,
    ]);
    expect(count.n).toBe(1);
    nextOffset = newer + 1n;
  });

  it("keeps the state of the later tick when a former owner's late write comes after the next owner's", async () => {
    const created = await create("firer", { repeat: { cooldownSeconds: 60 } });
    const alert = (await h.api("GET", `/v1/alerts/${created.id}`, { as: "firer" })).body as Alert;
    const at = h.clock.now().getTime();
    await applyRuntime(alert, { asOfTick: "40", state: cooling(3, at, 207), done: false });
    // Published after it (a later offset) but holding after an earlier tick: the stored state stays.
    expect(
      await applyRuntime(alert, { asOfTick: "30", state: cooling(2, at, 205), done: false }),
    ).toMatchObject({
      states: 0,
      skipped: 1,
    });
    expect((await h.api("GET", `/v1/alerts/${alert.id}`, { as: "firer" })).body).toMatchObject({
      generation: 3,
      stateAsOfTick: "40",
    });
  });

  it("records the firing of an alert cancelled meanwhile, but leaves it cancelled", async () => {
    const created = await create("firer");
    const alert = (await h.api("GET", `/v1/alerts/${created.id}`, { as: "firer" })).body as Alert;
    await h.api("DELETE", `/v1/alerts/${alert.id}`, { as: "firer" });
    expect(
      await applyRuntime(alert, { state: null, done: true, firing: firing(alert, 0, 201, false) }),
    ).toMatchObject({
      firings: 1,
      finished: 0,
    });
    expect((await h.api("GET", `/v1/alerts/${alert.id}`, { as: "firer" })).body.status).toBe("cancelled");
  });

  it("answers a matcher's snapshot only once alerts.runtime is applied up to the offsets it asks for", async () => {
    const created = await create("firer", { repeat: { cooldownSeconds: 60 } });
    const alert = (await h.api("GET", `/v1/alerts/${created.id}`, { as: "firer" })).body as Alert;
    const offset = nextOffset + 1000n;
    const query = `/v1/internal/alerts?status=active&limit=1000&runtimeOffsets=5:${offset + 1n}`;
    const asked = h.api("GET", query, { token: "internal" });
    let answered = false;
    void asked.then(() => {
      answered = true;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(answered).toBe(false);
    const at = h.clock.now().getTime();
    await applyRuntime(alert, { state: cooling(1, at, 202), done: false }, 5, offset);
    const page = InternalAlertPageSchema.parse((await asked).body);
    expect(page.alerts.find((a) => a.id === alert.id)).toMatchObject({
      generation: 1,
      lastTriggerPrice: 202,
    });
  });

  it("lists only the alerts of the partitions asked for", async () => {
    const symbols = ["AAPL", "MSFT", "TSLA", "NVDA", "AMZN", "META"];
    for (const symbol of symbols) await create("partitioned", { symbol });
    const wanted = new Set([0, 2]);
    const res = await h.api(
      "GET",
      "/v1/internal/alerts?status=active&limit=1000&partitions=0,2&partitionCount=6",
      {
        token: "internal",
      },
    );
    const page = InternalAlertPageSchema.parse(res.body);
    expect(page.alerts.length).toBeGreaterThan(0);
    expect(page.alerts.every((a) => wanted.has(partitionForKey(a.symbol, 6)))).toBe(true);
    const all = InternalAlertPageSchema.parse(
      (await h.api("GET", "/v1/internal/alerts?status=active&limit=1000", { token: "internal" })).body,
    );
    expect(page.alerts.length).toBe(
      all.alerts.filter((a) => wanted.has(partitionForKey(a.symbol, 6))).length,
    );
    const refused = await h.api("GET", "/v1/internal/alerts?partitions=7&partitionCount=6", {
      token: "internal",
    });
    expect(refused.status).toBe(400);
  });

  it("keeps each symbol's latest window history and hands it, by partition, to a matcher on the first page", async () => {
    const minute = Date.parse("2026-07-01T14:00:00Z");
    const history = (symbol: string, asOfTick: string, minutes: [number, number, number][]) =>
      h.service.runtime.apply([
        {
          event: { v: 1, kind: "windowHistory", symbol, asOfTick, minutes },
          partition: partitionForKey(symbol, 6),
          offset: nextOffset++,
        },
      ]);
    const symbols = ["WHA", "WHB", "WHC", "WHD", "WHE", "WHF", "WHG"];
    for (const symbol of symbols)
      expect(await history(symbol, "5", [[minute, 101, 99]])).toMatchObject({ histories: 1 });
    // A later tick replaces it; a former owner's late write of an earlier tick does not.
    await history("WHA", "9", [
      [minute, 102, 98],
      [minute + 60_000, 103, 100],
    ]);
    expect(await history("WHA", "7", [[minute, 150, 50]])).toMatchObject({ histories: 0 });
    const wanted = new Set([partitionForKey("WHA", 6)]);
    const first = InternalAlertPageSchema.parse(
      (
        await h.api(
          "GET",
          `/v1/internal/alerts?status=active&limit=1000&partitions=${[...wanted].join(",")}&partitionCount=6`,
          { token: "internal" },
        )
      ).body,
    );
    const listed = first.windowHistories ?? {};
    expect(listed.WHA).toEqual({
      asOfTick: "9",
      minutes: [
        [minute, 102, 98],
        [minute + 60_000, 103, 100],
      ],
    });
    expect(Object.keys(listed).sort()).toEqual(
      symbols.filter((s) => wanted.has(partitionForKey(s, 6))).sort(),
    );
    expect(Object.keys(listed).length).toBeLessThan(symbols.length);
  });

  it("hands out firings that no bot reported on after the grace period, once per grace period", async () => {
    const created = await create("firer", { repeat: { cooldownSeconds: 60 } });
    const alert = (await h.api("GET", `/v1/alerts/${created.id}`, { as: "firer" })).body as Alert;
    const fired = firing(alert, 0, 201, true);
    await applyRuntime(alert, {
      state: cooling(1, Date.parse(fired.firedAt), 201),
      done: false,
      firing: fired,
    });
    // Within the grace period: nothing. The firing time is the clock's; the claim compares with the clock too.
    expect((await h.service.runtime.claimUndelivered(60_000, 100)).map((n) => n.triggerId)).not.toContain(
      fired.triggerId,
    );
    h.clock.advance(61_000);
    const due = await h.service.runtime.claimUndelivered(60_000, 100);
    expect(due.map((n) => n.triggerId)).toContain(fired.triggerId);
    expect(due.find((n) => n.triggerId === fired.triggerId)).toEqual(fired.notification);
    // Claimed: not again until another grace period has passed.
    expect((await h.service.runtime.claimUndelivered(60_000, 100)).map((n) => n.triggerId)).not.toContain(
      fired.triggerId,
    );
    // A bot reports it delivered: never again.
    await h.api("PUT", "/v1/deliveries", {
      token: "telegram",
      body: { records: [{ triggerId: fired.triggerId, alertId: alert.id, status: "sent" }] },
    });
    h.clock.advance(61_000);
    expect((await h.service.runtime.claimUndelivered(60_000, 100)).map((n) => n.triggerId)).not.toContain(
      fired.triggerId,
    );
    // And the pass stopped counting it among the firings still waiting, so later passes do not read it again.
    expect(await awaiting(fired.triggerId)).toBe(false);
  });

  it("keeps only what still waits for an outcome in the re-emitter's reading, however many firings were delivered", async () => {
    const created = await create("busy-firer", { repeat: { cooldownSeconds: 60 } });
    const alert = (await h.api("GET", `/v1/alerts/${created.id}`, { as: "busy-firer" })).body as Alert;
    const delivered: string[] = [];
    let generation = 0;
    for (; generation < 30; generation++) {
      const fired = firing(alert, generation, 201, true);
      await applyRuntime(alert, {
        state: cooling(generation + 1, Date.parse(fired.firedAt), 201),
        done: false,
        firing: fired,
      });
      delivered.push(fired.triggerId);
    }
    await h.api("PUT", "/v1/deliveries", {
      token: "telegram",
      body: { records: delivered.map((triggerId) => ({ triggerId, alertId: alert.id, status: "sent" })) },
    });
    const undelivered = firing(alert, generation, 202, true);
    await applyRuntime(alert, {
      state: cooling(generation + 1, Date.parse(undelivered.firedAt), 202),
      done: false,
      firing: undelivered,
    });
    // Just recorded, every firing with a notification waits; the delivered ones until a pass past the grace.
    expect(await awaiting(undelivered.triggerId)).toBe(true);
    h.clock.advance(61_000);
    const due = await h.service.runtime.claimUndelivered(60_000, 100);
    expect(due.map((n) => n.triggerId)).toEqual(expect.arrayContaining([undelivered.triggerId]));
    expect(due.map((n) => n.triggerId)).not.toEqual(expect.arrayContaining([delivered[0]]));
    const [waiting] = await sql(
      h.db.url,
      "select count(*)::int as n from alert_triggers where alert_id = $1 and awaiting_outcome",
      [alert.id],
    );
    expect(waiting.n).toBe(1);
    expect(await awaiting(undelivered.triggerId)).toBe(true);
  });
});

async function awaiting(triggerId: string): Promise<boolean> {
  const [row] = await sql(h.db.url, "select awaiting_outcome from alert_triggers where trigger_id = $1", [
    triggerId,
  ]);
  return row.awaiting_outcome;
}

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
    // An earnings alert is due by the calendar: it needs no price stream.
    await create("demander", { symbol: "EARNS", condition: { kind: "earnings" } });
    const res = await h.api("GET", "/v1/internal/demand", { token: "internal" });
    expect(res.status).toBe(200);
    expect(res.body.symbols).toContain("WATCHD");
    expect(res.body.symbols).toContain("P0");
    expect(res.body.symbols).not.toContain("GONE");
    expect(res.body.symbols).not.toContain("PAUSD");
    expect(res.body.symbols).not.toContain("EARNS");
    expect(res.body.symbols).toEqual([...new Set(res.body.symbols)].sort());
  });

  it("answers per symbol its active alerts and their nearest levels above and below, trailing ones included", async () => {
    await h.api("POST", "/v1/watchlist", { as: "urgency", body: { symbols: ["URGW"] } });
    await create("urgency", {
      symbol: "URGA",
      condition: { kind: "price", direction: "above", target: 210 },
    });
    await create("urgency", {
      symbol: "URGA",
      condition: { kind: "price", direction: "above", target: 205 },
    });
    await create("urgency", {
      symbol: "URGA",
      condition: { kind: "price", direction: "below", target: 180 },
    });
    // 10% under the reference of 190: 171, farther than the 180 below.
    await create("urgency", {
      symbol: "URGA",
      condition: { kind: "trailing", direction: "down", offset: { unit: "percent", value: 10 } },
    });
    const paused = await create("urgency", {
      symbol: "URGA",
      condition: { kind: "price", direction: "above", target: 191 },
    });
    await h.api("PATCH", `/v1/alerts/${paused.id}`, { as: "urgency", body: { status: "paused" } });
    const res = await h.api("GET", "/v1/internal/demand", { token: "internal" });
    expect(res.status).toBe(200);
    const demand = DemandSchema.parse(res.body);
    expect(demand.bySymbol.map((d) => d.symbol)).toEqual(demand.symbols);
    expect(demand.bySymbol.find((d) => d.symbol === "URGA")).toEqual({
      symbol: "URGA",
      alerts: 4,
      nearestAbove: 205,
      nearestBelow: 180,
    });
    expect(demand.bySymbol.find((d) => d.symbol === "URGW")).toEqual({
      symbol: "URGW",
      alerts: 0,
      nearestAbove: null,
      nearestBelow: null,
    });
  });
});

describe("scoped demand (a recheck of some symbols)", () => {
  it("answers only the asked symbols, from their alerts and watchlists, and refuses a bad list", async () => {
    await h.api("POST", "/v1/watchlist", { as: "scoped", body: { symbols: ["SCOPEW"] } });
    await create("scoped", {
      symbol: "SCOPEA",
      condition: { kind: "price", direction: "above", target: 205 },
    });
    await create("scoped", {
      symbol: "SCOPEA",
      condition: { kind: "price", direction: "below", target: 180 },
    });
    await create("scoped", {
      symbol: "SCOPEB",
      condition: { kind: "price", direction: "above", target: 230 },
    });
    const gone = await create("scoped", { symbol: "SCOPEG" });
    await h.api("DELETE", `/v1/alerts/${gone.id}`, { as: "scoped" });
    const res = await h.api("GET", "/v1/internal/demand?symbols=SCOPEA,SCOPEW,SCOPEG,NOBODY", {
      token: "internal",
    });
    expect(res.status).toBe(200);
    expect(DemandSchema.parse(res.body)).toEqual({
      symbols: ["SCOPEA", "SCOPEW"],
      bySymbol: [
        { symbol: "SCOPEA", alerts: 2, nearestAbove: 205, nearestBelow: 180 },
        { symbol: "SCOPEW", alerts: 0, nearestAbove: null, nearestBelow: null },
      ],
    });
    const crypto = await h.api("GET", "/v1/internal/demand?symbols=BINANCE:BTCUSDT", { token: "internal" });
    expect(crypto.body).toEqual({ symbols: [], bySymbol: [] });
    for (const [query, message] of [
      ["symbols=aapl", "symbols is a comma-separated list of upper-case symbols"],
      ["symbols=AAPL,,MSFT", "symbols is a comma-separated list of upper-case symbols"],
      [`symbols=${Array.from({ length: 201 }, (_, i) => `S${i}`).join(",")}`, "at most 200 symbols"],
      ["symbol=AAPL", "symbol"],
    ] as const) {
      const bad = await h.api("GET", `/v1/internal/demand?${query}`, { token: "internal" });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body)).toContain(message);
    }
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
  it("hands out unpublished rows in id order, under the lease, until they are marked published", async () => {
    let first: OutboxRow[] = [];
    const relayed = await h.service.outbox.relayBatch(5, async (rows) => {
      first = rows;
    });
    expect(relayed).toBe(5);
    expect(first).toHaveLength(5);
    const ids = first.map((r) => BigInt(r.id));
    expect(ids).toEqual([...ids].sort((x, y) => (x < y ? -1 : 1)));
    for (const row of first) {
      const event = AlertChangeEventSchema.parse(row.payload);
      expect(row.key).toBe(event.alert.symbol);
      expect(row.topic).toBe("alerts.changes");
    }
    const next = await h.service.outbox.pending(5);
    expect(next.map((r) => r.id)).not.toContain(first[0]!.id);
    expect(BigInt(next[0]!.id)).toBeGreaterThan(ids.at(-1)!);
    const [published] = await sql(
      h.db.url,
      "select count(*)::int as n from outbox where published_at is not null",
    );
    expect(published.n).toBe(5);
  });

  it("leaves the rows unpublished when publishing fails", async () => {
    const before = await h.service.outbox.pending(1000);
    await expect(
      h.service.outbox.relayBatch(5, async () => {
        throw new Error("bus down");
      }),
    ).rejects.toThrow("bus down");
    expect(await h.service.outbox.pending(1000)).toEqual(before);
  });

  it("answers null, relaying nothing, while another relay holds the lease", async () => {
    const before = await h.service.outbox.pending(1000);
    let inner: number | null | undefined;
    await h.service.outbox.relayBatch(1, async () => {
      inner = await h.service.outbox.relayBatch(1000, async () => {
        throw new Error("must not be called");
      });
    });
    expect(inner).toBeNull();
    expect(await h.service.outbox.pending(1000)).toHaveLength(before.length - 1);
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
