/**
 * Many callers, one write: `add()` queues an item and resolves, with the item's own result, once the batch it
 * went into is written. At most `concurrency` writes run at a time (default one); items that arrive while they
 * run go into the next batch, so batches grow with the load and an idle queue writes at once (no fixed wait).
 * More than one write at a time keeps a batch that waits (on a lock) from holding up everything behind it.
 * A failed write rejects every caller of that batch; a write that can fail item by item answers an Error in
 * that item's place instead.
 */
interface Pending<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<T, R = void> {
  /** Answers one result per item, in order, when R is not void. */
  readonly #write: (items: T[]) => Promise<readonly R[] | unknown>;
  readonly #maxBatch: number;
  readonly #concurrency: number;
  #queue: Pending<T, R>[] = [];
  #running = 0;
  #scheduled = false;

  constructor(
    write: (items: T[]) => Promise<readonly R[] | unknown>,
    options: { maxBatch?: number; concurrency?: number } = {},
  ) {
    this.#write = write;
    this.#maxBatch = options.maxBatch ?? 500;
    this.#concurrency = options.concurrency ?? 1;
  }

  add(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      // A microtask later, so the callers of the same moment (one fetched batch) share the write.
      if (!this.#scheduled && this.#running < this.#concurrency) {
        this.#scheduled = true;
        queueMicrotask(() => {
          this.#scheduled = false;
          this.#startWrites();
        });
      }
    });
  }

  #startWrites(): void {
    while (this.#queue.length > 0 && this.#running < this.#concurrency) {
      const batch = this.#queue.splice(0, this.#maxBatch);
      this.#running += 1;
      void this.#writeBatch(batch).finally(() => {
        this.#running -= 1;
        this.#startWrites();
      });
    }
  }

  async #writeBatch(batch: Pending<T, R>[]): Promise<void> {
    try {
      const written = await this.#write(batch.map((entry) => entry.item));
      const results: readonly unknown[] = Array.isArray(written) ? written : [];
      batch.forEach((entry, i) => {
        const result = results[i];
        if (result instanceof Error) entry.reject(result);
        else entry.resolve(result as R);
      });
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    }
  }
}
