// Webhooks as one more notifier in the delivery pipeline: every notifications.<platform> message is read by a
// consumer group of its own and POSTed to each active webhook of its user, with the bots' stages: de-duplicate
// per webhook on triggerId against the webhook delivery log, retry transient failures with backoff, record the
// outcome. A failure that survives its retries is recorded (not re-driven through the bus: a dead receiver must
// not stall a partition or fill the dead-letter topic) and counts towards disabling the webhook.
import type { Bus, Subscription } from "@tickerbell/bus";
import {
  backoffMs,
  type Counter,
  counterIn,
  type Logger,
  type Registry,
  type RetryPolicy,
} from "@tickerbell/config";
import type { Notification, TOPIC_CATALOG } from "@tickerbell/contracts";
import type { Clock } from "../domain/ports.ts";
import type { WebhookOwners } from "./owners.ts";
import { firingPayload } from "./payload.ts";
import type { StoredWebhook, WebhookRepository } from "./ports.ts";
import { WebhookDeliveryError, type WebhookSender } from "./sender.ts";

export const WEBHOOK_CONSUMER_GROUP = "alerts-webhooks";
const NOTIFICATION_TOPICS = [
  "notifications.discord",
  "notifications.telegram",
  "notifications.console",
] as const;

/** Attempts per delivery (the first included) and their backoff. */
export type WebhookRetry = RetryPolicy;

export const DEFAULT_WEBHOOK_RETRY: WebhookRetry = { attempts: 5, baseDelayMs: 1_000, maxDelayMs: 60_000 };
/** Deliveries in a row that failed (after their retries) before a webhook is disabled. */
export const DEFAULT_DISABLE_AFTER = 5;

export interface WebhookDelivererOptions {
  bus: Bus<typeof TOPIC_CATALOG>;
  repository: WebhookRepository;
  sender: WebhookSender;
  clock: Clock;
  /** Who has an active webhook (without it, every notification asks the database). */
  owners?: WebhookOwners;
  logger: Logger;
  metrics?: Registry;
  groupId?: string;
  retry?: WebhookRetry;
  disableAfter?: number;
}

export type WebhookOutcome = "sent" | "failed" | "duplicate" | "disabled";

export class WebhookDeliverer {
  readonly #options: WebhookDelivererOptions;
  readonly #retry: WebhookRetry;
  readonly #disableAfter: number;
  readonly #deliveries: Counter<"outcome">;
  /** Deliveries under way, per `<webhookId>:<triggerId>`: a redelivery meanwhile waits for the first. */
  readonly #inFlight = new Map<string, Promise<WebhookOutcome>>();
  readonly #stopping = new AbortController();
  #subscription: Subscription | undefined;

