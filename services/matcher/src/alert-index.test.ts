import type { Alert, AlertCondition } from "@tickerbell/contracts";
import { HYSTERESIS_FRACTION, roundPrice } from "@tickerbell/rules";
import { describe, expect, it } from "vitest";
import { type AlertSpec, makeAlert } from "../test/alert-fixtures.ts";
import { AlertIndex } from "./alert-index.ts";
import type { Firing, MatchEvent, TickInput } from "./types.ts";

const T0 = Date.parse("2026-03-03T15:00:00Z"); // a Tuesday, 10:00 New York
const MIN = 60_000;

function id(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
}

function alert(n: number, condition: AlertCondition, options: Partial<AlertSpec> = {}): Alert {
  return makeAlert({ id: id(n), symbol: "AAPL", condition, referencePrice: 100, ...options });
}

function tick(price: number, ts: number, extra: Partial<TickInput> = {}): TickInput {
  return { symbol: "AAPL", price, ts, ...extra };
}

function fired(events: readonly MatchEvent[]): Firing[] {
  return events.filter((e): e is Firing => e.type === "fired");
}

/** Feeds prices one minute apart from `start`; returns the triggerIds fired at each tick. */
function run(index: AlertIndex, prices: number[], start = T0): string[][] {
  return prices.map((p, i) => fired(index.onTick(tick(p, start + i * MIN))).map((f) => f.triggerId));
}

describe("price alerts", () => {
  it("above X fires on the first tick at or above X, once", () => {
    const index = new AlertIndex();
    index.upsert(alert(1, { kind: "price", direction: "above", target: 110 }));
    expect(run(index, [105, 109.99, 110, 111])).toEqual([[], [], [`${id(1)}:0`], []]);
    expect(index.size).toBe(0);
  });

  it("below X fires at or below X and reports the crossing price and level", () => {
    const index = new AlertIndex();
    index.upsert(alert(1, { kind: "price", direction: "below", target: 90 }));
    expect(index.onTick(tick(90.01, T0))).toEqual([]);
    const [hit] = fired(index.onTick(tick(89.5, T0 + MIN)));
    expect(hit).toMatchObject({
      side: "lower",
      level: 90,
      price: 89.5,
      tickPrice: 89.5,
      generation: 0,
      repeating: false,
    });
  });

  it("cross watches the side away from the price, then the other side shifted by the band when repeating", () => {
    const index = new AlertIndex();
    index.upsert(alert(1, { kind: "price", direction: "cross", target: 105 }, { cooldownSeconds: 60 }));
    const band = 105 * (1 - HYSTERESIS_FRACTION);
    expect(run(index, [104, 105.2, 104.99, band + 0.01, band, 104])).toEqual([
      [],
      [`${id(1)}:0`],
      [], // in cooldown
      [], // below 105 but not through the band
      [`${id(1)}:1`],
      [],
    ]);
    expect(index.exportState(id(1))).toMatchObject({
      generation: 2,
      phase: "armed",
      upper: 105 * (1 + HYSTERESIS_FRACTION),
    });
  });
});

describe("percent alerts", () => {
  it("fire at the absolute thresholds computed from the reference", () => {
    const index = new AlertIndex();
    index.upsert(alert(1, { kind: "percent", direction: "up", percent: 5, basis: "last" }));
    index.upsert(alert(2, { kind: "percent", direction: "down", percent: 5, basis: "last" }));
    expect(run(index, [104.9, 105, 95.01, 95])).toEqual([[], [`${id(1)}:0`], [], [`${id(2)}:0`]]);
  });

  it("a move alert hit on both sides by one conflated tick fires once, on the upper side", () => {
    const index = new AlertIndex();
    index.upsert(alert(1, { kind: "percent", direction: "move", percent: 2, basis: "close" }));
    const events = fired(index.onTick(tick(100, T0, { high: 103, low: 97 })));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ side: "upper", price: 103, condition: { basis: "close" } });
  });

  it("a repeating percent alert re-arms for the next step from the firing price after the cooldown", () => {
    const index = new AlertIndex();
    index.upsert(
      alert(1, { kind: "percent", direction: "up", percent: 10, basis: "last" }, { cooldownSeconds: 300 }),
    );
    expect(fired(index.onTick(tick(110.01, T0)))[0]).toMatchObject({
      triggerId: `${id(1)}:0`,
      referencePrice: 100,
    });
    expect(index.exportState(id(1))).toMatchObject({
      generation: 1,
      phase: "cooling",
      referencePrice: 110.01,
    });
    // The next step (110.01 * 1.1) is reached during the cooldown: nothing; once the cooldown is over it fires.
    expect(index.onTick(tick(121.5, T0 + 4 * MIN))).toEqual([]);
    const [next] = fired(index.onTick(tick(121.5, T0 + 5 * MIN)));
    expect(next).toMatchObject({
      triggerId: `${id(1)}:1`,
      referencePrice: 110.01,
      level: roundPrice(110.01 * 1.1),
    });
  });
});

