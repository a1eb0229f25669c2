// The scripted run of the fault suite: ten symbols whose prices walk through plateaus, the alerts set on them,
// and every firing each alert must produce (its generation, the plateau that fires it, the price it fires at).
//
// The reference evaluator below is the suite's oracle. It is written from the alert semantics (DESIGN.md §3 and
// the documented order of a tick: trailing extreme first, then the end of a cooldown, then the band wait, then
// the levels, upper before lower), deliberately without importing the matcher or @tickerbell/rules: an oracle
// that shares the code under test cannot catch its mistakes.
//
// Trade time, not wall time: every trade of plateau k is stamped T0 + k * PLATEAU_TRADE_MS + n, with
// n < PLATEAU_SPREAD_MS, however long the plateau lasts on the wall clock, and the matcher runs cooldowns on trade
// time. Cooldowns are drawn so that they end strictly between two plateaus' stamps, so which plateau re-arms an
// alert never depends on how fast the services run, how often a plateau is pushed, or whether a replay happened.
//
// Margins: no level an alert compares with lies within MARGIN of the price it is compared with (a plateau is a
// single price), so float rounding never decides an outcome; an alert whose outcome would hinge on that is
// redrawn. Every plateau price of a symbol is distinct, so a DM's price names the plateau that fired it.
import type { AlertCondition } from "@tickerbell/contracts";

export const REFERENCE_PRICE = 100;
export const SYMBOLS = ["FLTA", "FLTB", "FLTC", "FLTD", "FLTE", "FLTF", "FLTG", "FLTH", "FLTI", "FLTJ"];

/** Trade time from one plateau's stamp to the next. */
export const PLATEAU_TRADE_MS = 120_000;
/** The trades of one plateau are stamped within this much of its start (1 ms more per push). */
export const PLATEAU_SPREAD_MS = 30_000;
/** How far back across its level price must move before a repeating alert can fire again (0.5%). */
export const HYSTERESIS = 0.005;
/** No level lies closer than this to a price it is compared with. */
const MARGIN = 0.05;

/**
 * The plateau shape. Two swings up and down with two hovers: around 104 (just after the matcher is killed), and
 * around 95.4 (just after a matcher left and joined again) - a price going back and forth inside a repeating
 * alert's hysteresis band must not fire it again.
 */
const SHAPE = [
  100, // 0 the reference
  102.1,
  104.3, // 2: hover A around 104 (plateaus 2-5)
  103.7,
  104.45,
  103.85,
  106.2,
  109.1,
  112.4, // 8: peak
  108.6,
  104.9,
  100.8,
  96.4,
  92.2,
  88.5, // 14: trough
  91.7,
  95.1, // 16: hover B around 95.4 (plateaus 16-20)
  95.7,
  94.95,
  95.8,
  95.2,
  99.2,
  103.2,
  107.4,
  110.9, // 24: second peak
  106.7,
  102.6,
  98.3,
  93.8,
  90.1, // 29: second trough
  94.6,
  99.7,
];
export const STEPS = SHAPE.length;
/** The hovers' centres in shape units: A is reached from below, B from above. */
const HOVER_A = 104.07;
const HOVER_B = 95.35;

function scaled(symbolIndex: number, shapeValue: number): number {
  const swing = 1 + 0.1 * symbolIndex;
  return Math.round((REFERENCE_PRICE + (shapeValue - REFERENCE_PRICE) * swing) * 100) / 100;
}

/** Symbol i swings (1 + 0.1 i) times as far as the shape, so the symbols cross different levels. */
export function levelOf(symbolIndex: number, step: number): number {
  return scaled(symbolIndex, SHAPE[step]!);
}

export function pathOf(symbolIndex: number): number[] {
  return Array.from({ length: STEPS }, (_, step) => levelOf(symbolIndex, step));
}

/** The trade time of the `push`-th trade of plateau `step`, for a walk that starts at `t0` (ms). */
export function tradeTimeOf(t0: number, step: number, push: number): number {
  if (push >= PLATEAU_SPREAD_MS) throw new Error(`plateau ${step} was pushed more than ${push} times`);
  return t0 + step * PLATEAU_TRADE_MS + push;
}

/** A small seeded generator (mulberry32), so a failing run can be replayed with its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- the reference evaluator --------------------------------------------------------------------------------

export interface Repeat {
  cooldownSeconds: number;
}

export type Phase = "armed" | "cooling" | "awaitingBand";

/** One firing the system must produce: triggerId `<alertId>:<generation>`. */
export interface ExpectedFiring {
  generation: number;
  /** The plateau whose trades fire it. */
  step: number;
  /** The price of the trade that crossed the level: the plateau's price. */
  price: number;
}