  constructor(options: WebhookDelivererOptions) {
    this.#options = options;
    this.#retry = options.retry ?? DEFAULT_WEBHOOK_RETRY;
    this.#disableAfter = options.disableAfter ?? DEFAULT_DISABLE_AFTER;
    this.#deliveries = counterIn(options.metrics, {
      name: "tickerbell_webhook_deliveries_total",
      help: "Webhook deliveries by outcome (sent, failed after retries, duplicate, disabled)",
      labelNames: ["outcome"],
    });
  }

  async start(): Promise<void> {
    if (this.#subscription) return;
    this.#options.owners?.start((err) =>
      this.#options.logger.warn({ err }, "could not refresh who has webhooks; keeping the last answer"),
    );
    this.#subscription = await this.#options.bus.subscribe({
      groupId: this.#options.groupId ?? WEBHOOK_CONSUMER_GROUP,
      topics: NOTIFICATION_TOPICS,
      // Webhooks exist from now on: firings published before this group first started are not theirs.
      fromBeginning: false,
      // One slow receiver must not hold up the other users of its partition.
      maxInFlight: 200,
      // Only the database can make a message fail here (a receiver's failure is recorded): retry it for a while.
      retry: { attempts: 25, baseDelayMs: 200, maxDelayMs: 30_000 },
      handler: async (message) => {
        await this.deliver(message.value);
      },
    });
  }

  /** Delivers one notification to every active webhook of its user; resolves once every outcome is recorded. */
  async deliver(notification: Notification): Promise<WebhookOutcome[]> {
    const { owners } = this.#options;
    if (owners && !(await owners.has(notification.userId))) return [];
    const webhooks = await this.#options.repository.activeFor(notification.userId);
    return Promise.all(webhooks.map((webhook) => this.#deliverOnce(webhook, notification)));
  }

  async #deliverOnce(webhook: StoredWebhook, notification: Notification): Promise<WebhookOutcome> {
    const key = `${webhook.id}:${notification.triggerId}`;
    const running = this.#inFlight.get(key);
    if (running) return running.then(() => "duplicate");
    const delivery = this.#deliverTo(webhook, notification).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, delivery);
    return delivery;
  }

  async #deliverTo(webhook: StoredWebhook, notification: Notification): Promise<WebhookOutcome> {
    const { repository, sender, clock } = this.#options;
    const { triggerId } = notification;
    const logger = this.#options.logger.child({
      webhookId: webhook.id,
      triggerId,
      alertId: notification.alertId,
    });
    if (await repository.delivered(webhook.id, triggerId)) {
      this.#deliveries.inc({ outcome: "duplicate" });
      return "duplicate";
    }
    let failure: WebhookDeliveryError | undefined;
    let attempt = 0;
    while (attempt < this.#retry.attempts) {
      attempt++;
      this.#throwIfStopping(triggerId);
      const payload = firingPayload(webhook.id, notification, clock.now());
      try {
        await sender.send({
          url: webhook.url,
          secret: webhook.secret,
          body: JSON.stringify(payload),
          event: payload.type,
          deliveryId: payload.id,
        });
        failure = undefined;
        break;
      } catch (error) {
        failure =
          error instanceof WebhookDeliveryError
            ? error
            : new WebhookDeliveryError((error as Error).message, {
                retryable: true,
                code: "unknown",
                cause: error,
              });
        if (!failure.retryable || attempt >= this.#retry.attempts) break;
        const delay = Math.min(
          this.#retry.maxDelayMs,
          failure.retryAfterMs ?? backoffMs(this.#retry, attempt),
        );
        logger.warn(
          { attempt, code: failure.code, delayMs: Math.round(delay) },
          "webhook delivery failed, retrying",
        );
        await this.#sleep(delay);
      }
    }
    const at = clock.now();
    if (failure === undefined) {
      await repository.recordOutcome(
        { webhookId: webhook.id, triggerId, status: "sent", attempts: attempt, error: null },
        at,
        this.#disableAfter,
      );
      logger.info({ attempts: attempt }, "webhook delivered");
      this.#deliveries.inc({ outcome: "sent" });
      return "sent";
    }
    const { disabled } = await repository.recordOutcome(
      {
        webhookId: webhook.id,
        triggerId,
        status: "failed",
        attempts: attempt,
        error: `${failure.code}: ${failure.message}`.slice(0, 300),
      },
      at,
      this.#disableAfter,
    );
    logger.warn({ attempts: attempt, code: failure.code }, "webhook delivery failed");
    this.#deliveries.inc({ outcome: "failed" });
    if (disabled) {
      logger.warn({ userId: webhook.userId }, "webhook disabled after repeated failures");
      this.#deliveries.inc({ outcome: "disabled" });
      return "disabled";
    }
    return "failed";
  }

  #throwIfStopping(triggerId: string): void {
    // Stopping mid-retry leaves the message uncommitted: the next start delivers it again.
    if (this.#stopping.signal.aborted) throw new Error(`delivering ${triggerId} to a webhook: stopping`);
  }

  #sleep(ms: number): Promise<void> {
    const { signal } = this.#stopping;
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", wake);
        resolve();
      }, ms);
      signal.addEventListener("abort", wake, { once: true });
    });
  }

  /** Resolves once every notification published so far is handled (see Subscription.caughtUp). */
  async caughtUp(): Promise<void> {
    await this.#subscription?.caughtUp();
  }

  /** Cuts retry waits short, finishes what is in flight, commits, leaves the group. */
  async stop(): Promise<void> {
    this.#options.owners?.stop();
    this.#stopping.abort();
    const subscription = this.#subscription;
    this.#subscription = undefined;
    await subscription?.stop();
  }
}
