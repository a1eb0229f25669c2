import type { Notification } from "@tickerbell/contracts";

/**
 * Why a send failed. `retryable` failures (network, 5xx, 429) are tried again with backoff; the others
 * (blocked by the user, DMs closed, chat gone) make the notification undeliverable at once.
 */
export class DeliveryError extends Error {
  readonly retryable: boolean;
  /** The platform asked us to wait this long before trying again (Telegram `retry_after`, Discord `Retry-After`). */
  readonly retryAfterMs: number | undefined;
  readonly code: string;
  constructor(
    message: string,
    options: { retryable: boolean; code: string; retryAfterMs?: number; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.name = "DeliveryError";
    this.retryable = options.retryable;
    this.code = options.code;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Sends one notification to its chat. Throws DeliveryError; anything else thrown counts as retryable. */
export interface Notifier {
  readonly platform: Notification["origin"]["platform"];
  send(notification: Notification): Promise<void>;
}

export type DeliveryState = "new" | "sent" | "undeliverable";

/** Remembers what was delivered, so a redelivered message (Kafka is at-least-once) is not sent twice. */
export interface DeliveryLog {
  /** The state of this triggerId; "new" if never seen. */
  stateOf(triggerId: string): Promise<DeliveryState>;
  markSent(notification: Notification): Promise<void>;
  markUndeliverable(notification: Notification, reason: string): Promise<void>;
}
