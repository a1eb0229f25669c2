/**
 * Many callers, one write: `add()` queues an item and resolves once the batch it went into is written. One
 * write runs at a time; items that arrive while it runs go into the next one, so batches grow with the load and
 * an idle queue writes at once (no fixed wait). A failed write rejects every caller of that batch.
 */
export class GroupCommit<T> {
  readonly #write: (items: T[]) => Promise<void>;
  readonly #maxBatch: number;
  #queue: { item: T; resolve: () => void; reject: (error: unknown) => void }[] = [];
  #running = false;

  constructor(write: (items: T[]) => Promise<void>, options: { maxBatch?: number } = {}) {
    this.#write = write;
    this.#maxBatch = options.maxBatch ?? 500;
  }

  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      // A microtask later, so the callers of the same moment (one fetched batch) share the write.
      if (!this.#running) queueMicrotask(() => void this.#drain());
    });
  }

  async #drain(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#maxBatch);
        try {
          await this.#write(batch.map((entry) => entry.item));
          for (const entry of batch) entry.resolve();
        } catch (error) {
          for (const entry of batch) entry.reject(error);
        }
      }
    } finally {
      this.#running = false;
    }
  }
}
