/**
 * Which offsets of each partition may be committed: the messages taken in, in the order the bus started them,
 * and which of them are done (their outcome durable, or given up to the dead-letter topic). A partition's
 * commit position is one past the last message of its done prefix; offsets may have gaps (a message the bus
 * dead-lettered without calling the handler, compaction), so the order is the start order, not arithmetic.
 */
export class CommitTracker {
  readonly #partitions = new Map<number, PartitionProgress>();

  /**
   * A message taken in; false when this offset was seen before (a retry of its handler, or a redelivery after
   * the group rewound the partition to its last commit), which changes nothing.
   */
  started(partition: number, offset: string): boolean {
    let progress = this.#partitions.get(partition);
    if (!progress) {
      progress = new PartitionProgress();
      this.#partitions.set(partition, progress);
    }
    return progress.start(BigInt(offset));
  }

  done(partition: number, offset: string): void {
    this.#partitions.get(partition)?.finish(BigInt(offset));
  }

  /** The partition went to another member (or was taken anew): start over. */
  forget(partition: number): void {
    this.#partitions.delete(partition);
  }

  /** Positions (next offset to read) that moved since they were last taken, per partition. */
  takePositions(): Array<{ partition: number; offset: string }> {
    const out: Array<{ partition: number; offset: string }> = [];
    for (const [partition, progress] of this.#partitions) {
      const position = progress.takePosition();
      if (position !== undefined) out.push({ partition, offset: String(position) });
    }
    return out;
  }
}

class PartitionProgress {
  #started: bigint[] = [];
  #head = 0;
  readonly #done = new Set<bigint>();
  /** The highest offset started: anything at or below it again is a retry or a redelivery. */
  #last = -1n;
  /** Next offset to read after the done prefix, and whether it moved since last taken. */
  #position: bigint | undefined;
  #moved = false;

  start(offset: bigint): boolean {
    if (offset <= this.#last) return false;
    this.#last = offset;
    this.#started.push(offset);
    return true;
  }

  finish(offset: bigint): void {
    this.#done.add(offset);
    for (let next = this.#started[this.#head]; next !== undefined && this.#done.has(next); ) {
      this.#done.delete(next);
      this.#position = next + 1n;
      this.#moved = true;
      next = this.#started[++this.#head];
    }
    if (this.#head > 1024 && this.#head * 2 > this.#started.length) {
      this.#started = this.#started.slice(this.#head);
      this.#head = 0;
    }
  }

  takePosition(): bigint | undefined {
    if (!this.#moved) return undefined;
    this.#moved = false;
    return this.#position;
  }
}