describe("trailing alerts", () => {
  it("down by percent fires when price falls that far below the highest price since creation", () => {
    const index = new AlertIndex();
    index.upsert(alert(1, { kind: "trailing", direction: "down", offset: { unit: "percent", value: 10 } }));
    expect(run(index, [95, 91, 120, 109, 108])).toEqual([[], [], [], [], [`${id(1)}:0`]]);
  });

  it("the peak starts at the reference, so an immediate 10% fall fires", () => {
    const index = new AlertIndex();
    index.upsert(alert(1, { kind: "trailing", direction: "down", offset: { unit: "percent", value: 10 } }));
    expect(fired(index.onTick(tick(90, T0)))[0]).toMatchObject({ extreme: 100, level: 90, price: 90 });
  });

  it("down by amount and up by percent and amount mirror it", () => {
    const index = new AlertIndex();
    index.upsert(alert(1, { kind: "trailing", direction: "down", offset: { unit: "amount", value: 5 } }));
    index.upsert(alert(2, { kind: "trailing", direction: "up", offset: { unit: "percent", value: 10 } }));
    index.upsert(alert(3, { kind: "trailing", direction: "up", offset: { unit: "amount", value: 3 } }));
    expect(run(index, [99, 96, 94, 96.9, 97, 103.5])).toEqual([
      [],
      [],
      [`${id(1)}:0`],
      [],
      [`${id(3)}:0`],
      [`${id(2)}:0`],
    ]);
  });

  it("alerts created at different times keep their own peaks until the market lifts them together", () => {
    const index = new AlertIndex();
    const trail = { kind: "trailing", direction: "down", offset: { unit: "percent", value: 10 } } as const;
    index.upsert(alert(1, trail));
    index.onTick(tick(120, T0)); // alert 1 peak 120
    index.upsert(alert(2, trail, { referencePrice: 110 })); // set later, at 110
    index.onTick(tick(115, T0 + MIN)); // alert 2 peak 115, alert 1 still 120
    expect(index.exportState(id(1))?.extreme).toBe(120);
    expect(index.exportState(id(2))?.extreme).toBe(115);
    expect(fired(index.onTick(tick(107, T0 + 2 * MIN))).map((f) => f.alertId)).toEqual([id(1)]); // 108 = 120 * 0.9
    index.onTick(tick(130, T0 + 3 * MIN)); // both lifted to 130
    expect(index.exportState(id(2))?.extreme).toBe(130);
  });

  it("a conflated tick moves the peak to its high before checking its low", () => {
    const index = new AlertIndex();
    index.upsert(alert(1, { kind: "trailing", direction: "down", offset: { unit: "percent", value: 5 } }));
    const [hit] = fired(index.onTick(tick(106, T0, { high: 110, low: 104 })));
    expect(hit).toMatchObject({ extreme: 110, level: 110 * 0.95, price: 104 });
  });

  it("a repeating trailing alert trails again from the firing price, tracking the peak during its cooldown", () => {
    const index = new AlertIndex();
    index.upsert(
      alert(
        1,
        { kind: "trailing", direction: "down", offset: { unit: "percent", value: 10 } },
        { cooldownSeconds: 600 },
      ),
    );
    expect(run(index, [90, 100, 95], T0)).toEqual([[`${id(1)}:0`], [], []]);
    expect(index.exportState(id(1))).toMatchObject({ phase: "cooling", extreme: 100, referencePrice: 90 });
    expect(fired(index.onTick(tick(89.9, T0 + 10 * MIN)))[0]).toMatchObject({
      triggerId: `${id(1)}:1`,
      extreme: 100,
    });
  });
});

describe("earnings alerts", () => {
  it("are never indexed, so no price fires them; one redefined as earnings leaves the index", () => {
    const index = new AlertIndex();
    index.upsert(alert(1, { kind: "earnings" }));
    expect(index.has(id(1))).toBe(false);
    expect(index.size).toBe(0);
    index.upsert(alert(2, { kind: "price", direction: "above", target: 110 }));
    index.upsert(alert(2, { kind: "earnings" }));
    expect(index.has(id(2))).toBe(false);
    expect(run(index, [100, 0.5, 1e6])).toEqual([[], [], []]);
  });
});

