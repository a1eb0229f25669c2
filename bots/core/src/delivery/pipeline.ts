import type { Logger } from "@tickerbell/config";
import type { Notification } from "@tickerbell/contracts";
import { ApiError } from "../clients/http.ts";
import { DeliveryError, type DeliveryLog, type DeliveryState, type Notifier } from "./ports.ts";
import { type RateLimiter, realSleep, type Sleep } from "./rate-limiter.ts";

export interface RetryPolicy {
  /** Total attempts for a retryable failure before giving up (the message is then retried by the bus). */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 250, maxDelayMs: 15_000 };

export type DeliveryOutcome =
  | { status: "sent"; attempts: number }
  | { status: "duplicate" }
  | { status: "undeliverable"; reason: string };

export interface DeliveryPipelineDeps {
  notifier: Notifier;
  log: DeliveryLog;
  limiter: RateLimiter;
  logger: Logger;
  retry?: RetryPolicy;
  sleep?: Sleep;
  /** Told when a notification becomes undeliverable, e.g. to remember to tell the user on their next command. */
  onUndeliverable?: (notification: Notification, reason: string) => Promise<void> | void;
}

/**
 * Delivers a notification in stages: de-duplicate against the delivery log, wait for a rate-limit slot, send,
 * retry transient failures with exponential backoff and jitter (honouring the platform's retry-after), record
 * the result. A failure that survives every retry is thrown, so the bus retries or dead-letters the message.
 */
export class DeliveryPipeline {
  private readonly deps: DeliveryPipelineDeps;
  private readonly retry: RetryPolicy;
  private readonly sleep: Sleep;

  constructor(deps: DeliveryPipelineDeps) {
    this.deps = deps;
    this.retry = deps.retry ?? DEFAULT_RETRY;
    this.sleep = deps.sleep ?? realSleep;
  }

  async deliver(notification: Notification): Promise<DeliveryOutcome> {
    const { notifier, log, limiter } = this.deps;
    const logger = this.deps.logger.child({
      triggerId: notification.triggerId,
      alertId: notification.alertId,
      platform: notifier.platform,
    });
    const state = await this.stateOf(notification, logger);
    if (state !== "new") {
      logger.debug({ state }, "already handled, not sending again");
      return { status: "duplicate" };
    }
    for (let attempt = 1; ; attempt++) {
      await limiter.acquire(notification.origin.chatId);
      try {
        await notifier.send(notification);
      } catch (error) {
        const failure =
          error instanceof DeliveryError
            ? error
            : new DeliveryError(`send failed: ${(error as Error).message}`, {
                retryable: true,
                code: "unknown",
                cause: error,
              });
        if (!failure.retryable) {
          await log.markUndeliverable(notification, failure.code);
          await this.deps.onUndeliverable?.(notification, failure.code);
          logger.warn({ code: failure.code }, "notification undeliverable");
          return { status: "undeliverable", reason: failure.code };
        }
        if (attempt >= this.retry.attempts) {
          logger.error({ attempt, code: failure.code }, "giving up for now; the bus will retry");
          throw failure;
        }
        const delay = failure.retryAfterMs ?? this.backoff(attempt);
        if (failure.retryAfterMs !== undefined)
          limiter.backOff(failure.retryAfterMs, notification.origin.chatId);
        logger.warn({ attempt, code: failure.code, delayMs: delay }, "send failed, retrying");
        await this.sleep(delay);
        continue;
      }
      await this.recordSent(notification, logger);
      logger.info({ attempt, symbol: notification.symbol }, "notification delivered");
      return { status: "sent", attempts: attempt };
    }
  }

  /**
   * Asks the delivery log, riding out an alert service that is restarting or whose database is (unreachable or
   * 5xx) with the same backoff as sends, so the bus's few quick retries do not dead-letter, i.e. lose, the
   * notification. A refusal (4xx) is not retried: it would only hold up the partition behind it.
   */
  private async stateOf(notification: Notification, logger: Logger): Promise<DeliveryState> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.deps.log.stateOf(notification.triggerId);
      } catch (error) {
        const refused = error instanceof ApiError && error.status < 500 && error.status !== 429;
        if (refused || attempt >= this.retry.attempts) throw error;
        const delayMs = this.backoff(attempt);
        logger.warn({ err: error, attempt, delayMs }, "delivery log unavailable, retrying");
        await this.sleep(delayMs);
      }
    }
  }

  /**
   * Records a send that happened. Its own retries, never a resend: a log that is briefly unreachable (the alert
   * service restarting) must not make the user get the message twice. If it stays unreachable the message still
   * counts as delivered, so the bus moves on; only a later redelivery of it could then be sent again.
   */
  private async recordSent(notification: Notification, logger: Logger): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.deps.log.markSent(notification);
        return;
      } catch (error) {
        if (attempt >= this.retry.attempts) {
          logger.error({ err: error, attempt }, "sent, but could not record it in the delivery log");
          return;
        }
        await this.sleep(this.backoff(attempt));
      }
    }
  }

  private backoff(attempt: number): number {
    const exp = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    return exp / 2 + Math.random() * (exp / 2);
  }
}
