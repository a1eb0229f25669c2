import { type Logger, PeriodicPass } from "@tickerbell/config";
import { isCommunityDestination, type Notification, type Platform } from "@tickerbell/contracts";
import { DeliveryError, type DeliveryLog, type QuietHoursGate } from "../delivery/ports.ts";
import type { RateLimiter } from "../delivery/rate-limiter.ts";
import { type Digest, formatDigest } from "../format/digest.ts";
import type { TimeDisplay } from "../format/time.ts";
import type { HeldStore, SettingsSource } from "./held-client.ts";
import { displayFor, isQuietAt } from "./quiet-hours.ts";
import { SettingsCache } from "./settings-cache.ts";

// Where firings wait during quiet hours, and why there.
//
// The bot's delivery pipeline decides: it knows the user's settings (cached briefly, refreshed at once when the
// user changes them through this bot's /settings) and, instead of sending, stores the notification in the alert
// service (`held_notifications`, PostgreSQL): nothing held lives only in a bot's memory or in an uncommitted
// Kafka offset, so held firings survive a restart of the bot and of the alert service, and the alert service's
// re-emitter leaves them alone (they are not lost, only waiting). The notification's offset is committed once it
// is held, as for a sent one.
//
// A digest loop in each bot process (its own clock, injectable) asks the alert service which of its platform's
// users have held notifications, with their settings as stored; for each whose quiet hours are over it claims
// them (a lease, so two bot instances never send one user's digest twice), sends ONE message per chat, and
// records every triggerId in the delivery log, which releases them. If the bot dies between the send and that
// write, the lease runs out and the digest goes out again: the same at-least-once window the pipeline has for a
// single notification (one write). A held notification that Kafka redelivers later finds its record in the
// delivery log and is skipped; one redelivered while it is still held is held again (a no-op).

export interface QuietHoursOptions {
  platform: Platform;
  /** The alert service's settings lookup and held notifications. */
  store: SettingsSource & HeldStore;
  /** Where the digest's outcome is recorded (the alert service's delivery log), which releases what it carried. */
  log: DeliveryLog;
  /** Sends a digest to a chat as one message (the platform's notifier). */
  sendDigest: (chatId: string, digest: Digest) => Promise<void>;
  /** The platform's pace (shared with replies and notifications). */
  limiter: RateLimiter;
  logger: Logger;
  /** The clock quiet hours are read on (default: the system's). */
  now?: () => Date;
  /** How often the digest loop looks for users whose quiet hours ended (default 30 s). */
  digestEveryMs?: number;
  /** How long a claimed user's digest is this process's to send (default 120 s). */
  leaseSeconds?: number;
  /** Settings trusted this long (default 60 s). */
  settingsTtlMs?: number;
}

/** Holds asked within this window go in one request, up to HOLD_BATCH. */
const HOLD_WINDOW_MS = 10;
const HOLD_BATCH = 500;

