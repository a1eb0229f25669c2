// The fair baseline for the index: the design a careful engineer writes first. Per symbol, every alert's wake-up
// points sit in three sorted arrays: a level above the market (wake when the tick's high reaches it), a level
// below (wake when its low reaches it) and a time (expiry, end of a cooldown). A tick finds the alerts it
// reaches by binary search, O(log n + k), steps only those through the rule book's state machine (stepAlert, as
// the reference evaluator does) and files their new wake-up points again, rebuilding each touched array in one
// merge pass, O(n) per tick that changes something.
//
// Only the benchmark uses it; it produces exactly the index's events (the benchmark checks the digests agree).

import type { Alert, AlertRuntimeState } from "@tickerbell/contracts";
import {
  type AlertRule,
  bandLevelOf,
  consistentState,
  cooldownEndsAt,
  isRegularHours,
  ruleOf,
  runtimeStateOf,
  stepAlert,
  trailingLevel,
  windowOf,
} from "@tickerbell/rules";
import type { Expiration, Firing, MatchEvent, TickInput } from "../src/types.ts";
import { expirationOf, firingOf, inEventOrder } from "../test/reference-matcher.ts";

/** Keys ascending, each with the alert (slot) it wakes. */
class SortedWakes {
  keys: number[] = [];
  slots: number[] = [];

  /** How many keys are <= limit (they form a prefix). */
  countAtMost(limit: number): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.keys[mid]! <= limit) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first key >= limit (from there on, a suffix). */
  firstAtLeast(limit: number): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.keys[mid]! < limit) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Drops the entries of slots marked in `leaving` and merges in `arriving` (pairs of key, slot). */
  refile(leaving: (slot: number) => boolean, arriving: number[][]): void {
    arriving.sort((a, b) => a[0]! - b[0]!);
    const keys: number[] = [];
    const slots: number[] = [];
    let j = 0;
    for (let i = 0; i < this.keys.length; i++) {
      const key = this.keys[i]!;
      const slot = this.slots[i]!;
      if (leaving(slot)) continue;
      while (j < arriving.length && arriving[j]![0]! < key) {
        keys.push(arriving[j]![0]!);
        slots.push(arriving[j]![1]!);
        j++;
      }
      keys.push(key);
      slots.push(slot);
    }
    for (; j < arriving.length; j++) {
      keys.push(arriving[j]![0]!);
      slots.push(arriving[j]![1]!);
    }
    this.keys = keys;
    this.slots = slots;
  }

  insert(key: number, slot: number): void {
    const at = this.countAtMost(key);
    this.keys.splice(at, 0, key);
    this.slots.splice(at, 0, slot);
  }

  /** Removes the entry (key, slot), found by binary search and then among equal keys. */
  remove(key: number, slot: number): void {
    let at = this.firstAtLeast(key);
    while (this.slots[at] !== slot) at++;
    this.keys.splice(at, 1);
    this.slots.splice(at, 1);
  }
}

interface Tracked {
  alert: Alert;
  rule: AlertRule;
  state: AlertRuntimeState;
  /** Where it is filed now (NaN: not in that array). */
  up: number;
  down: number;
  at: number;
}

const SIDES = ["up", "down", "at"] as const;
const SPLICE_AT_MOST = 64;
const NOWHERE = { up: Number.NaN, down: Number.NaN, at: Number.NaN };

interface SymbolWakes {
  up: SortedWakes;
  down: SortedWakes;
  at: SortedWakes;
}

/** Where an alert must be looked at again: a level above the market, one below, a time. NaN: never. */
function wakesOf(rule: AlertRule, state: AlertRuntimeState): { up: number; down: number; at: number } {
  let up = Number.NaN;
  let down = Number.NaN;
  const cooldownEnd = cooldownEndsAt(rule, state);
  const at = Math.min(rule.expiresAtMs ?? Number.POSITIVE_INFINITY, cooldownEnd ?? Number.POSITIVE_INFINITY);
  const condition = rule.condition;
  if (condition.kind === "trailing") {
    if (state.extreme === null) {
      up = Number.NEGATIVE_INFINITY; // no peak yet: every tick sets it
    } else {
      // The peak (trough) moves whenever the market passes it; an armed alert fires at its trailing level.
      const level =
        state.phase === "armed"
          ? trailingLevel(condition.direction, condition.offset.unit, condition.offset.value, state.extreme)
          : Number.NaN;
      up = condition.direction === "down" ? state.extreme : level;
      down = condition.direction === "down" ? level : state.extreme;
    }
  } else if (state.phase === "armed") {
    up = state.upper ?? Number.NaN;
    down = state.lower ?? Number.NaN;
  } else if (state.phase === "awaitingBand") {
    const band = bandLevelOf(condition);
    if (condition.kind === "price" && condition.direction === "above") down = band ?? Number.NaN;
    else up = band ?? Number.NaN;
  }
  return { up, down, at: Number.isFinite(at) ? at : Number.NaN };
}

