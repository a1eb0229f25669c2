// Alert ids are UUIDs. The index keeps them as four 32-bit words in a typed array and finds them through an
// open-addressing hash table, instead of a Map of strings: about 24 bytes per alert instead of about 90.

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Writes the id's four words into `out` at `at`; throws on anything that is not a UUID. */
export function writeUuidWords(id: string, out: Uint32Array, at: number): void {
  if (!UUID_PATTERN.test(id)) throw new Error(`alert id is not a UUID: ${JSON.stringify(id)}`);
  out[at] = Number.parseInt(id.slice(0, 8), 16);
  out[at + 1] = Number.parseInt(id.slice(9, 13) + id.slice(14, 18), 16);
  out[at + 2] = Number.parseInt(id.slice(19, 23) + id.slice(24, 28), 16);
  out[at + 3] = Number.parseInt(id.slice(28, 36), 16);
}

const HEX_BYTE = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

function hex8(word: number): string {
  return (
    HEX_BYTE[word >>> 24]! +
    HEX_BYTE[(word >>> 16) & 0xff]! +
    HEX_BYTE[(word >>> 8) & 0xff]! +
    HEX_BYTE[word & 0xff]!
  );
}

/** The lower-case UUID string of the words at `at`. */
export function readUuid(words: Uint32Array, at: number): string {
  const a = hex8(words[at]!);
  const b = hex8(words[at + 1]!);
  const c = hex8(words[at + 2]!);
  const d = hex8(words[at + 3]!);
  return `${a}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${d}`;
}

function hashWords(w0: number, w1: number, w2: number, w3: number): number {
  let h = Math.imul(w0 ^ Math.imul(w1, 0x85ebca6b), 0x9e3779b1);
  h ^= Math.imul(w2 ^ (w3 >>> 7), 0xc2b2ae35);
  return (h ^ (h >>> 15)) >>> 0;
}

/** Maps UUID words (stored by the owner at slot*4 in `words`) to slots. Linear probing, backward-shift delete. */
export class UuidSlotTable {
  #table = new Int32Array(1024).fill(-1);
  #count = 0;
  readonly #probe = new Uint32Array(4);
  readonly #wordsOf: () => Uint32Array;

  constructor(wordsOf: () => Uint32Array) {
    this.#wordsOf = wordsOf;
  }

  find(id: string): number {
    writeUuidWords(id.toLowerCase(), this.#probe, 0);
    const p = this.#probe;
    const words = this.#wordsOf();
    const mask = this.#table.length - 1;
    for (let i = hashWords(p[0]!, p[1]!, p[2]!, p[3]!) & mask; ; i = (i + 1) & mask) {
      const slot = this.#table[i]!;
      if (slot < 0) return -1;
      const at = slot * 4;
      if (words[at] === p[0] && words[at + 1] === p[1] && words[at + 2] === p[2] && words[at + 3] === p[3]) {
        return slot;
      }
    }
  }

  /** Adds a slot whose words are already written and whose id is not in the table. */
  add(slot: number): void {
    if ((this.#count + 1) * 2 > this.#table.length) this.#rehash(this.#table.length * 2);
    this.#place(slot);
    this.#count++;
  }

  delete(slot: number): void {
    const table = this.#table;
    const mask = table.length - 1;
    let i = this.#home(slot);
    while (table[i] !== slot) i = (i + 1) & mask;
    // Backward-shift deletion: pull later entries of the probe run into the hole when their home allows it.
    let hole = i;
    for (let j = (hole + 1) & mask; table[j]! >= 0; j = (j + 1) & mask) {
      const k = this.#home(table[j]!);
      const between = hole <= j ? hole < k && k <= j : hole < k || k <= j;
      if (!between) {
        table[hole] = table[j]!;
        hole = j;
      }
    }
    table[hole] = -1;
    this.#count--;
  }

  #home(slot: number): number {
    const words = this.#wordsOf();
    const at = slot * 4;
    return hashWords(words[at]!, words[at + 1]!, words[at + 2]!, words[at + 3]!) & (this.#table.length - 1);
  }

  #place(slot: number): void {
    const mask = this.#table.length - 1;
    let i = this.#home(slot);
    while (this.#table[i]! >= 0) i = (i + 1) & mask;
    this.#table[i] = slot;
  }

  #rehash(capacity: number): void {
    const old = this.#table;
    this.#table = new Int32Array(capacity).fill(-1);
    for (const slot of old) if (slot >= 0) this.#place(slot);
  }
}
