import { backoffMs, type Logger } from "@tickerbell/config";
import { deadLetterTopicOf } from "@tickerbell/contracts";
import { type RawMessage, toDeadLetter } from "./codec.ts";
import type { ConsumerSpec } from "./consumer-spec.ts";
import type { BusMetrics } from "./metrics.ts";
import type { DeadLetterReason } from "./port.ts";

type HandlingOutcome =
  | { kind: "handled" }
  | { kind: "dead-letter"; reason: DeadLetterReason; error: string; attempts: number }
  /** Stopped while retrying: the message stays uncommitted and is delivered again later. */
  | { kind: "aborted" };

/** What a bus lends the consume step: its metrics and logger, its way to stop and wait, where dead letters go. */
export interface ConsumeContext {
  metrics: BusMetrics;
  logger: Logger | undefined;
  isStopping: () => boolean;
  /** Waits between attempts; resolves early when the subscription stops. */
  pause: (ms: number) => Promise<void>;
  /** Keeps group membership alive during long retries (kafkajs heartbeat); may throw on a rebalance. */
  keepAlive?: () => Promise<void>;
  /** Appends to a dead-letter topic; resolves once it is durable, since the offset moves on after it. */
  deadLetter: (topic: string, message: ReturnType<typeof toDeadLetter>) => Promise<void>;
}

/**
 * One consumed message through the pipeline shared by both buses: decode and validate (an invalid payload is
 * dead-lettered at once), run the handler with bounded exponential backoff (jittered), dead-letter it when that
 * fails, and count it. True when it is done (handled or dead-lettered), false when abandoned on a stop.
 */
export async function consumeOne(spec: ConsumerSpec, raw: RawMessage, ctx: ConsumeContext): Promise<boolean> {
  const outcome = await handleWithRetries(spec, raw, ctx);
  if (outcome.kind === "aborted") return false;
  if (outcome.kind === "dead-letter") {
    if (spec.deadLetterFailures) {
      await ctx.deadLetter(
        deadLetterTopicOf(raw.topic),
        toDeadLetter(raw, { ...outcome, groupId: spec.groupId }),
      );
      ctx.metrics.deadLettered.inc({ topic: raw.topic, group: spec.groupId, reason: outcome.reason });
    }
    ctx.logger?.error(
      {
        topic: raw.topic,
        partition: raw.partition,
        offset: raw.offset,
        reason: outcome.reason,
        error: outcome.error,
      },
      "message dead-lettered",
    );
  }
  ctx.metrics.consumed.inc({
    topic: raw.topic,
    group: spec.groupId,
    outcome: outcome.kind === "handled" ? "handled" : "dead_lettered",
  });
  return true;
}

async function handleWithRetries(
  spec: ConsumerSpec,
  raw: RawMessage,
  ctx: ConsumeContext,
): Promise<HandlingOutcome> {
  const decoded = spec.decode(raw);
  if (!decoded.ok) return { kind: "dead-letter", reason: "invalid", error: decoded.error, attempts: 0 };
  let lastError = "";
  for (let attempt = 1; attempt <= spec.retry.attempts; attempt++) {
    try {
      await spec.handle(raw, decoded.value);
      return { kind: "handled" };
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
      ctx.metrics.handlerFailures.inc({ topic: raw.topic, group: spec.groupId });
      ctx.logger?.warn(
        { topic: raw.topic, partition: raw.partition, offset: raw.offset, attempt, err: error },
        "bus handler failed",
      );
      // Stopping: the message stays uncommitted for the next owner, even if this was its last attempt.
      if (ctx.isStopping()) return { kind: "aborted" };
      if (attempt === spec.retry.attempts) break;
      await ctx.pause(backoffMs(spec.retry, attempt));
      if (ctx.isStopping()) return { kind: "aborted" };
      await ctx.keepAlive?.();
    }
  }
  return { kind: "dead-letter", reason: "failed", error: lastError, attempts: spec.retry.attempts };
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