describe("repeat with cooldown and hysteresis", () => {
  it("does not spam while price hovers at the level", () => {
    const index = new AlertIndex();
    index.upsert(
      alert(
        1,
        { kind: "price", direction: "above", target: 200 },
        { cooldownSeconds: 60, referencePrice: 190 },
      ),
    );
    const hovering = Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? 200.1 : 199.9));
    expect(run(index, hovering).flat()).toEqual([`${id(1)}:0`]);
  });

  it("re-arms only after the cooldown AND a move back through the band, and fires from the next tick", () => {
    const index = new AlertIndex();
    index.upsert(
      alert(
        1,
        { kind: "price", direction: "above", target: 200 },
        { cooldownSeconds: 600, referencePrice: 190 },
      ),
    );
    const band = 200 * (1 - HYSTERESIS_FRACTION);
    index.onTick(tick(201, T0));
    expect(index.onTick(tick(band - 1, T0 + 5 * MIN))).toEqual([]); // through the band, but cooling
    expect(index.onTick(tick(201, T0 + 9 * MIN))).toEqual([]);
    expect(index.exportState(id(1))?.phase).toBe("cooling");
    expect(index.onTick(tick(201, T0 + 10 * MIN - 1))).toEqual([]);
    expect(index.onTick(tick(201, T0 + 10 * MIN))).toEqual([]); // cooldown over: now waits for the band
    expect(index.exportState(id(1))?.phase).toBe("awaitingBand");
    expect(index.onTick(tick(band, T0 + 11 * MIN))).toEqual([]); // band reached: re-armed
    expect(index.exportState(id(1))).toMatchObject({ phase: "armed", generation: 1 });
    expect(fired(index.onTick(tick(200, T0 + 12 * MIN))).map((f) => f.triggerId)).toEqual([`${id(1)}:1`]);
  });

  it("a conflated tick that reaches the band does not also fire in the same tick", () => {
    const index = new AlertIndex();
    index.upsert(
      alert(
        1,
        { kind: "price", direction: "below", target: 100 },
        { cooldownSeconds: 60, referencePrice: 105 },
      ),
    );
    index.onTick(tick(99, T0));
    index.onTick(tick(99, T0 + MIN)); // cooldown over, waiting for 100.5
    expect(index.onTick(tick(100, T0 + 2 * MIN, { high: 101, low: 99 }))).toEqual([]);
    expect(fired(index.onTick(tick(99.5, T0 + 3 * MIN)))).toHaveLength(1);
  });
});

describe("expiry, pause, regular hours", () => {
  it("an expired alert is removed and reported before it could fire on the same tick", () => {
    const index = new AlertIndex();
    index.upsert(alert(1, { kind: "price", direction: "above", target: 110 }, { expiresAt: T0 + MIN }));
    index.upsert(alert(2, { kind: "price", direction: "above", target: 110 }));
    expect(index.onTick(tick(100, T0 + MIN - 1))).toEqual([]);
    const events = index.onTick(tick(111, T0 + MIN));
    expect(events.map((e) => [e.type, e.alertId])).toEqual([
      ["expired", id(1)],
      ["fired", id(2)],
    ]);
    expect(index.has(id(1))).toBe(false);
  });

  it("paused alerts never fire; resuming puts them back", () => {
    const index = new AlertIndex();
    const active = alert(1, { kind: "price", direction: "above", target: 110 });
    index.upsert(active);
    index.upsert({ ...active, status: "paused" });
    expect(index.onTick(tick(120, T0))).toEqual([]);
    index.upsert(active);
    expect(fired(index.onTick(tick(120, T0 + MIN)))).toHaveLength(1);
  });

  it("regular-hours-only alerts ignore ticks outside the session and on holidays, peaks included", () => {
    const index = new AlertIndex();
    const options = { regularHoursOnly: true };
    index.upsert(alert(1, { kind: "price", direction: "above", target: 110 }, options));
    index.upsert(
      alert(2, { kind: "trailing", direction: "down", offset: { unit: "percent", value: 10 } }, options),
    );
    const preMarket = Date.parse("2026-03-03T14:00:00Z"); // 09:00
    const holiday = Date.parse("2026-07-03T15:00:00Z");
    expect(index.onTick(tick(150, preMarket))).toEqual([]);
    expect(index.onTick(tick(150, holiday))).toEqual([]);
    expect(index.exportState(id(2))?.extreme).toBe(100);
    expect(fired(index.onTick(tick(110, Date.parse("2026-07-06T13:30:00Z")))).map((f) => f.alertId)).toEqual([
      id(1),
    ]);
  });
});