export class SortedLevelsMatcher {
  readonly #tracked: Tracked[] = [];
  readonly #slotOf = new Map<string, number>();
  readonly #symbols = new Map<string, SymbolWakes>();
  readonly #regularHours: (ts: number) => boolean;
  /** Per slot, the tick that woke it (a stamp, so a tick collects each alert once). */
  #wokenAt = new Float64Array(1024);
  #tickNumber = 0;

  constructor(regularHours: (ts: number) => boolean = isRegularHours) {
    this.#regularHours = regularHours;
  }

  get size(): number {
    return this.#slotOf.size;
  }

  /** Adds a new active alert (the benchmark never redefines one). */
  add(alert: Alert): void {
    if (alert.status !== "active" || alert.condition.kind === "earnings") return;
    const rule = ruleOf(alert);
    const state = consistentState(rule, runtimeStateOf(alert));
    const slot = this.#tracked.length;
    const tracked: Tracked = { alert, rule, state, ...wakesOf(rule, state) };
    this.#tracked.push(tracked);
    this.#slotOf.set(alert.id, slot);
    if (slot >= this.#wokenAt.length) {
      const grown = new Float64Array(this.#wokenAt.length * 2);
      grown.set(this.#wokenAt);
      this.#wokenAt = grown;
    }
    const wakes = this.#wakesFor(alert.symbol);
    if (!Number.isNaN(tracked.up)) wakes.up.insert(tracked.up, slot);
    if (!Number.isNaN(tracked.down)) wakes.down.insert(tracked.down, slot);
    if (!Number.isNaN(tracked.at)) wakes.at.insert(tracked.at, slot);
  }

  onTick(tick: TickInput): readonly MatchEvent[] {
    const wakes = this.#symbols.get(tick.symbol);
    if (!wakes) return [];
    const { high, low } = windowOf(tick);
    const stamp = ++this.#tickNumber;
    const woken: number[] = [];
    const wake = (slot: number) => {
      if (this.#wokenAt[slot] === stamp) return;
      this.#wokenAt[slot] = stamp;
      woken.push(slot);
    };
    for (let i = 0, n = wakes.up.countAtMost(high); i < n; i++) wake(wakes.up.slots[i]!);
    for (let i = wakes.down.firstAtLeast(low); i < wakes.down.keys.length; i++) wake(wakes.down.slots[i]!);
    for (let i = 0, n = wakes.at.countAtMost(tick.ts); i < n; i++) wake(wakes.at.slots[i]!);
    if (woken.length === 0) return [];

    const open = this.#regularHours(tick.ts);
    const expired: Expiration[] = [];
    const fired: Firing[] = [];
    const refiled = { up: [] as number[][], down: [] as number[][], at: [] as number[][] };
    const leaving = { up: [] as number[], down: [] as number[], at: [] as number[] };
    const oldKeys = { up: [] as number[], down: [] as number[], at: [] as number[] };
    for (const slot of woken) {
      const tracked = this.#tracked[slot]!;
      const result = stepAlert(tracked.rule, tracked.state, tick, open);
      let next: AlertRuntimeState | null;
      if (result.kind === "expired") {
        expired.push(expirationOf(tracked.alert, tracked.rule, tick.ts));
        next = null;
      } else if (result.kind === "fired") {
        fired.push(firingOf(tracked.alert, tracked.rule, tick, result));
        next = result.next;
      } else {
        next = result.next;
      }
      if (next === tracked.state) continue; // nothing changed (e.g. outside regular hours): stays filed
      const after = next === null ? NOWHERE : wakesOf(tracked.rule, next);
      if (next === null) this.#slotOf.delete(tracked.alert.id);
      else tracked.state = next;
      for (const side of SIDES) {
        if (Object.is(after[side], tracked[side])) continue;
        if (!Number.isNaN(tracked[side])) {
          leaving[side].push(slot);
          oldKeys[side].push(tracked[side]);
        }
        if (!Number.isNaN(after[side])) refiled[side].push([after[side], slot]);
        tracked[side] = after[side];
      }
    }
    for (const side of SIDES) {
      const moves = leaving[side].length + refiled[side].length;
      if (moves === 0) continue;
      // A few moves: in place (binary search, splice); many: one merge pass over the array.
      if (moves <= SPLICE_AT_MOST) {
        for (let i = 0; i < leaving[side].length; i++) {
          wakes[side].remove(oldKeys[side][i]!, leaving[side][i]!);
        }
        for (const [key, slot] of refiled[side]) wakes[side].insert(key!, slot!);
        continue;
      }
      const stamp = ++this.#tickNumber;
      for (const slot of leaving[side]) this.#wokenAt[slot] = stamp;
      wakes[side].refile((slot) => this.#wokenAt[slot] === stamp, refiled[side]);
    }
    return expired.length + fired.length === 0 ? [] : inEventOrder(expired, fired);
  }

  #wakesFor(symbol: string): SymbolWakes {
    let wakes = this.#symbols.get(symbol);
    if (!wakes) {
      wakes = { up: new SortedWakes(), down: new SortedWakes(), at: new SortedWakes() };
      this.#symbols.set(symbol, wakes);
    }
    return wakes;
  }
}
