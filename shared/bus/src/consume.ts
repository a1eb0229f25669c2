import { backoffMs, type Logger } from "@tickerbell/config";
import type { Decoded, RawMessage } from "./codec.ts";
import type { BusMetrics } from "./metrics.ts";
import type { DeadLetterReason, RetryPolicy } from "./port.ts";

export type ConsumeOutcome =
  | { kind: "handled" }
  | { kind: "dead-letter"; reason: DeadLetterReason; error: string; attempts: number }
  /** Stopped while retrying: the message stays uncommitted and is delivered again later. */
  | { kind: "aborted" };

export interface ConsumeContext {
  groupId: string;
  decode: (raw: RawMessage) => Decoded;
  handle: (raw: RawMessage, value: unknown) => Promise<void>;
  retry: RetryPolicy;
  metrics: BusMetrics;
  logger: Logger | undefined;
  isStopping: () => boolean;
  /** Waits between attempts; resolves early when the subscription stops. */
  pause: (ms: number) => Promise<void>;
  /** Keeps group membership alive during long retries (kafkajs heartbeat); may throw on a rebalance. */
  keepAlive?: () => Promise<void>;
}

/**
 * The consume pipeline shared by both buses: decode and validate (an invalid payload is dead-lettered at
 * once), run the handler with bounded exponential backoff (jittered), and report what to do with the offset.
 */
export async function consumeOne(raw: RawMessage, ctx: ConsumeContext): Promise<ConsumeOutcome> {
  const decoded = ctx.decode(raw);
  if (!decoded.ok) return { kind: "dead-letter", reason: "invalid", error: decoded.error, attempts: 0 };
  let lastError = "";
  for (let attempt = 1; attempt <= ctx.retry.attempts; attempt++) {
    try {
      await ctx.handle(raw, decoded.value);
      return { kind: "handled" };
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
      ctx.metrics.handlerFailures.inc({ topic: raw.topic, group: ctx.groupId });
      ctx.logger?.warn(
        { topic: raw.topic, partition: raw.partition, offset: raw.offset, attempt, err: error },
        "bus handler failed",
      );
      // Stopping: the message stays uncommitted for the next owner, even if this was its last attempt.
      if (ctx.isStopping()) return { kind: "aborted" };
      if (attempt === ctx.retry.attempts) break;
      await ctx.pause(backoffMs(ctx.retry, attempt));
      if (ctx.isStopping()) return { kind: "aborted" };
      await ctx.keepAlive?.();
    }
  }
  return { kind: "dead-letter", reason: "failed", error: lastError, attempts: ctx.retry.attempts };
}

/** A sleep that a stop can cut short. */
export class StopSignal {
  #stopped = false;
  readonly #wakers = new Set<() => void>();

  get stopped(): boolean {
    return this.#stopped;
  }

  stop(): void {
    this.#stopped = true;
    for (const wake of this.#wakers) wake();
    this.#wakers.clear();
  }

  /** Calls `listener` once when stopped (at once if already); returns a function that unregisters it. */
  onStop(listener: () => void): () => void {
    if (this.#stopped) {
      listener();
      return () => {};
    }
    this.#wakers.add(listener);
    return () => this.#wakers.delete(listener);
  }

  sleep(ms: number): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#wakers.add(wake);
    });
  }
}
