// The matcher service end to end on the real things: alerts created through the alert service's HTTP API
// (PostgreSQL), alerts.changes from its outbox relay, ticks on prices.ticks, notifications on
// notifications.<platform>, firings recorded by the alert service's trigger consumer -- all on a real broker.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AlertSnapshotClient } from "../src/service/alert-snapshot-client.ts";
import { countByTriggerId, MatcherHarness, TOKENS, tag, waitFor } from "./harness.ts";

const h = new MatcherHarness();
beforeAll(async () => {
  await h.start();
});
afterAll(async () => {
  await h.close();
});

/** Tick times: a fixed start well in the past of every cooldown, one synthetic second per step unless told. */
const T0 = Date.parse("2026-03-02T15:00:00Z");

describe("AlertSnapshotClient against the alert service", () => {
  it("pages through every active alert of the partitions asked for, and tells a refusal from an outage", async () => {
    const run = tag();
    for (let i = 0; i < 5; i++) {
      await h.createAlert(`pg-${run}`, {
        symbol: `${run}G${i}`,
        condition: { kind: "price", direction: "above", target: 200 },
        market: { last: 190 },
      });
    }
    const client = new AlertSnapshotClient({
      baseUrl: h.baseUrl,
      internalToken: TOKENS.internal,
      pageSize: 2,
    });
    const everything = { partitions: [0, 1, 2, 3, 4, 5], partitionCount: 6, runtimeOffsets: new Map() };
    const ids: string[] = [];
    const seqs: Record<string, string>[] = [];
    let pages = 0;
    for await (const page of client.activeAlerts(everything)) {
      pages++;
      expect(page.alerts.length).toBeLessThanOrEqual(2);
      ids.push(...page.alerts.map((a) => a.id));
      seqs.push({ ...page.changeSeqs });
    }
    const [row] = await h.service.em
      .fork()
      .execute<{ n: number }[]>("select count(*)::int as n from alerts where status = 'active'");
    const n = row?.n ?? -1;
    expect(ids).toHaveLength(n);
    expect(new Set(ids).size).toBe(n);
    expect(pages).toBe(Math.floor(n / 2) + 1);
    // The first page carries each symbol's seq; the others nothing.
    expect(BigInt(seqs[0]?.[`${run}G0`] ?? "0")).toBeGreaterThan(0n);
    expect(seqs.slice(1).every((s) => Object.keys(s).length === 0)).toBe(true);

    const drain = async (c: AlertSnapshotClient) => {
      for await (const _ of c.activeAlerts(everything)) {
        // pages are only fetched
      }
    };
    const refused = new AlertSnapshotClient({ baseUrl: h.baseUrl, internalToken: TOKENS.telegram });
    await expect(drain(refused)).rejects.toMatchObject({
      name: "ApiError",
      method: "GET",
      path: "/v1/internal/alerts",
      status: 403,
    });
    const closed = new AlertSnapshotClient({ baseUrl: "http://127.0.0.1:9", internalToken: TOKENS.internal });
    await expect(drain(closed)).rejects.toMatchObject({
      name: "ServiceUnavailableError",
      reason: "unreachable",
    });
  });
});