/** Quiet hours for one bot process: the pipeline's gate, the settings cache and the digest loop. */
export class QuietHours implements QuietHoursGate {
  readonly cache: SettingsCache;
  readonly #options: QuietHoursOptions;
  readonly #now: () => Date;
  readonly #digests: PeriodicPass<number>;
  #stopped = false;
  readonly #holds: { notification: Notification; resolve: () => void; reject: (error: unknown) => void }[] =
    [];
  #holdTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: QuietHoursOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
    this.cache = new SettingsCache({
      source: options.store,
      ...(options.settingsTtlMs === undefined ? {} : { ttlMs: options.settingsTtlMs }),
      now: () => this.#now().getTime(),
    });
    this.#digests = new PeriodicPass(() => this.#pass(), {
      intervalMs: options.digestEveryMs ?? 30_000,
      fallback: 0,
      logger: options.logger,
      failure: "quiet-hours digest pass failed; the next pass retries",
    });
  }

  async decide(
    notification: Notification,
  ): Promise<{ hold: boolean; display: TimeDisplay; timeZone: string; charts: boolean }> {
    const settings = await this.cache.get(notification.userId);
    return {
      // A channel's or group's alert is the community's: its creator's quiet hours do not hold it.
      hold:
        !isCommunityDestination(notification.origin) &&
        notification.urgent !== true &&
        isQuietAt(settings, this.#now()),
      display: displayFor(this.#options.platform, settings),
      // A chart's time axis is in the user's zone on every platform.
      timeZone: settings.timeZone ?? "UTC",
      charts: settings.charts,
    };
  }

  /**
   * Holds it durably. Holds asked within a few milliseconds go in one `PUT /v1/held` (a busy night holds many
   * at once): no request per notification.
   */
  hold(notification: Notification): Promise<void> {
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.#holds.push({ notification, resolve, reject });
    if (this.#holds.length >= HOLD_BATCH) this.#flushHolds();
    else this.#holdTimer ??= setTimeout(() => this.#flushHolds(), HOLD_WINDOW_MS);
    return promise;
  }

  #flushHolds(): void {
    clearTimeout(this.#holdTimer);
    this.#holdTimer = undefined;
    const batch = this.#holds.splice(0);
    if (batch.length === 0) return;
    this.#options.store.hold(batch.map((h) => h.notification)).then(
      (refused) => {
        // The alert is gone (or never notified here): nothing to hold, as there would be nothing to send.
        for (const triggerId of refused)
          this.#options.logger.warn({ triggerId }, "alert service refused to hold it");
        for (const h of batch) h.resolve();
      },
      (error: unknown) => {
        for (const h of batch) h.reject(error);
      },
    );
  }

  /** Starts the digest loop (one pass at once, then every `digestEveryMs`). */
  start(): void {
    this.#digests.start();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#digests.stop();
  }

  /** One pass of the digest loop; answers how many digests went out. Never throws (the next pass retries). */
  runOnce(): Promise<number> {
    return this.#digests.runOnce();
  }

  async #pass(): Promise<number> {
    const { store, platform, logger } = this.#options;
    // The copy of the users' settings follows their changes, so delivering asks nothing per notification.
    await this.cache.sync().catch((err: unknown) => {
      logger.warn({ err }, "could not read the users' settings changes; the next pass retries");
    });
    const now = this.#now();
    let sent = 0;
    for (const user of await store.heldUsers()) {
      if (this.#stopped) break;
      if (isQuietAt(user.settings, now)) continue;
      const held = await store.claim(user.userId, this.#options.leaseSeconds ?? 120);
      if (held.length === 0) continue;
      const display = displayFor(platform, user.settings);
      const byChat = new Map<string, Notification[]>();
      for (const n of held) byChat.set(n.origin.chatId, [...(byChat.get(n.origin.chatId) ?? []), n]);
      for (const [chatId, notifications] of byChat) {
        if (await this.#sendDigest(chatId, notifications, display)) sent++;
      }
      logger.info({ userId: user.userId, held: held.length }, "quiet hours over: digest delivered");
    }
    return sent;
  }

  /** Sends one chat's digest and records its outcome; false when it must wait for a later pass. */
  async #sendDigest(chatId: string, notifications: Notification[], display: TimeDisplay): Promise<boolean> {
    const { limiter, logger, log } = this.#options;
    await limiter.acquire(chatId);
    let outcome: { status: "sent" } | { status: "undeliverable"; reason: string };
    try {
      await this.#options.sendDigest(chatId, formatDigest(notifications, display));
      outcome = { status: "sent" };
    } catch (error) {
      if (error instanceof DeliveryError && !error.retryable) {
        outcome = { status: "undeliverable", reason: error.code };
      } else {
        if (error instanceof DeliveryError && error.retryAfterMs !== undefined) {
          limiter.floodWait(error.retryAfterMs, chatId);
        }
        // The lease runs out and a later pass sends it.
        logger.warn({ err: error, chatId }, "digest not sent; a later pass retries");
        return false;
      }
    }
    const records = notifications.map((n) => ({
      triggerId: n.triggerId,
      alertId: n.alertId,
      ...outcome,
    }));
    // Recorded at once and retried a few times: until it is, a lease running out would send it again.
    for (let attempt = 1; ; attempt++) {
      try {
        await log.record(records);
        return outcome.status === "sent";
      } catch (error) {
        if (attempt >= 5 || this.#stopped) {
          logger.error({ err: error, chatId }, "digest sent but not recorded; it may be sent again");
          return outcome.status === "sent";
        }
        await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
      }
    }
  }
}
