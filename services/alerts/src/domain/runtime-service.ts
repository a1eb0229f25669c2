import { partitionForKey } from "@tickerbell/bus";
import type { Notification, WindowHistory } from "@tickerbell/contracts";
import { DomainError } from "./errors.ts";
import type { AppliedRuntime, Clock, RuntimeRecord, RuntimeRepository } from "./ports.ts";

export interface RuntimeServiceOptions {
  repository: RuntimeRepository;
  clock: Clock;
  /** How long a matcher's snapshot request waits for alerts.runtime to be applied (default 30 s). */
  catchUpTimeoutMs?: number;
  /** Polling of the applied offsets while waiting (default 25 ms). */
  catchUpPollMs?: number;
}

/**
 * The alert service's side of the matcher's runtime state: it stores what the matcher decided (the matcher's
 * firing is authoritative), tells a matcher taking partitions over when everything written before is applied,
 * and finds firings that no bot reported on, so they can be sent again.
 */
export class RuntimeService {
  readonly #repository: RuntimeRepository;
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #pollMs: number;

  constructor(options: RuntimeServiceOptions) {
    this.#repository = options.repository;
    this.#clock = options.clock;
    this.#timeoutMs = options.catchUpTimeoutMs ?? 30_000;
    this.#pollMs = options.catchUpPollMs ?? 25;
  }

  apply(records: readonly RuntimeRecord[]): Promise<AppliedRuntime> {
    return this.#repository.applyBatch(records, this.#clock.now());
  }

  /**
   * For a bus whose offsets start over with the process (the in-memory bus): the stored runtime states stay, the
   * stream positions they refer to go, so alerts join the matcher at once and new events are applied.
   */
  forgetStreamPositions(): Promise<void> {
    return this.#repository.forgetStreamPositions();
  }

  /** Resolves once every partition has been applied up to its given end offset; a 503 refusal after the timeout. */
  async awaitApplied(endOffsets: ReadonlyMap<number, bigint>): Promise<void> {
    const deadline = Date.now() + this.#timeoutMs;
    for (;;) {
      const applied = await this.#repository.appliedOffsets();
      const behind = [...endOffsets].filter(([p, end]) => end > 0n && (applied.get(p) ?? 0n) < end);
      if (behind.length === 0) return;
      if (Date.now() >= deadline) {
        throw new DomainError(
          "unavailable",
          "runtime_not_applied",
          "the alert service has not applied the matcher's runtime state up to the requested offsets yet; retry",
          {
            behind: Object.fromEntries(
              behind.map(([p, end]) => [p, { applied: String(applied.get(p) ?? 0n), end: String(end) }]),
            ),
          },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, this.#pollMs));
    }
  }

  /**
   * The window histories of the symbols in a matcher's share (all with `share` null): what its window alerts
   * read when it takes the symbols over.
   */
  async windowHistories(
    share: { partitions: ReadonlySet<number>; count: number } | null,
  ): Promise<Record<string, WindowHistory>> {
    const all = await this.#repository.windowHistories();
    if (share === null) return all;
    return Object.fromEntries(
      Object.entries(all).filter(([symbol]) => share.partitions.has(partitionForKey(symbol, share.count))),
    );
  }

  /** Firings older than `graceMs` without a delivery outcome, claimed so no other replica sends them too. */
  claimUndelivered(graceMs: number, limit: number): Promise<Notification[]> {
    const now = this.#clock.now();
    const before = new Date(now.getTime() - graceMs);
    return this.#repository.claimUndelivered(before, before, limit, now);
  }
}

/** `"0:12,3:40"` (partition:offset) into a map. The schema has checked the shape. */
export function parseOffsets(text: string | undefined): Map<number, bigint> {
  const out = new Map<number, bigint>();
  if (!text) return out;
  for (const pair of text.split(",")) {
    const [p, o] = pair.split(":");
    out.set(Number(p), BigInt(o!));
  }
  return out;
}