describe("matcher service on Kafka", () => {
  it("routes a firing to its platform's topic exactly once and the alert service marks the alert triggered", async () => {
    const run = tag();
    const symbol = `${run}A`;
    const m = await h.startMatcher(`matcher-${run}`);
    await waitFor("the matcher to own its partitions", () => m.matcher.ready);
    const above = await h.createAlert(`u-${run}`, {
      symbol,
      condition: { kind: "price", direction: "above", target: 200 },
      market: { last: 190 },
      note: "take profit",
    });
    const below = await h.createAlert(
      `d-${run}`,
      { symbol, condition: { kind: "price", direction: "below", target: 180 }, market: { last: 190 } },
      "discord",
    );
    await waitFor("both alerts in the index", () => m.matcher.holds(above.id) && m.matcher.holds(below.id));

    await h.publishTicks(
      [195, 199.5, 201, 202, 203, 185, 179, 178, 190, 205].map((price, i) => ({
        symbol,
        price,
        ts: T0 + i * 1000,
      })),
    );
    await waitFor("both firings recorded by the alert service", async () => {
      const [a, b] = await Promise.all([h.getAlert(above, `u-${run}`), h.getAlert(below, `d-${run}`)]);
      return a.status === "triggered" && b.status === "triggered";
    });
    // A sentinel after everything else on the same symbol: once it fired, anything earlier was published.
    const sentinel = await h.createAlert(`u-${run}`, {
      symbol,
      condition: { kind: "price", direction: "above", target: 300 },
      market: { last: 205 },
    });
    await waitFor("the sentinel in the index", () => m.matcher.holds(sentinel.id));
    await h.publishTicks([{ symbol, price: 301, ts: T0 + 60_000 }]);
    await waitFor("the sentinel's notification", () => h.notificationsOf([sentinel.id]).length > 0);

    const seen = h.notificationsOf([above.id, below.id]);
    expect([...countByTriggerId(seen)].sort()).toEqual(
      [
        [`${above.id}:0`, 1],
        [`${below.id}:0`, 1],
      ].sort(),
    );
    const telegram = seen.find((n) => n.value.alertId === above.id)!;
    expect(telegram.topic).toBe("notifications.telegram");
    expect(telegram.key).toBe(above.userId);
    expect(telegram.value).toMatchObject({
      type: "triggered",
      triggerId: `${above.id}:0`,
      generation: 0,
      userId: above.userId,
      origin: { platform: "telegram", chatId: `chat-u-${run}` },
      symbol,
      condition: { kind: "price", direction: "above", target: 200 },
      price: 201,
      referencePrice: 190,
      moveAbs: 11,
      movePercent: 5.7895,
      note: "take profit",
      repeating: false,
      firedAt: new Date(T0 + 2000).toISOString(),
    });
    const discord = seen.find((n) => n.value.alertId === below.id)!;
    expect(discord.topic).toBe("notifications.discord");
    expect(discord.value).toMatchObject({ side: "lower", level: 180, price: 179, moveAbs: -11 });
    const stored = await h.getAlert(above, `u-${run}`);
    expect(stored).toMatchObject({ status: "triggered", lastTriggerPrice: 201 });
    expect(m.matcher.holds(above.id)).toBe(false);
    await m.stop();
  });

  it("re-arms a repeating alert on the next generation and fires it again only after cooldown and hysteresis", async () => {
    const run = tag();
    const symbol = `${run}R`;
    const user = `r-${run}`;
    const m = await h.startMatcher(`matcher-${run}`);
    await waitFor("the matcher to own its partitions", () => m.matcher.ready);
    const alert = await h.createAlert(user, {
      symbol,
      condition: { kind: "price", direction: "above", target: 200 },
      market: { last: 190 },
      repeat: { cooldownSeconds: 60 },
    });
    await waitFor("the alert in the index", () => m.matcher.holds(alert.id));
    await h.publishTicks([{ symbol, price: 201, ts: T0 }]);
    await waitFor("the first firing re-armed in the alert service", async () => {
      return (await h.getAlert(alert, user)).generation === 1;
    });
    // Inside the cooldown; then past it but still above the level; then back only to 199.5 (the band is
    // 199.00): none of these fires. 198.9 re-arms it, 200.5 fires generation 1.
    await h.publishTicks(
      [
        [203, 10],
        [202, 70],
        [199.5, 80],
        [201, 85],
        [198.9, 90],
        [200.5, 100],
        [202, 110],
      ].map(([price, seconds]) => ({ symbol, price: price!, ts: T0 + seconds! * 1000 })),
    );
    await waitFor("the second firing re-armed in the alert service", async () => {
      return (await h.getAlert(alert, user)).generation === 2;
    });
    const sentinel = await h.createAlert(user, {
      symbol,
      condition: { kind: "price", direction: "above", target: 300 },
      market: { last: 202 },
    });
    await waitFor("the sentinel in the index", () => m.matcher.holds(sentinel.id));
    await h.publishTicks([{ symbol, price: 301, ts: T0 + 120_000 }]);
    await waitFor("the sentinel's notification", () => h.notificationsOf([sentinel.id]).length > 0);

    const seen = h.notificationsOf([alert.id]);
    expect(seen.map((n) => [n.value.triggerId, n.value.price, n.value.firedAt])).toEqual([
      [`${alert.id}:0`, 201, new Date(T0).toISOString()],
      [`${alert.id}:1`, 200.5, new Date(T0 + 100_000).toISOString()],
    ]);
    expect(seen.every((n) => n.value.repeating)).toBe(true);
    expect(await h.getAlert(alert, user)).toMatchObject({
      status: "active",
      generation: 2,
      lastTriggerPrice: 200.5,
    });
    await m.stop();
  });

  it("tells the user when the alert service expires an alert", async () => {
    const run = tag();
    const symbol = `${run}E`;
    const user = `e-${run}`;
    const m = await h.startMatcher(`matcher-${run}`);
    await waitFor("the matcher to own its partitions", () => m.matcher.ready);
    const alert = await h.createAlert(user, {
      symbol,
      condition: { kind: "price", direction: "above", target: 200 },
      market: { last: 190 },
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    await waitFor("the alert in the index", () => m.matcher.holds(alert.id));
    await h.publishTicks([{ symbol, price: 193.25, ts: Date.now() }]);
    await waitFor("the tick seen", () => m.matcher.lastPriceOf(symbol) === 193.25);
    expect(await h.service.alerts.expireDue(new Date(Date.now() + 2 * 3_600_000))).toBe(1);
    await waitFor("the expiry notification", () => h.notificationsOf([alert.id]).length > 0);
    await waitFor("the alert out of the index", () => !m.matcher.holds(alert.id));
    const [expired] = h.notificationsOf([alert.id]);
    expect(expired!.topic).toBe("notifications.telegram");
    expect(expired!.value).toMatchObject({
      type: "expired",
      triggerId: `${alert.id}:expired`,
      price: 193.25,
    });
    await m.stop();
  });
});
