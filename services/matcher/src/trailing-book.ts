// Trailing alerts of one symbol, one direction and one offset unit, arranged so that a new high moves the peak
// of every affected alert at once.
//
// The book works in "down" form: an alert fires when the low reaches level(peak, key) below its peak. `up`
// alerts use the same code on negated prices (a trough is a negated peak, a high a negated low); IEEE rounding
// is symmetric in sign, so the levels equal the reference formulas in levels.ts bit for bit.
//
// INVARIANT. Alerts are partitioned into peak groups: every alert of group g has peak exactly peak[g].
// A new high h lifts every alert whose peak is below h to h, i.e. it merges every group with peak < h into
// one group with peak h: the groups sit in a min-heap by peak, so the tick pops exactly those groups and
// melds their member heaps (pairing heaps, O(1) meld). Alerts created at different times with different
// starting peaks therefore share the running maximum only from the moment the market lifts them to it, which
// is what "the highest price seen since creation" means. Each group is created once and merged away once,
// so merging is amortised O(1) per inserted alert; alerts are never visited one by one on a high.
// Within a group the armed members sit in a pairing heap ordered by urgency (smallest key = highest level),
// and the group's most urgent level sits in a second min-heap (`fire`), keyed by -level. A tick therefore
// costs O(log g) to look at the best level plus O(log n) per firing alert.
// Alerts in cooldown stay members of their group (in a separate dormant heap) so their peak keeps moving
// while they cannot fire; arming moves them to the armed heap at their group's peak.
// Group membership is a union-find forest (`parent`), so the peak of any alert is peak[find(group[slot])].

import type { BookTops } from "./book-tops.ts";
import { IndexedMinHeap, PositionTable } from "./indexed-heap.ts";

/** Per-alert node fields, indexed by alert slot and owned by the alert index (they grow with it). */
export class TrailingNodes {
  child: Int32Array;
  next: Int32Array;
  prev: Int32Array;
  group: Int32Array;
  key: Float64Array;

  constructor(capacity: number) {
    this.child = new Int32Array(capacity);
    this.next = new Int32Array(capacity);
    this.prev = new Int32Array(capacity);
    this.group = new Int32Array(capacity);
    this.key = new Float64Array(capacity);
  }

  grow(capacity: number): void {
    const grow32 = (old: Int32Array) => {
      const a = new Int32Array(capacity);
      a.set(old);
      return a;
    };
    this.child = grow32(this.child);
    this.next = grow32(this.next);
    this.prev = grow32(this.prev);
    this.group = grow32(this.group);
    const key = new Float64Array(capacity);
    key.set(this.key);
    this.key = key;
  }
}

export class TrailingBook {
  readonly #nodes: TrailingNodes;
  readonly #percent: boolean;
  readonly #mirrored: boolean;
  #groupCount = 0;
  #peak = new Float64Array(4);
  #parent = new Int32Array(4);
  #members = new Int32Array(4);
  #armedRoot = new Int32Array(4);
  #dormantRoot = new Int32Array(4);
  readonly #peakTable = new PositionTable(4);
  readonly #fireTable = new PositionTable(4);
  readonly #peaks = new IndexedMinHeap(this.#peakTable);
  readonly #fire = new IndexedMinHeap(this.#fireTable);
  #lastGroup = -1;
  readonly #scratch: number[] = [];
  /**
   * Where lowestPeak() (while the book holds alerts) and fireKey() are also written, if anywhere, and the key of
   * the one armed root while every alert is in one group (NaN otherwise): see advanceOnRow.
   */
  readonly #tops: BookTops | null;
  readonly #peakAt: number;
  readonly #fireAt: number;
  readonly #fastAt: number;

