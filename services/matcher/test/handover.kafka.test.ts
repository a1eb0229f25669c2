// Restarts and rebalances on a real broker: a matcher restarted mid-stream while the alert service's runtime
// consumer lags, two instances splitting the symbols and one leaving, trailing extremes surviving a restart. "Exactly once" is checked on the topics
// themselves: every expected triggerId appears, and each appears in exactly one message.
import type { Alert } from "@tickerbell/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  countByTriggerId,
  MatcherHarness,
  type RunningMatcher,
  symbolsPerPartition,
  tag,
  waitFor,
} from "./harness.ts";

const h = new MatcherHarness();
beforeAll(async () => {
  await h.start();
});
afterAll(async () => {
  await h.close();
});

const T0 = Date.parse("2026-03-02T15:00:00Z");

/** Creates one sentinel alert per symbol, fires them, and waits for their notifications: everything the
 * matcher published before on those symbols is on the topics by then. */
async function settle(symbols: readonly string[], user: string, at: number, owners: () => RunningMatcher[]) {
  const sentinels: Alert[] = [];
  for (const symbol of symbols) {
    sentinels.push(
      await h.createAlert(user, {
        symbol,
        condition: { kind: "price", direction: "above", target: 900 },
        market: { last: 500 },
      }),
    );
  }
  await waitFor("the sentinels in an index", () =>
    sentinels.every((s) => owners().some((o) => o.matcher.holds(s.id))),
  );
  await h.publishTicks(symbols.map((symbol) => ({ symbol, price: 901, ts: at })));
  await waitFor(
    "the sentinels' notifications",
    () => h.notificationsOf(sentinels.map((s) => s.id)).length === symbols.length,
  );
}

