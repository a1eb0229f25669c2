// The fault suite's reference: hand-worked cases for each kind on a small path, one-shot and repeating, and the
// plan's guarantees.
import { planAlert, ruleOf, runtimeStateOf, stepAlert } from "@tickerbell/rules";
import { describe, expect, it } from "vitest";
import {
  type ExpectedFiring,
  evaluate,
  firingStep,
  kindOf,
  levelOf,
  PLATEAU_SPREAD_MS,
  PLATEAU_TRADE_MS,
  type PlannedAlert,
  pathOf,
  planAlerts,
  REFERENCE_PRICE,
  REPEATING_KINDS,
  STEPS,
  SYMBOLS,
  tradeTimeOf,
} from "./scenario.ts";

const PATH = [100, 104, 110, 103, 95, 101];

describe("firingStep (the reference the fault suite expects of one-shot alerts)", () => {
  it.each([
    ["above 105", { kind: "price", direction: "above", target: 105 }, 2],
    ["above 111 never", { kind: "price", direction: "above", target: 111 }, null],
    ["below 96", { kind: "price", direction: "below", target: 96 }, 4],
    ["cross 102 from below", { kind: "price", direction: "cross", target: 102 }, 1],
    ["cross 97 from above", { kind: "price", direction: "cross", target: 97 }, 4],
    ["up 5%", { kind: "percent", direction: "up", percent: 5, basis: "last" }, 2],
    ["down 4%", { kind: "percent", direction: "down", percent: 4, basis: "last" }, 4],
    ["move 3.5%", { kind: "percent", direction: "move", percent: 3.5, basis: "last" }, 1],
    // Peak 110 at step 2: 5% below is 104.5, reached at 103.
    ["trail down 5%", { kind: "trailing", direction: "down", offset: { unit: "percent", value: 5 } }, 3],
    // Peak 110: $12 below is 98, reached at 95.
    ["trail down $12", { kind: "trailing", direction: "down", offset: { unit: "amount", value: 12 } }, 4],
    // The trough is still the reference 100 on the way up: 5.5% above is 105.5, passed by 110.
    ["trail up 5.5%", { kind: "trailing", direction: "up", offset: { unit: "percent", value: 5.5 } }, 2],
    // From the reference 100, $3.5 above is 103.5: reached at 104 before any trough.
    ["trail up $3.5", { kind: "trailing", direction: "up", offset: { unit: "amount", value: 3.5 } }, 1],
    [
      "trail up $20 never",
      { kind: "trailing", direction: "up", offset: { unit: "amount", value: 20 } },
      null,
    ],
  ] as const)("%s", (_, condition, step) => {
    expect(firingStep(condition, PATH)).toBe(step);
  });

  it("trails the trough: 3% above a trough of 90 is 92.7, reached on the way back up", () => {
    const path = [100, 96, 90, 93];
    expect(
      firingStep({ kind: "trailing", direction: "up", offset: { unit: "percent", value: 3 } }, path),
    ).toBe(3);
  });

  it("refuses to decide a threshold within five cents of a visited price, and decides one just beyond", () => {
    expect(firingStep({ kind: "price", direction: "above", target: 110.049 }, PATH)).toBeUndefined();
    expect(firingStep({ kind: "price", direction: "above", target: 110.051 }, PATH)).toBeNull();
    expect(firingStep({ kind: "price", direction: "below", target: 95.049 }, PATH)).toBeUndefined();
    expect(firingStep({ kind: "price", direction: "below", target: 94.949 }, PATH)).toBeNull();
  });
});

/** The plateaus and prices of an outcome's firings, `step@price`. */
const fired = (firings: ExpectedFiring[] | undefined) => firings?.map((f) => `${f.step}@${f.price}`);
/** A cooldown that re-arms after `plateaus` plateaus (60 s is one, 200 s two, 300 s three). */
const cooldown = (plateaus: 1 | 2 | 3) => ({ cooldownSeconds: [60, 200, 300][plateaus - 1]! });