  /**
   * `unit` picks the level formula; `mirrored` marks an `up` book fed with negated prices.
   * Node keys: percent down = -(1 - P/100), percent up = 1 + P/100, amount = A (smallest = most urgent).
   * `tops`: the row its lowest peak, fire key and single group's armed key are written to (see book-tops.ts), at
   * `peakAt`, `fireAt` and `fastAt` (-1: peaks are never advanced on the row alone).
   */
  constructor(
    nodes: TrailingNodes,
    unit: "percent" | "amount",
    mirrored: boolean,
    tops: BookTops | null = null,
    peakAt = -1,
    fireAt = -1,
    fastAt = -1,
  ) {
    this.#nodes = nodes;
    this.#percent = unit === "percent";
    this.#mirrored = mirrored;
    this.#tops = tops;
    this.#peakAt = peakAt;
    this.#fireAt = fireAt;
    this.#fastAt = fastAt;
  }

  /** Writes the book's tops to its row; an empty book's stale peak groups move nothing, so its peak is +Infinity. */
  #publish(): void {
    if (this.#tops === null) return;
    const row = this.#tops.array;
    row[this.#peakAt] = this.size > 0 ? this.#peaks.peekKey() : Number.POSITIVE_INFINITY;
    row[this.#fireAt] = this.#fire.peekKey();
    if (this.#fastAt < 0) return;
    // One group holding every alert (live groups are all in #peaks), with an armed root: a new peak moves only
    // that group, and its fire key follows from the root's key (advanceOnRow).
    const g = this.#peaks.size === 1 && this.size > 0 ? this.#peaks.peekItem() : -1;
    const root = g < 0 ? -1 : this.#armedRoot[g]!;
    row[this.#fastAt] = root < 0 ? Number.NaN : this.#nodes.key[root]!;
  }

  /** Applies a peak advanceOnRow wrote to the row alone, before anything reads or changes the book. */
  #catchUp(): void {
    if (this.#fastAt < 0) return;
    const row = this.#tops!.array;
    if (!Number.isNaN(row[this.#fastAt]!) && row[this.#peakAt]! > this.#peaks.peekKey())
      this.#advance(row[this.#peakAt]!);
  }

  /** Alerts (armed or dormant) in the book. */
  size = 0;

  level(peak: number, key: number): number {
    return trailingLevel(this.#percent, this.#mirrored, peak, key);
  }

  insert(slot: number, peak: number, key: number, armed: boolean): void {
    this.#catchUp();
    const nodes = this.#nodes;
    const g = this.#groupFor(peak);
    nodes.group[slot] = g;
    nodes.key[slot] = key;
    nodes.child[slot] = -1;
    nodes.next[slot] = -1;
    nodes.prev[slot] = -1;
    this.#members[g]!++;
    this.size++;
    if (armed) {
      this.#armedRoot[g] = this.#meld(this.#armedRoot[g]!, slot);
      this.#refreshFire(g);
    } else {
      this.#dormantRoot[g] = this.#meld(this.#dormantRoot[g]!, slot);
    }
    this.#publish();
  }

  remove(slot: number, armed: boolean): void {
    this.#catchUp();
    const g = this.#find(this.#nodes.group[slot]!);
    if (armed) {
      this.#armedRoot[g] = this.#deleteNode(this.#armedRoot[g]!, slot);
      this.#refreshFire(g);
    } else {
      this.#dormantRoot[g] = this.#deleteNode(this.#dormantRoot[g]!, slot);
    }
    this.#members[g]!--;
    this.size--;
    this.#publish();
  }

  /** Cooldown over: the alert starts firing from its group's current peak. */
  arm(slot: number): void {
    this.#catchUp();
    const g = this.#find(this.#nodes.group[slot]!);
    this.#dormantRoot[g] = this.#deleteNode(this.#dormantRoot[g]!, slot);
    this.#armedRoot[g] = this.#meld(this.#armedRoot[g]!, slot);
    this.#refreshFire(g);
    this.#publish();
  }

  /** Lowest group peak: a high above it moves peaks (+Infinity when empty). */
  lowestPeak(): number {
    this.#catchUp();
    return this.#peaks.peekKey();
  }

  /** -(highest armed level): a low at or below that level fires (+Infinity when nothing is armed). */
  fireKey(): number {
    this.#catchUp();
    return this.#fire.peekKey();
  }

  peakOf(slot: number): number {
    this.#catchUp();
    return this.#peak[this.#find(this.#nodes.group[slot]!)]!;
  }

  /** A high of `high` happened: every alert with a lower peak now has peak `high`. */
  advance(high: number): void {
    this.#catchUp();
    this.#advance(high);
  }

  #advance(high: number): void {
    if (this.#peaks.peekKey() >= high) return;
    let rep = -1;
    while (this.#peaks.peekKey() < high) {
      const g = this.#peaks.pop();
      this.#fire.remove(g);
      if (this.#members[g] === 0) continue;
      if (rep < 0) {
        rep = g;
        continue;
      }
      this.#parent[g] = rep;
      this.#armedRoot[rep] = this.#meld(this.#armedRoot[rep]!, this.#armedRoot[g]!);
      this.#dormantRoot[rep] = this.#meld(this.#dormantRoot[rep]!, this.#dormantRoot[g]!);
      this.#members[rep]! += this.#members[g]!;
      this.#members[g] = 0;
    }
    if (rep >= 0) {
      this.#peak[rep] = high;
      this.#peaks.push(rep, high);
      this.#refreshFire(rep);
    }
    this.#publish();
  }

  /** Pops every armed alert whose level is at or above `low`, most urgent group first. */
  collect(low: number, out: number[]): void {
    this.#catchUp();
    const bound = -low;
    while (this.#fire.peekKey() <= bound) {
      const g = this.#fire.peekItem();
      const root = this.#armedRoot[g]!;
      this.#armedRoot[g] = this.#deleteRoot(root);
      this.#members[g]!--;
      this.size--;
      out.push(root);
      this.#refreshFire(g);
    }
    this.#publish();
  }

  #refreshFire(g: number): void {
    const root = this.#armedRoot[g]!;
    if (root < 0) this.#fire.remove(g);
    else this.#fire.set(g, -this.level(this.#peak[g]!, this.#nodes.key[root]!));
  }

  #groupFor(peak: number): number {
    const last = this.#lastGroup;
    if (last >= 0 && this.#parent[last] === last && this.#peak[last] === peak && this.#peaks.has(last))
      return last;
    if (this.#groupCount === this.#peak.length) {
      // Group ids are never reused while merged ids may still be on union-find paths; renumber instead of
      // growing once most ids are dead, so a long-running book stays proportional to its alerts.
      if (this.#groupCount > 2 * this.size + 16) this.#compactGroups();
      else this.#growGroups();
    }
    const g = this.#groupCount++;
    this.#peak[g] = peak;
    this.#parent[g] = g;
    this.#members[g] = 0;
    this.#armedRoot[g] = -1;
    this.#dormantRoot[g] = -1;
    this.#peaks.push(g, peak);
    this.#lastGroup = g;
    return g;
  }

  /** Number of group ids in use (live or dead), for tests. */
  get groupIdsInUse(): number {
    this.#catchUp();
    return this.#groupCount;
  }

  /**
   * Renumbers the live groups 0..k-1 and points every member straight at its group. Every member of a live
   * group sits in that group's armed or dormant heap (merges meld both), so walking those heaps finds them all.
   */
  #compactGroups(): void {
    const live: number[] = [];
    this.#peaks.forEachItem((g) => {
      if (this.#members[g]! > 0) live.push(g);
    });
    const peak = new Float64Array(this.#peak.length);
    const armed = new Int32Array(this.#peak.length);
    const dormant = new Int32Array(this.#peak.length);
    const members = new Int32Array(this.#peak.length);
    const group = this.#nodes.group;
    const { child, next } = this.#nodes;
    const stack: number[] = [];
    live.forEach((g, id) => {
      peak[id] = this.#peak[g]!;
      armed[id] = this.#armedRoot[g]!;
      dormant[id] = this.#dormantRoot[g]!;
      members[id] = this.#members[g]!;
      for (const root of [this.#armedRoot[g]!, this.#dormantRoot[g]!]) {
        if (root >= 0) stack.push(root);
        while (stack.length > 0) {
          const x = stack.pop()!;
          group[x] = id;
          if (child[x]! >= 0) stack.push(child[x]!);
          if (next[x]! >= 0) stack.push(next[x]!);
        }
      }
    });
    this.#peak = peak;
    this.#armedRoot = armed;
    this.#dormantRoot = dormant;
    this.#members = members;
    this.#parent = Int32Array.from({ length: peak.length }, (_, i) => i);
    this.#groupCount = live.length;
    this.#lastGroup = -1;
    while (this.#peaks.size > 0) this.#peaks.pop();
    while (this.#fire.size > 0) this.#fire.pop();
    for (let id = 0; id < live.length; id++) {
      this.#peaks.push(id, peak[id]!);
      this.#refreshFire(id);
    }
  }

  #find(g: number): number {
    const parent = this.#parent;
    let x = g;
    while (parent[x] !== x) {
      const up = parent[parent[x]!]!;
      parent[x] = up;
      x = up;
    }
    return x;
  }

  #growGroups(): void {
    const capacity = this.#peak.length * 2;
    const peak = new Float64Array(capacity);
    peak.set(this.#peak);
    this.#peak = peak;
    this.#parent = grownCopy(this.#parent, capacity);
    this.#members = grownCopy(this.#members, capacity);
    this.#armedRoot = grownCopy(this.#armedRoot, capacity);
    this.#dormantRoot = grownCopy(this.#dormantRoot, capacity);
    this.#peakTable.ensure(capacity);
    this.#fireTable.ensure(capacity);
  }

  // Pairing heap over alert slots. Roots have prev = next = -1; prev is the parent for a first child.

  #meld(a: number, b: number): number {
    if (a < 0) return b;
    if (b < 0) return a;
    const { child, next, prev, key } = this.#nodes;
    if (key[b]! < key[a]!) {
      const t = a;
      a = b;
      b = t;
    }
    const first = child[a]!;
    next[b] = first;
    if (first >= 0) prev[first] = b;
    prev[b] = a;
    child[a] = b;
    return a;
  }

  #deleteRoot(root: number): number {
    const { child, next, prev } = this.#nodes;
    let c = child[root]!;
    child[root] = -1;
    if (c < 0) return -1;
    const pairs = this.#scratch;
    pairs.length = 0;
    while (c >= 0) {
      const a = c;
      const b = next[a]!;
      next[a] = -1;
      prev[a] = -1;
      if (b < 0) {
        pairs.push(a);
        break;
      }
      c = next[b]!;
      next[b] = -1;
      prev[b] = -1;
      pairs.push(this.#meld(a, b));
    }
    let result = pairs[pairs.length - 1]!;
    for (let i = pairs.length - 2; i >= 0; i--) result = this.#meld(pairs[i]!, result);
    return result;
  }

  #deleteNode(root: number, x: number): number {
    if (x === root) return this.#deleteRoot(x);
    const { child, next, prev } = this.#nodes;
    const p = prev[x]!;
    const n = next[x]!;
    if (child[p] === x) child[p] = n;
    else next[p] = n;
    if (n >= 0) prev[n] = p;
    prev[x] = -1;
    next[x] = -1;
    return this.#meld(root, this.#deleteRoot(x));
  }
}

/** The level of an alert with node key `key` under peak `peak` (see the node keys at TrailingBook's constructor). */
export function trailingLevel(percent: boolean, mirrored: boolean, peak: number, key: number): number {
  if (!percent) return peak - key;
  return peak * (mirrored ? key : -key);
}

/**
 * A new high `high` for the trailing book whose row is at `peakAt`, `fireAt` and `fastAt` in `row` (see
 * book-tops.ts), applied to the row alone when the book is one group with an armed root: the group's peak becomes
 * `high` and its fire key follows from the root's key, as advance() would leave them. The book catches up the
 * next time it is used. False when the book must advance itself.
 */
export function advanceOnRow(
  row: Float64Array,
  peakAt: number,
  fireAt: number,
  fastAt: number,
  percent: boolean,
  mirrored: boolean,
  high: number,
): boolean {
  const key = row[fastAt]!;
  if (Number.isNaN(key)) return false;
  row[peakAt] = high;
  row[fireAt] = -trailingLevel(percent, mirrored, high, key);
  return true;
}

function grownCopy(array: Int32Array<ArrayBuffer>, capacity: number): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(capacity);
  grown.set(array);
  return grown;
}