export interface Outcome {
  firings: ExpectedFiring[];
  /**
   * Where the alert stands once the last plateau was played: generation of its NEXT firing, phase, the price of
   * its last firing, and (trailing) the peak or trough it trails. A one-shot alert that fired is done.
   */
  final: {
    done: boolean;
    generation: number;
    phase: Phase;
    lastFirePrice: number | null;
    extreme: number | null;
  };
}

export interface EvaluateOptions {
  /** The band; 0 gives the rules without hysteresis (for showing which alerts the band holds back). */
  hysteresis?: number;
}

/**
 * Whether a cooldown that started at a trade of plateau `firedStep` is over at every trade of plateau `step`
 * (true), at none (false), or at some but not others (undefined: undecidable).
 */
function cooldownOver(firedStep: number, step: number, cooldownMs: number): boolean | undefined {
  const firstTrade = step * PLATEAU_TRADE_MS;
  const lastTrade = firstTrade + PLATEAU_SPREAD_MS - 1;
  const earliestEnd = firedStep * PLATEAU_TRADE_MS + cooldownMs;
  const latestEnd = earliestEnd + PLATEAU_SPREAD_MS - 1;
  if (firstTrade >= latestEnd) return true;
  if (lastTrade < earliestEnd) return false;
  return undefined;
}

function percentLevels(
  reference: number,
  condition: Extract<AlertCondition, { kind: "percent" }>,
): { upper: number | null; lower: number | null } {
  return {
    upper: condition.direction === "down" ? null : reference * (1 + condition.percent / 100),
    lower: condition.direction === "up" ? null : reference * (1 - condition.percent / 100),
  };
}

function trailingLevelOf(condition: Extract<AlertCondition, { kind: "trailing" }>, extreme: number): number {
  const { direction, offset } = condition;
  const distance = offset.unit === "percent" ? (extreme * offset.value) / 100 : offset.value;
  return direction === "down" ? extreme - distance : extreme + distance;
}

/**
 * Every firing of an alert set at the reference price on this path (one price per plateau), and where it ends;
 * undefined when a level lies within the margin of a price it is compared with, or a cooldown would end inside a
 * plateau's trade times - outcomes that float rounding or timing could decide.
 */
export function evaluate(
  condition: AlertCondition,
  repeat: Repeat | null,
  path: readonly number[],
  options: EvaluateOptions = {},
): Outcome | undefined {
  const band = options.hysteresis ?? HYSTERESIS;
  const cooldownMs = repeat === null ? null : repeat.cooldownSeconds * 1000;
  const tooClose = (price: number, level: number) => Math.abs(price - level) < MARGIN;
  let upper: number | null = null;
  let lower: number | null = null;
  let extreme: number | null = null;
  if (condition.kind === "price") {
    const x = condition.target;
    if (condition.direction === "above" || (condition.direction === "cross" && REFERENCE_PRICE < x))
      upper = x;
    else lower = x;
  } else if (condition.kind === "percent") {
    ({ upper, lower } = percentLevels(REFERENCE_PRICE, condition));
  } else {
    extreme = REFERENCE_PRICE;
  }
  let phase: Phase = "armed";
  let generation = 0;
  let firedStep = 0;
  let lastFirePrice: number | null = null;
  const firings: ExpectedFiring[] = [];

  for (const [step, price] of path.entries()) {
    // 1. A trailing alert's peak (trough) follows every trade, whatever its phase.
    if (condition.kind === "trailing")
      extreme = condition.direction === "down" ? Math.max(extreme!, price) : Math.min(extreme!, price);
    // 2. A cooldown that is over arms the alert; `above`/`below` first wait for price to come back across the band.
    if (phase === "cooling") {
      const over = cooldownOver(firedStep, step, cooldownMs!);
      if (over === undefined) return undefined;
      if (over)
        phase = condition.kind === "price" && condition.direction !== "cross" ? "awaitingBand" : "armed";
    }
    // 3. Back across the band: armed again, for the next trade on (which, at this price, cannot fire it).
    if (phase === "awaitingBand" && condition.kind === "price") {
      const above = condition.direction === "above";
      const level = above ? condition.target * (1 - band) : condition.target * (1 + band);
      if (tooClose(price, level)) return undefined;
      if (above ? price <= level : price >= level) phase = "armed";
      continue;
    }
    if (phase !== "armed") continue;
    // 4. An armed alert fires on its upper level first, then its lower one.
    let side: "upper" | "lower" | null = null;
    if (condition.kind === "trailing") {
      const level = trailingLevelOf(condition, extreme!);
      if (tooClose(price, level)) return undefined;
      if (condition.direction === "down" && price <= level) side = "lower";
      if (condition.direction === "up" && price >= level) side = "upper";
    } else {
      if (upper !== null) {
        if (tooClose(price, upper)) return undefined;
        if (price >= upper) side = "upper";
      }
      if (side === null && lower !== null) {
        if (tooClose(price, lower)) return undefined;
        if (price <= lower) side = "lower";
      }
    }
    if (side === null) continue;
    firings.push({ generation, step, price });
    if (cooldownMs === null) {
      return { firings, final: { done: true, generation, phase, lastFirePrice: price, extreme } };
    }
    // 5. A repeating alert moves to its next generation, cools down, and watches for the next move.
    generation++;
    phase = "cooling";
    firedStep = step;
    lastFirePrice = price;
    if (condition.kind === "price" && condition.direction === "cross") {
      // Crossed up through X: next fires at or below X(1-band); crossed down: at or above X(1+band).
      upper = side === "upper" ? null : condition.target * (1 + band);
      lower = side === "upper" ? condition.target * (1 - band) : null;
    } else if (condition.kind === "percent") {
      ({ upper, lower } = percentLevels(price, condition));
    } else if (condition.kind === "trailing") {
      extreme = price;
    }
  }
  return { firings, final: { done: false, generation, phase, lastFirePrice, extreme } };
}