describe("an alert redefined with the same levels (/edit rth, no rth)", () => {
  it("follows the new regular-hours-only flag at once, keeping its state", () => {
    const index = new AlertIndex();
    const anyHour = alert(1, { kind: "price", direction: "above", target: 110 });
    index.upsert(anyHour);
    const preMarket = Date.parse("2026-03-03T14:00:00Z"); // 09:00 New York
    index.upsert({ ...anyHour, regularHoursOnly: true });
    expect(index.onTick(tick(150, preMarket))).toEqual([]);
    index.upsert({ ...anyHour, regularHoursOnly: false });
    expect(fired(index.onTick(tick(150, preMarket + MIN))).map((f) => f.alertId)).toEqual([id(1)]);
  });
});

describe("ordering, removal and state", () => {
  it("returns simultaneous firings sorted by alertId", () => {
    const index = new AlertIndex();
    for (const n of [7, 3, 12, 5])
      index.upsert(alert(n, { kind: "price", direction: "above", target: 100 + n }));
    index.upsert(alert(9, { kind: "trailing", direction: "up", offset: { unit: "amount", value: 1 } }));
    expect(fired(index.onTick(tick(120, T0))).map((f) => f.alertId)).toEqual([3, 5, 7, 9, 12].map(id));
  });

  it("a removed alert never fires", () => {
    const index = new AlertIndex();
    index.upsert(alert(1, { kind: "percent", direction: "move", percent: 1, basis: "last" }));
    index.upsert(alert(2, { kind: "trailing", direction: "down", offset: { unit: "percent", value: 1 } }));
    expect(index.remove(id(1))).toBe(true);
    expect(index.remove(id(2))).toBe(true);
    expect(index.remove(id(2))).toBe(false);
    expect(run(index, [80, 120])).toEqual([[], []]);
  });

  it("a restart from exported state neither re-fires a generation nor loses a peak", () => {
    const index = new AlertIndex();
    const above = alert(1, { kind: "price", direction: "above", target: 110 }, { cooldownSeconds: 3600 });
    const trail = alert(2, { kind: "trailing", direction: "down", offset: { unit: "percent", value: 10 } });
    index.upsert(above);
    index.upsert(trail);
    index.onTick(tick(115, T0));
    const restarted = new AlertIndex();
    restarted.upsert(above, index.exportState(id(1)));
    restarted.upsert(trail, index.exportState(id(2)));
    expect(restarted.exportState(id(1))).toEqual(index.exportState(id(1)));
    expect(restarted.exportState(id(2))).toEqual(index.exportState(id(2)));
    expect(restarted.onTick(tick(115, T0 + MIN))).toEqual([]);
    expect(fired(restarted.onTick(tick(103, T0 + 2 * MIN))).map((f) => f.alertId)).toEqual([id(2)]); // 103.5 = 115 * 0.9
  });

  it("keeps its runtime state when only the definition changes; takes a given state as is", () => {
    const index = new AlertIndex();
    const above = alert(1, { kind: "price", direction: "above", target: 110 }, { cooldownSeconds: 3600 });
    index.upsert(above);
    index.onTick(tick(111, T0)); // fired generation 0, now cooling at generation 1
    index.upsert({ ...above, note: "edited", version: 2 });
    expect(index.exportState(id(1))).toMatchObject({ generation: 1, phase: "cooling", lastFiredAt: T0 });
    const cooling = index.exportState(id(1))!;
    index.upsert(above, { ...cooling, generation: 7, phase: "armed" });
    expect(index.exportState(id(1))).toMatchObject({ generation: 7, phase: "armed" });
  });

  it("arms a cooling alert whose repeat was removed instead of refusing it", () => {
    const index = new AlertIndex();
    const above = alert(1, { kind: "price", direction: "above", target: 110 }, { cooldownSeconds: 3600 });
    index.upsert(above);
    index.onTick(tick(111, T0));
    index.upsert({ ...above, repeat: null, version: 2 });
    expect(index.exportState(id(1))).toMatchObject({ generation: 1, phase: "armed" });
  });

  it("a repeating alert that fired before and is new to the index starts in its cooldown", () => {
    const index = new AlertIndex();
    const record = {
      ...alert(
        1,
        { kind: "price", direction: "above", target: 110 },
        { cooldownSeconds: 600, generation: 1 },
      ),
      lastTriggeredAt: new Date(T0).toISOString(),
      lastTriggerPrice: 111,
      phase: "cooling" as const,
    };
    index.upsert(record);
    expect(index.onTick(tick(112, T0 + MIN))).toEqual([]);
    expect(index.exportState(id(1))).toMatchObject({ phase: "cooling", generation: 1, lastFiredAt: T0 });
  });

  it("refuses ids that are not UUIDs", () => {
    const index = new AlertIndex();
    expect(() =>
      index.upsert({ ...alert(1, { kind: "price", direction: "above", target: 1 }), id: "nope" }),
    ).toThrow(/UUID/);
  });
});