describe("evaluate (the reference the fault suite expects of repeating alerts)", () => {
  it("above: fires again only once price went back below the band and the cooldown is over", () => {
    // above 105, band 104.475: 106 fires; 104.8 is inside the band (no re-arm) so 106.5 does not fire; 104 re-arms
    // and 107 fires generation 1.
    const path = [100, 106, 104.8, 106.5, 104, 107];
    const outcome = evaluate({ kind: "price", direction: "above", target: 105 }, cooldown(1), path);
    expect(fired(outcome?.firings)).toEqual(["1@106", "5@107"]);
    expect(outcome?.firings.map((f) => f.generation)).toEqual([0, 1]);
    expect(outcome?.final).toMatchObject({ generation: 2, phase: "cooling", lastFirePrice: 107 });
  });

  it("above: a cooldown of three plateaus re-arms after them, not before", () => {
    // Fired at 1; cooling through 2 and 3, the band wait starts at 4: 103 (step 2) does not re-arm it, 104 does.
    const path = [100, 106, 103, 106.2, 104, 107];
    expect(
      fired(evaluate({ kind: "price", direction: "above", target: 105 }, cooldown(3), path)?.firings),
    ).toEqual(["1@106", "5@107"]);
    expect(
      fired(evaluate({ kind: "price", direction: "above", target: 105 }, cooldown(1), path)?.firings),
    ).toEqual(["1@106", "3@106.2", "5@107"]);
  });

  it("below: waits for the band above its level", () => {
    const path = [100, 94, 95.3, 93.9, 95.6, 93];
    // below 95, band 95.475: 95.3 keeps it waiting, 95.6 re-arms it.
    const outcome = evaluate({ kind: "price", direction: "below", target: 95 }, cooldown(1), path);
    expect(fired(outcome?.firings)).toEqual(["1@94", "5@93"]);
    expect(outcome?.final.phase).toBe("cooling");
  });

  it("cross: having crossed up it next fires at or below X(1-0.5%), and the other way round", () => {
    // cross 104 from below: 104.3 fires up; 103.7 is above 103.48 (no fire); 103.4 fires down; then it watches
    // 104.52: 104.45 does not fire, 104.6 does.
    const path = [100, 104.3, 103.7, 103.4, 104.45, 104.6];
    const outcome = evaluate({ kind: "price", direction: "cross", target: 104 }, cooldown(1), path);
    expect(fired(outcome?.firings)).toEqual(["1@104.3", "3@103.4", "5@104.6"]);
    // Without the band, a price hovering at the level fires every time it passes it.
    const bandless = evaluate({ kind: "price", direction: "cross", target: 104 }, cooldown(1), path, {
      hysteresis: 0,
    });
    expect(fired(bandless?.firings)).toEqual(["1@104.3", "2@103.7", "4@104.45"]);
  });

  it("cross from above starts on the lower side", () => {
    // cross 96.2: 96 fires down, then it watches 96.681: 97 fires up, then 95.719: 95 fires down, 96.5 does not.
    const path = [100, 96, 97, 95, 96.5];
    expect(
      fired(evaluate({ kind: "price", direction: "cross", target: 96.2 }, cooldown(1), path)?.firings),
    ).toEqual(["1@96", "2@97", "3@95"]);
  });

  it("percent: a repeating alert re-bases on the price that fired it", () => {
    // up 5% from 100 is 105: 106 fires; next 5% above 106 is 111.3: 110 does not fire, 112 does.
    const path = [100, 106, 110, 112];
    expect(
      fired(
        evaluate({ kind: "percent", direction: "up", percent: 5, basis: "last" }, cooldown(1), path)?.firings,
      ),
    ).toEqual(["1@106", "3@112"]);
    // move 4%: 104.5 fires (upper), then 4% around 104.5 is 108.68 / 100.32: 100 fires (lower).
    expect(
      fired(
        evaluate(
          { kind: "percent", direction: "move", percent: 4, basis: "last" },
          cooldown(1),
          [100, 104.5, 103, 100],
        )?.firings,
      ),
    ).toEqual(["1@104.5", "3@100"]);
  });

  it("trailing: trails again from the fire price, and the peak moves while it cools down", () => {
    // trail down $3: peak 105 -> fires at 101.5 (level 102); trails from 101.5; cooling at 106 (peak 106, level
    // 103) for two plateaus; at 102.5 it is armed again and fires.
    const path = [100, 105, 101.5, 106, 102.5];
    const outcome = evaluate(
      { kind: "trailing", direction: "down", offset: { unit: "amount", value: 3 } },
      cooldown(2),
      path,
    );
    expect(fired(outcome?.firings)).toEqual(["2@101.5", "4@102.5"]);
    expect(outcome?.final).toMatchObject({ generation: 2, extreme: 102.5 });
    // trail up 4%: trough 100, level 104: 105 fires; it trails from 105, the trough falls to 98 (level 101.92):
    // 102.5 fires.
    expect(
      fired(
        evaluate(
          { kind: "trailing", direction: "up", offset: { unit: "percent", value: 4 } },
          cooldown(1),
          [100, 105, 98, 102.5],
        )?.firings,
      ),
    ).toEqual(["1@105", "3@102.5"]);
  });

  it("refuses a cooldown that could end inside a plateau's trade times", () => {
    const inside = (PLATEAU_TRADE_MS + PLATEAU_SPREAD_MS / 2) / 1000;
    expect(
      evaluate(
        { kind: "price", direction: "cross", target: 102 },
        { cooldownSeconds: inside },
        [100, 103, 101],
      ),
    ).toBeUndefined();
  });
});