describe("matcher hand-over", () => {
  it("neither loses nor duplicates a firing when the matcher restarts mid-stream, even with the alert service's runtime consumer behind", async () => {
    const run = tag();
    const group = `matcher-${run}`;
    const user = `s-${run}`;
    const up = `${run}U`;
    const down = `${run}D`;
    let first = await h.startMatcher(group);
    await waitFor("the first matcher ready", () => first.matcher.ready);
    const alerts: Alert[] = [];
    for (let i = 1; i <= 10; i++) {
      alerts.push(
        await h.createAlert(user, {
          symbol: up,
          condition: { kind: "price", direction: "above", target: 200 + i },
          market: { last: 200 },
        }),
      );
      alerts.push(
        await h.createAlert(user, {
          symbol: down,
          condition: { kind: "price", direction: "below", target: 190 - i },
          market: { last: 190 },
        }),
      );
    }
    const repeating = await h.createAlert(user, {
      symbol: up,
      condition: { kind: "price", direction: "above", target: 202.5 },
      market: { last: 200 },
      repeat: { cooldownSeconds: 60 },
    });
    alerts.push(repeating);
    await waitFor("every alert in the index", () => alerts.every((a) => first.matcher.holds(a.id)));

    // 121 ticks per symbol, published in small batches while the matcher is stopped and replaced.
    const steps = 121;
    const ticks = Array.from({ length: steps }, (_, i) => [
      { symbol: up, price: Math.round((200 + i * 0.1) * 100) / 100, ts: T0 + i * 1000 },
      { symbol: down, price: Math.round((190 - i * 0.1) * 100) / 100, ts: T0 + i * 1000 },
    ]).flat();
    let published = 0;
    const publisher = (async () => {
      while (published < ticks.length) {
        await h.publishTicks(ticks.slice(published, published + 6));
        published += 6;
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    })();
    await waitFor(
      "a few firings before the restart",
      () => h.notificationsOf(alerts.map((a) => a.id)).length >= 4,
    );
    // The alert service's runtime consumer lags behind (stopped here): the second matcher's snapshot must wait
    // for it to store what the first one wrote, so it does not fire those generations again.
    await h.workers.runtime.stop();
    await first.stop();
    const publishedAtStop = published;
    first = await h.startMatcher(group);
    await publisher;
    await h.workers.runtime.start();
    await waitFor("the second matcher ready", () => first.matcher.ready);
    await waitFor(
      "every alert fired",
      () =>
        new Set(h.notificationsOf(alerts.map((a) => a.id)).map((n) => n.value.triggerId)).size ===
        alerts.length,
    );
    await settle([up, down], user, T0 + 200_000, () => [first]);

    expect(publishedAtStop).toBeLessThan(ticks.length);
    const counts = countByTriggerId(h.notificationsOf(alerts.map((a) => a.id)));
    expect([...counts.keys()].sort()).toEqual(alerts.map((a) => `${a.id}:0`).sort());
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    for (const alert of alerts.filter((a) => a.repeat === null)) {
      expect((await h.getAlert(alert, user)).status).toBe("triggered");
    }
    expect(await h.getAlert(repeating, user)).toMatchObject({ status: "active", generation: 1 });
    await first.stop();
  });

  it("splits the symbols between two instances; when one leaves, the other takes over and nothing is lost", async () => {
    const run = tag();
    const group = `matcher-${run}`;
    const user = `p-${run}`;
    const a = await h.startMatcher(group);
    await waitFor("the first instance ready", () => a.matcher.ready);
    const b = await h.startMatcher(group);
    await waitFor("both instances owning partitions", () => {
      const owned = [...a.matcher.ownedPartitions, ...b.matcher.ownedPartitions];
      return (
        a.matcher.ownedPartitions.length > 0 &&
        b.matcher.ownedPartitions.length > 0 &&
        owned.length === 6 &&
        b.matcher.ready &&
        a.matcher.ready
      );
    });
    expect(new Set([...a.matcher.ownedPartitions, ...b.matcher.ownedPartitions]).size).toBe(6);
    const symbols = symbolsPerPartition(h, `${run}P`, 6);
    const wave = async (target: number, last: number) => {
      const created: Alert[] = [];
      for (const symbol of symbols) {
        created.push(
          await h.createAlert(user, {
            symbol,
            condition: { kind: "price", direction: "above", target },
            market: { last },
          }),
        );
      }
      return created;
    };
    const first = await wave(101, 100);
    await waitFor("wave 1 in the indexes", () =>
      first.every((x) => a.matcher.holds(x.id) || b.matcher.holds(x.id)),
    );
    // Each alert sits in exactly one instance: the owner of its symbol's partition.
    for (const alert of first) {
      const owner = a.matcher.ownedPartitions.includes(h.partitionOf(alert.symbol)) ? a : b;
      const other = owner === a ? b : a;
      expect(owner.matcher.holds(alert.id)).toBe(true);
      expect(other.matcher.holds(alert.id)).toBe(false);
    }
    await h.publishTicks(
      symbols.flatMap((symbol) => [100.5, 101.5].map((price, i) => ({ symbol, price, ts: T0 + i * 1000 }))),
    );
    await waitFor("wave 1 fired", () => h.notificationsOf(first.map((x) => x.id)).length >= first.length);

    const second = await wave(103, 101.5);
    await waitFor("wave 2 in the indexes", () =>
      second.every((x) => a.matcher.holds(x.id) || b.matcher.holds(x.id)),
    );
    await h.publishTicks(symbols.map((symbol) => ({ symbol, price: 102, ts: T0 + 10_000 })));
    // A leaves while ticks keep coming; B takes its partitions over from the snapshot.
    const leaving = a.stop();
    await h.publishTicks(symbols.map((symbol) => ({ symbol, price: 102.5, ts: T0 + 11_000 })));
    await leaving;
    await waitFor(
      "B owning every partition",
      () => b.matcher.ownedPartitions.length === 6 && b.matcher.ready,
    );
    await h.publishTicks(
      symbols.flatMap((symbol) =>
        [103.5, 104].map((price, i) => ({ symbol, price, ts: T0 + (20 + i) * 1000 })),
      ),
    );
    await waitFor("wave 2 fired", () => h.notificationsOf(second.map((x) => x.id)).length >= second.length);
    await settle(symbols, user, T0 + 60_000, () => [b]);

    const counts = countByTriggerId(h.notificationsOf([...first, ...second].map((x) => x.id)));
    expect([...counts.keys()].sort()).toEqual([...first, ...second].map((x) => `${x.id}:0`).sort());
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    for (const n of h.notificationsOf(second.map((x) => x.id))) expect(n.value.price).toBe(103.5);
    await b.stop();
  });

  it("keeps a trailing peak and trough across a restart (checkpointed on the interval and on stop)", async () => {
    const run = tag();
    const group = `matcher-${run}`;
    const user = `t-${run}`;
    const peakSymbol = `${run}K`;
    const troughSymbol = `${run}H`;
    let m = await h.startMatcher(group, { checkpointMs: 200 });
    await waitFor("the matcher ready", () => m.matcher.ready);
    const trailDown = await h.createAlert(user, {
      symbol: peakSymbol,
      condition: { kind: "trailing", direction: "down", offset: { unit: "percent", value: 5 } },
      market: { last: 100 },
    });
    const trailUp = await h.createAlert(user, {
      symbol: troughSymbol,
      condition: { kind: "trailing", direction: "up", offset: { unit: "amount", value: 3 } },
      market: { last: 100 },
    });
    await waitFor("both in the index", () => m.matcher.holds(trailDown.id) && m.matcher.holds(trailUp.id));
    await h.publishTicks([
      ...[104, 110, 120].map((price, i) => ({ symbol: peakSymbol, price, ts: T0 + i * 1000 })),
      ...[98, 95, 92].map((price, i) => ({ symbol: troughSymbol, price, ts: T0 + i * 1000 })),
    ]);
    await waitFor("the extremes checkpointed on the interval", async () => {
      const [down, up] = await Promise.all([h.getAlert(trailDown, user), h.getAlert(trailUp, user)]);
      return down.extreme === 120 && up.extreme === 92;
    });
    await h.publishTicks([
      { symbol: peakSymbol, price: 121, ts: T0 + 5000 },
      { symbol: troughSymbol, price: 91.5, ts: T0 + 5000 },
    ]);
    await waitFor(
      "the last ticks seen",
      () => m.matcher.lastPriceOf(peakSymbol) === 121 && m.matcher.lastPriceOf(troughSymbol) === 91.5,
    );
    await m.stop();
    // Checkpointed on stop; the alert service stores it from alerts.runtime (the next owner's snapshot waits
    // for that).
    await waitFor("the last extremes stored", async () => {
      const [down, up] = await Promise.all([h.getAlert(trailDown, user), h.getAlert(trailUp, user)]);
      return down.extreme === 121 && up.extreme === 91.5;
    });

    m = await h.startMatcher(group, { checkpointMs: 200 });
    await waitFor("the restarted matcher ready", () => m.matcher.ready && m.matcher.holds(trailDown.id));
    // From a peak of 121 the stop is at 114.95; from the reference 100 it would be 95. From a trough of 91.5
    // the trigger is at 94.5; from 100 it would be 103.
    await h.publishTicks([
      ...[116, 114.9, 113].map((price, i) => ({ symbol: peakSymbol, price, ts: T0 + (10 + i) * 1000 })),
      ...[94, 94.6, 96].map((price, i) => ({ symbol: troughSymbol, price, ts: T0 + (10 + i) * 1000 })),
    ]);
    await waitFor("both fired", () => h.notificationsOf([trailDown.id, trailUp.id]).length >= 2);
    await settle([peakSymbol, troughSymbol], user, T0 + 60_000, () => [m]);
    const seen = h.notificationsOf([trailDown.id, trailUp.id]);
    // The notification says the peak (trough) the new owner carried over, and the level it fired at.
    expect(
      seen.map((n) => [n.value.triggerId, n.value.price, n.value.extreme, n.value.level?.toFixed(2)]).sort(),
    ).toEqual(
      [
        [`${trailDown.id}:0`, 114.9, 121, "114.95"],
        [`${trailUp.id}:0`, 94.6, 91.5, "94.50"],
      ].sort(),
    );
    await m.stop();
  });
});
