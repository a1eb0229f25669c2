import type { ChartOutcome } from "@tickerbell/charts";
import type {
  DeliveryOutcomeRecord,
  DeliveryState,
  DestinationPauseReason,
  Notification,
} from "@tickerbell/contracts";
import type { Digest } from "../format/digest.ts";
import type { TimeDisplay } from "../format/time.ts";

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

/**
 * The DeliveryError codes of a community chat the bot can no longer post in (the channel was deleted, the bot lost
 * access or a permission, the bot was removed from the group). Not retried: the chat's alerts are paused and
 * their creators told (DestinationLoss). They are the alert service's pause reasons.
 */
export const DESTINATION_LOST_CODES = [
  "channel_gone",
  "access_lost",
  "bot_removed",
] as const satisfies readonly DestinationPauseReason[];
export type DestinationLostCode = (typeof DESTINATION_LOST_CODES)[number];

export function isDestinationLost(code: string): code is DestinationLostCode {
  return (DESTINATION_LOST_CODES as readonly string[]).includes(code);
}

/** Notifications for one chat, in order, to go out as one message: never empty. */
export type NotificationBatch = readonly [Notification, ...Notification[]];

/**
 * Sends DMs. One call is one message to one chat, carrying one or several notifications (firings that came
 * within a moment of each other: Telegram allows about one message per second per chat). Throws DeliveryError;
 * anything else thrown counts as retryable. The whole batch shares the outcome.
 */
export interface Notifier {
  readonly platform: Notification["origin"]["platform"];
  /** The most notifications one message can carry (the platform's length and embed limits). */
  readonly maxBatch: number;
  /**
   * `options.display`: how the reader wants times shown (their zone, or Discord's `<t:…>`); unset: UTC. Answers
   * where the message went when the platform can edit it later (a chart is put in after it was sent).
   */
  send(batch: NotificationBatch, options?: NotifyOptions): Promise<SentMessage | undefined>;
  /**
   * Puts a one-notification message's chart in after it was sent, or (no picture) says in its footer why there
   * is none. Without this the message waits for its chart and carries it from the start.
   */
  attachChart?(sent: SentMessage, notification: Notification, options: ChartEdit): Promise<void>;
  /** Sends the digest of what was held during a user's quiet hours to one chat, as one message. */
  sendDigest?(chatId: string, digest: Digest): Promise<void>;
  /**
   * A plain message to one person in their DMs (the creator of a community alert that was paused). Throws
   * DeliveryError like `send`.
   */
  tellUser?(platformUserId: string, text: string): Promise<void>;
}

/** A message the bot sent, as the platform names it. */
export interface SentMessage {
  chatId: string;
  messageId: string;
}

/** What `attachChart` edits in: the chart, with the message's own rendering options. */
export type ChartEdit = Omit<NotifyOptions, "chart"> & { chart: ChartOutcome };

/** How one message is rendered for its reader. */
export interface NotifyOptions {
  display?: TimeDisplay;
  /** A one-notification message's chart, or why there is none (the footer says so); unset: charts are off. */
  chart?: ChartOutcome;
}

/**
 * Quiet hours on the delivery path: whether a notification is sent now or held for the user's digest, and how
 * its reader wants times shown (and whether with a chart: `charts` false is `/settings charts off`; unset: on).
 * `hold` resolves once the notification is held durably.
 */
export interface QuietHoursGate {
  decide(
    notification: Notification,
  ): Promise<{ hold: boolean; display: TimeDisplay; timeZone?: string; charts?: boolean }>;
  hold(notification: Notification): Promise<void>;
}

// The delivery log's own words, as the alert service's API defines them: the first record of a triggerId stands.
export type { DeliveryOutcomeRecord, DeliveryState };

/** A record the log would not take, and why (e.g. the alert is gone): there is nothing to retry. */
export interface RefusedRecord {
  triggerId: string;
  code: string;
  message: string;
}

/**
 * What was delivered, kept where every instance and restart of the bot sees it (the alert service), so a
 * notification handed over by an earlier owner of its partition is not sent twice. Asked and written in batches.
 */
export interface DeliveryLog {
  /** The state of each triggerId ("new" if never recorded); every one asked is answered. */
  lookup(triggerIds: readonly string[]): Promise<Map<string, DeliveryState>>;
  /** Records outcomes (the first record of a triggerId stands); answers the ones it refused. */
  record(records: readonly DeliveryOutcomeRecord[]): Promise<RefusedRecord[]>;
}