/**
 * The firings of a planned alert by the product's rule book (@tickerbell/rules, which the oracle deliberately does
 * not import): the alert planned at the reference price as the alert service plans it, then every plateau's
 * price stepped through it as one trade, the `push`-th of its plateau. Two implementations written apart must
 * agree on every firing and on where the alert ends.
 */
function byTheRuleBook(alert: PlannedAlert, push: number) {
  const planned = planAlert(alert.condition, { last: REFERENCE_PRICE });
  if (!planned.ok)
    throw new Error(`the rule book refuses ${JSON.stringify(alert.condition)}: ${planned.message}`);
  const { referencePrice, thresholds, extreme } = planned.baseline;
  const rule = ruleOf({
    condition: alert.condition,
    repeat: alert.repeat,
    expiresAt: null,
    regularHoursOnly: false,
  });
  let state = runtimeStateOf({
    condition: alert.condition,
    repeat: alert.repeat,
    generation: 0,
    phase: "armed",
    referencePrice,
    thresholds,
    extreme,
    lastTriggeredAt: null,
    lastTriggerPrice: null,
  });
  const firings: ExpectedFiring[] = [];
  for (const [step, price] of pathOf(alert.symbolIndex).entries()) {
    const result = stepAlert(rule, state, { price, ts: tradeTimeOf(0, step, push) }, true);
    if (result.kind === "expired") throw new Error("no planned alert expires");
    if (result.kind === "fired")
      firings.push({ generation: result.before.generation, step, price: result.hit.price });
    if (result.kind === "fired" && result.next === null) return { firings, final: null };
    state = result.next!;
  }
  return {
    firings,
    final: {
      generation: state.generation,
      phase: state.phase,
      lastFirePrice: state.lastFirePrice,
      extreme: alert.condition.kind === "trailing" ? state.extreme : null,
    },
  };
}

