// A binary min-heap of small integer items keyed by doubles, stored in typed arrays. Items remember their
// position in a PositionTable shared by heaps whose item sets never overlap, so any item can be removed or
// re-keyed in O(log n) without a search. Max-heaps are built by storing negated keys.

import type { BookTops } from "./book-tops.ts";

export class PositionTable {
  positions: Int32Array;

  constructor(capacity: number) {
    this.positions = new Int32Array(capacity).fill(-1);
  }

  ensure(capacity: number): void {
    if (capacity <= this.positions.length) return;
    const grown = new Int32Array(Math.max(capacity, this.positions.length * 2)).fill(-1);
    grown.set(this.positions);
    this.positions = grown;
  }
}

const EMPTY_KEYS = new Float64Array(0);
const EMPTY_ITEMS = new Int32Array(0);

export class IndexedMinHeap {
  size = 0;
  /**
   * The smallest key, kept beside `size` on the heap object: a tick asks many heaps for it and moves few, and
   * reading it from the keys' array would cost two more cache lines (the array and its storage).
   */
  #top = Number.POSITIVE_INFINITY;
  #keys: Float64Array = EMPTY_KEYS;
  #items: Int32Array = EMPTY_ITEMS;
  readonly #table: PositionTable;
  /** Where the top is also written, if anywhere (see book-tops.ts). */
  readonly #tops: BookTops | null;
  readonly #topAt: number;

  constructor(table: PositionTable, tops: BookTops | null = null, topAt = -1) {
    this.#table = table;
    this.#tops = tops;
    this.#topAt = topAt;
  }

  #setTop(top: number): void {
    this.#top = top;
    if (this.#tops !== null) this.#tops.array[this.#topAt] = top;
  }

  /** Smallest key, or +Infinity when empty: callers compare against it without a size check. */
  peekKey(): number {
    return this.#top;
  }

  peekItem(): number {
    return this.#items[0]!;
  }

  has(item: number): boolean {
    return this.#table.positions[item]! >= 0;
  }

  keyOf(item: number): number {
    return this.#keys[this.#table.positions[item]!]!;
  }

  push(item: number, key: number): void {
    if (this.size === this.#keys.length) this.#grow();
    const i = this.size++;
    this.#keys[i] = key;
    this.#items[i] = item;
    this.#table.positions[item] = i;
    this.#siftUp(i);
    this.#setTop(this.#keys[0]!);
  }

  pop(): number {
    const top = this.#items[0]!;
    this.#removeAt(0);
    return top;
  }

  remove(item: number): void {
    const i = this.#table.positions[item]!;
    if (i >= 0) this.#removeAt(i);
  }

  /** Insert, or move to a new key if present. */
  set(item: number, key: number): void {
    const i = this.#table.positions[item]!;
    if (i < 0) {
      this.push(item, key);
      return;
    }
    const old = this.#keys[i]!;
    this.#keys[i] = key;
    if (key < old) this.#siftUp(i);
    else this.#siftDown(i);
    this.#setTop(this.#keys[0]!);
  }

  /** Items in storage order (not sorted). */
  forEachItem(visit: (item: number) => void): void {
    for (let i = 0; i < this.size; i++) visit(this.#items[i]!);
  }

  #removeAt(i: number): void {
    const positions = this.#table.positions;
    positions[this.#items[i]!] = -1;
    const last = --this.size;
    if (i !== last) {
      const key = this.#keys[last]!;
      const item = this.#items[last]!;
      this.#keys[i] = key;
      this.#items[i] = item;
      positions[item] = i;
      if (i > 0 && key < this.#keys[(i - 1) >> 1]!) this.#siftUp(i);
      else this.#siftDown(i);
    }
    this.#setTop(this.size === 0 ? Number.POSITIVE_INFINITY : this.#keys[0]!);
  }

  #siftUp(start: number): void {
    const keys = this.#keys;
    const items = this.#items;
    const positions = this.#table.positions;
    const key = keys[start]!;
    const item = items[start]!;
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const parentKey = keys[parent]!;
      if (parentKey <= key) break;
      keys[i] = parentKey;
      const parentItem = items[parent]!;
      items[i] = parentItem;
      positions[parentItem] = i;
      i = parent;
    }
    keys[i] = key;
    items[i] = item;
    positions[item] = i;
  }

  #siftDown(start: number): void {
    const keys = this.#keys;
    const items = this.#items;
    const positions = this.#table.positions;
    const size = this.size;
    const key = keys[start]!;
    const item = items[start]!;
    let i = start;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && keys[child + 1]! < keys[child]!) child++;
      const childKey = keys[child]!;
      if (childKey >= key) break;
      keys[i] = childKey;
      const childItem = items[child]!;
      items[i] = childItem;
      positions[childItem] = i;
      i = child;
    }
    keys[i] = key;
    items[i] = item;
    positions[item] = i;
  }

  #grow(): void {
    // 1.5x growth keeps the average slack of many small per-symbol heaps near 20%.
    const capacity = this.#keys.length < 4 ? 4 : Math.ceil(this.#keys.length * 1.5);
    const keys = new Float64Array(capacity);
    keys.set(this.#keys);
    const items = new Int32Array(capacity);
    items.set(this.#items);
    this.#keys = keys;
    this.#items = items;
  }
}
