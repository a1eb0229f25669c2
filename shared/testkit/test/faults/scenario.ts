// The scripted run of the fault suite: symbols, their price plateaus, the alerts, and which alerts must fire.
// Every alert is one-shot, set at a reference price of 100, so each fires at most once (triggerId
// `<alertId>:0`). The expected set comes from a plain reference evaluation of the plateaus, written from the
// alert semantics in DESIGN.md §3 independently of the matcher's index. Levels are chosen so that no threshold
// lies within a cent of a price the path visits: float rounding cannot decide whether an alert fires.
import type { AlertCondition } from "@tickerbell/contracts";

export const REFERENCE_PRICE = 100;
export const SYMBOLS = ["FLTA", "FLTB", "FLTC", "FLTD", "FLTE", "FLTF", "FLTG", "FLTH", "FLTI", "FLTJ"];

/** The plateau shape: up to a peak, down through the reference to a trough, part way back. */
const SHAPE = [100, 103, 106, 109, 112, 109, 105, 101, 97, 93, 89, 92, 96, 99];
export const STEPS = SHAPE.length;

/** Symbol i swings (1 + 0.1 i) times as far as the shape, so the symbols cross different levels. */
export function levelOf(symbolIndex: number, step: number): number {
  const swing = 1 + 0.1 * symbolIndex;
  return Math.round((REFERENCE_PRICE + (SHAPE[step]! - REFERENCE_PRICE) * swing) * 100) / 100;
}

export function pathOf(symbolIndex: number): number[] {
  return Array.from({ length: STEPS }, (_, step) => levelOf(symbolIndex, step));
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

const MARGIN = 0.05;

/**
 * The step at which the alert fires on this path (step 0 is the reference plateau), or null if it never does;
 * undefined when a threshold sits too close to a visited price to be decided reliably.
 */
export function firingStep(condition: AlertCondition, path: readonly number[]): number | null | undefined {
  const tooClose = (price: number, level: number) => Math.abs(price - level) < MARGIN;
  let extreme = REFERENCE_PRICE;
  for (const [step, price] of path.entries()) {
    switch (condition.kind) {
      case "price": {
        const { direction, target } = condition;
        if (tooClose(price, target)) return undefined;
        const up = direction === "above" || (direction === "cross" && target > REFERENCE_PRICE);
        if (up ? price >= target : price <= target) return step;
        break;
      }
      case "percent": {
        const { direction, percent } = condition;
        const upper = REFERENCE_PRICE * (1 + percent / 100);
        const lower = REFERENCE_PRICE * (1 - percent / 100);
        const watchUp = direction !== "down";
        const watchDown = direction !== "up";
        if ((watchUp && tooClose(price, upper)) || (watchDown && tooClose(price, lower))) return undefined;
        if ((watchUp && price >= upper) || (watchDown && price <= lower)) return step;
        break;
      }
      case "trailing": {
        const { direction, offset } = condition;
        extreme = direction === "down" ? Math.max(extreme, price) : Math.min(extreme, price);
        const distance = offset.unit === "percent" ? (extreme * offset.value) / 100 : offset.value;
        const level = direction === "down" ? extreme - distance : extreme + distance;
        if (tooClose(price, level)) return undefined;
        if (direction === "down" ? price <= level : price >= level) return step;
        break;
      }
    }
  }
  return null;
}

export interface PlannedAlert {
  symbol: string;
  symbolIndex: number;
  condition: AlertCondition;
  /** The step whose plateau fires it, or null: it must never fire. */
  firesAt: number | null;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** One condition of the given kind (0..9 cycles through every kind and direction), thresholds drawn at random. */
function drawCondition(kind: number, random: () => number): AlertCondition {
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

/** `count` alerts spread over every symbol and kind, each with a decidable outcome on its symbol's path. */
export function planAlerts(count: number, seed: number): PlannedAlert[] {
  const random = seededRandom(seed);
  const planned: PlannedAlert[] = [];
  for (let i = 0; i < count; i++) {
    const symbolIndex = i % SYMBOLS.length;
    const path = pathOf(symbolIndex);
    for (;;) {
      const condition = drawCondition(Math.floor(i / SYMBOLS.length) % 10, random);
      const firesAt = firingStep(condition, path);
      // Step 0 is the reference itself: an alert already met there would be refused at creation.
      if (firesAt === undefined || firesAt === 0) continue;
      planned.push({ symbol: SYMBOLS[symbolIndex]!, symbolIndex, condition, firesAt });
      break;
    }
  }
  return planned;
}