describe("planAlerts", () => {
  const plan = planAlerts(520, 312, 42);

  it("is reproducible from its seed, covers every symbol, and never plans an alert met at the reference", () => {
    expect(planAlerts(520, 312, 42)).toEqual(plan);
    expect(new Set(plan.map((a) => a.symbol))).toEqual(new Set(SYMBOLS));
    for (const a of plan) {
      expect(a.expected.every((f) => f.step > 0 && f.step < STEPS)).toBe(true);
      expect(planAlert(a.condition, { last: REFERENCE_PRICE }).ok).toBe(true);
    }
  });

  it("never plans the same condition twice on a symbol, which the alert service refuses as a duplicate", () => {
    // Seed 880523 drew one user a one-shot and a repeating percent move of 8.86% on FLTF: the suite's second
    // create got a 409.
    for (const seed of [42, 880523]) {
      const keys = planAlerts(520, 312, seed).map((a) => `${a.symbol} ${JSON.stringify(a.condition)}`);
      expect(
        keys.filter((key, i) => keys.indexOf(key) !== i),
        `seed ${seed}`,
      ).toEqual([]);
    }
  });

  it("predicts what the product's rule book fires, whichever trade of a plateau a firing or a cooldown meets", () => {
    const disagreements = plan.flatMap((a) =>
      [0, PLATEAU_SPREAD_MS - 1].flatMap((push) => {
        const book = byTheRuleBook(a, push);
        const want = {
          firings: a.expected,
          final:
            a.repeat === null
              ? null
              : {
                  generation: a.final.generation,
                  phase: a.final.phase,
                  lastFirePrice: a.final.lastFirePrice,
                  extreme: a.condition.kind === "trailing" ? a.final.extreme : null,
                },
        };
        // A one-shot alert that never fires stays armed at generation 0 in both.
        const got = a.repeat === null && book.final !== null ? { ...book, final: null } : book;
        return JSON.stringify(got) === JSON.stringify(want)
          ? []
          : [
              `${a.symbol} ${JSON.stringify(a.condition)} ${JSON.stringify(a.repeat)} push ${push}: oracle ${JSON.stringify(want)}, rule book ${JSON.stringify(got)}`,
            ];
      }),
    );
    expect(disagreements).toEqual([]);
  });

  it("has repeating alerts of every kind on every symbol, and each kind fires more than once somewhere", () => {
    const repeating = plan.filter((a) => a.repeat !== null);
    expect(new Set(repeating.map((a) => kindOf(a.condition))).size).toBe(REPEATING_KINDS);
    for (const symbol of SYMBOLS) expect(repeating.some((a) => a.symbol === symbol)).toBe(true);
    const kinds = new Set(repeating.filter((a) => a.expected.length >= 2).map((a) => kindOf(a.condition)));
    expect(kinds.size).toBe(REPEATING_KINDS);
    // Cooldowns of one, two and three plateaus.
    const plateaus = new Set(
      repeating.map((a) => Math.ceil((a.repeat!.cooldownSeconds * 1000) / PLATEAU_TRADE_MS)),
    );
    expect(plateaus).toEqual(new Set([1, 2, 3]));
  });

  it("has alerts that the hysteresis band holds back: without it they would fire otherwise", () => {
    const held = plan.filter(
      (a) =>
        a.repeat !== null &&
        a.condition.kind === "price" &&
        JSON.stringify(evaluate(a.condition, a.repeat, pathOf(a.symbolIndex), { hysteresis: 0 })?.firings) !==
          JSON.stringify(a.expected),
    );
    expect(held.length).toBeGreaterThan(20);
    expect(new Set(held.map((a) => kindOf(a.condition)))).toEqual(
      new Set(["price above", "price below", "cross from below", "cross from above"]),
    );
  });

  it("consecutive plateaus differ and a symbol never visits a price twice, so a DM's price names its plateau", () => {
    for (let i = 0; i < SYMBOLS.length; i++) {
      const path = pathOf(i);
      expect(new Set(path).size).toBe(STEPS);
      for (let step = 1; step < STEPS; step++) expect(levelOf(i, step)).not.toBe(levelOf(i, step - 1));
    }
  });

  it("stamps each plateau's trades inside its own window of trade time", () => {
    expect(tradeTimeOf(1_000, 3, 0)).toBe(1_000 + 3 * PLATEAU_TRADE_MS);
    expect(tradeTimeOf(1_000, 3, 5)).toBe(1_000 + 3 * PLATEAU_TRADE_MS + 5);
    expect(() => tradeTimeOf(1_000, 3, PLATEAU_SPREAD_MS)).toThrow();
  });
});
