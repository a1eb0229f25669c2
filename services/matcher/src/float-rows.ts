/**
 * Rows of a fixed number of doubles side by side in one Float64Array, which doubles when full: numbers a tick reads
 * kept unboxed and close together. Holders keep this object, not `array`, which is replaced when it grows.
 */
export class FloatRows {
  array: Float64Array;
  readonly #stride: number;
  #used = 0;

  constructor(stride: number, rows: number) {
    this.#stride = stride;
    this.array = new Float64Array(Math.max(1, rows) * stride);
  }

  /** A new row, zeroed: its offset in `array`. */
  protected addRow(): number {
    const at = this.#used * this.#stride;
    if (at + this.#stride > this.array.length) {
      const grown = new Float64Array(this.array.length * 2);
      grown.set(this.array);
      this.array = grown;
    }
    this.#used++;
    return at;
  }
}