/** The plateau at which a one-shot alert fires (null: never), undefined when undecidable. */
export function firingStep(condition: AlertCondition, path: readonly number[]): number | null | undefined {
  const outcome = evaluate(condition, null, path);
  return outcome === undefined ? undefined : (outcome.firings[0]?.step ?? null);
}

// ---- the plan -----------------------------------------------------------------------------------------------

export interface PlannedAlert {
  symbol: string;
  symbolIndex: number;
  condition: AlertCondition;
  repeat: Repeat | null;
  /** Every firing it must produce, in order; empty: it must never fire. */
  expected: ExpectedFiring[];
  final: Outcome["final"];
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** One one-shot condition of the given kind (0..9 cycles through every kind and direction). */
function drawOneShot(kind: number, random: () => number): AlertCondition {
  const between = (lo: number, hi: number) => round2(lo + (hi - lo) * random());
  switch (kind) {
    case 0:
      return { kind: "price", direction: "above", target: between(100.5, 122) };
    case 1:
      return { kind: "price", direction: "below", target: between(80, 99.5) };
    case 2:
      return random() < 0.5
        ? { kind: "price", direction: "cross", target: between(100.5, 120) }
        : { kind: "price", direction: "cross", target: between(82, 99.5) };
    case 3:
      return { kind: "percent", direction: "up", percent: between(1, 22), basis: "last" };
    case 4:
      return { kind: "percent", direction: "down", percent: between(1, 20), basis: "last" };
    case 5:
      return { kind: "percent", direction: "move", percent: between(1, 20), basis: "last" };
    case 6:
      return { kind: "trailing", direction: "down", offset: { unit: "percent", value: between(1, 25) } };
    case 7:
      return { kind: "trailing", direction: "down", offset: { unit: "amount", value: between(1, 30) } };
    case 8:
      return { kind: "trailing", direction: "up", offset: { unit: "percent", value: between(1, 12) } };
    default:
      return { kind: "trailing", direction: "up", offset: { unit: "amount", value: between(1, 12) } };
  }
}

/** Repeating kinds: above, below, cross from below, cross from above, up, down, move, four trailing. */
export const REPEATING_KINDS = 11;

/**
 * One repeating condition of the given kind (0..10). Half the price alerts sit by a hover of their symbol, where
 * only the hysteresis band keeps them from firing again and again.
 */
function drawRepeating(kind: number, symbolIndex: number, random: () => number): AlertCondition {
  const between = (lo: number, hi: number) => round2(lo + (hi - lo) * random());
  const path = pathOf(symbolIndex);
  const hi = Math.max(...path);
  const lo = Math.min(...path);
  const nearHover = (centre: number) => {
    const c = scaled(symbolIndex, centre);
    return between(c - 0.35, c + 0.35);
  };
  const hover = random() < 0.5;
  switch (kind) {
    case 0:
      return {
        kind: "price",
        direction: "above",
        target: hover ? nearHover(HOVER_A) : between(100.5, hi - 0.3),
      };
    case 1:
      return {
        kind: "price",
        direction: "below",
        target: hover ? nearHover(HOVER_B) : between(lo + 0.3, 99.5),
      };
    case 2:
      return {
        kind: "price",
        direction: "cross",
        target: hover ? nearHover(HOVER_A) : between(100.5, hi - 0.3),
      };
    case 3:
      return {
        kind: "price",
        direction: "cross",
        target: hover ? nearHover(HOVER_B) : between(lo + 0.3, 99.5),
      };
    case 4:
      return { kind: "percent", direction: "up", percent: between(2.5, 10), basis: "last" };
    case 5:
      return { kind: "percent", direction: "down", percent: between(2.5, 10), basis: "last" };
    case 6:
      return { kind: "percent", direction: "move", percent: between(5, 14), basis: "last" };
    case 7:
      return { kind: "trailing", direction: "down", offset: { unit: "percent", value: between(4, 10) } };
    case 8:
      return { kind: "trailing", direction: "down", offset: { unit: "amount", value: between(4, 10) } };
    case 9:
      return { kind: "trailing", direction: "up", offset: { unit: "percent", value: between(4, 10) } };
    default:
      return { kind: "trailing", direction: "up", offset: { unit: "amount", value: between(4, 10) } };
  }
}

/**
 * A cooldown that re-arms the alert 1, 2 or 3 plateaus after a firing: strictly between two plateaus' trade
 * times, whatever the trades' offsets inside their plateaus (at least MIN_COOLDOWN_SECONDS, 60).
 */
function drawCooldown(random: () => number): Repeat {
  const plateaus = 1 + Math.floor(random() * 3);
  const lo = Math.max(60, ((plateaus - 1) * PLATEAU_TRADE_MS + PLATEAU_SPREAD_MS) / 1000 + 1);
  const hi = (plateaus * PLATEAU_TRADE_MS - PLATEAU_SPREAD_MS) / 1000;
  return { cooldownSeconds: Math.floor(lo + (hi - lo + 1) * random()) };
}

/**
 * `oneShots` one-shot alerts (as before: every kind, each fires at one known plateau or never) and `repeating`
 * repeating alerts of every kind with cooldowns of 1-3 plateaus, spread over every symbol, each with a decidable
 * outcome on its symbol's path and nothing met at the reference (the API would refuse it).
 */
export function planAlerts(oneShots: number, repeating: number, seed: number): PlannedAlert[] {
  const random = seededRandom(seed);
  const planned: PlannedAlert[] = [];
  // A condition is drawn again where the plan already has it on the symbol: the suite gives one user one-shot and
  // repeating alerts, and the alert service refuses a user a second alert with the same condition and levels.
  const taken = new Set<string>();
  const plan = (symbolIndex: number, draw: () => { condition: AlertCondition; repeat: Repeat | null }) => {
    const path = pathOf(symbolIndex);
    for (;;) {
      const { condition, repeat } = draw();
      const key = `${symbolIndex} ${JSON.stringify(condition)}`;
      if (taken.has(key)) continue;
      const outcome = evaluate(condition, repeat, path);
      if (outcome === undefined || outcome.firings[0]?.step === 0) continue;
      taken.add(key);
      planned.push({
        symbol: SYMBOLS[symbolIndex]!,
        symbolIndex,
        condition,
        repeat,
        expected: outcome.firings,
        final: outcome.final,
      });
      return;
    }
  };
  for (let i = 0; i < oneShots; i++) {
    const kind = Math.floor(i / SYMBOLS.length) % 10;
    plan(i % SYMBOLS.length, () => ({ condition: drawOneShot(kind, random), repeat: null }));
  }
  for (let j = 0; j < repeating; j++) {
    // 10 symbols and 11 kinds: every kind on every symbol once per 110 alerts.
    const symbolIndex = j % SYMBOLS.length;
    const kind = j % REPEATING_KINDS;
    plan(symbolIndex, () => ({
      condition: drawRepeating(kind, symbolIndex, random),
      repeat: drawCooldown(random),
    }));
  }
  return planned;
}

/** `price above`, `cross from below`, `trailing down percent`: the kind an alert counts as for coverage. */
export function kindOf(condition: AlertCondition): string {
  switch (condition.kind) {
    case "price":
      return condition.direction === "cross"
        ? `cross from ${REFERENCE_PRICE < condition.target ? "below" : "above"}`
        : `price ${condition.direction}`;
    case "percent":
      return `percent ${condition.direction}`;
    case "trailing":
      return `trailing ${condition.direction} ${condition.offset.unit}`;
    case "earnings":
      return "earnings";
    case "window":
      return `window ${condition.direction}`;
    case "extreme":
      return `new ${condition.span} ${condition.side}`;
    case "volume":
      return "volume";
    case "average":
      return `${condition.average} ${condition.direction}`;
    case "rsi":
      return `rsi ${condition.direction}`;
  }
}
