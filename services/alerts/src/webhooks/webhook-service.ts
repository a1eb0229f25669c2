import { randomBytes, randomUUID } from "node:crypto";
import {
  type CreatedWebhook,
  type DisabledWebhookNotice,
  MAX_WEBHOOKS_PER_USER,
  type Webhook,
  type WebhookTestResult,
} from "@tickerbell/contracts";
import { DomainError } from "../domain/errors.ts";
import type { Clock } from "../domain/ports.ts";
import { testPayload } from "./payload.ts";
import type { WebhookRepository } from "./ports.ts";
import { WebhookDeliveryError, type WebhookSender } from "./sender.ts";

export interface WebhookServiceOptions {
  repository: WebhookRepository;
  sender: WebhookSender;
  clock: Clock;
  maxPerUser?: number;
  /** Told when a user has an active webhook (again): the deliverer's copy of who does. */
  onActive?: (userId: string) => void;
}

/** A test delivery answers a chat command that waits for it (the bots give up on the service after 5 s). */
const TEST_TIMEOUT_MS = 3_000;

const notFound = (id: string) =>
  new DomainError("not_found", "webhook_not_found", `no webhook ${id} for this user`);

/** Each user's webhooks: add (refusing addresses inside the operator's network), list, remove, test. */
export class WebhookService {
  readonly #repository: WebhookRepository;
  readonly #sender: WebhookSender;
  readonly #clock: Clock;
  readonly #max: number;
  readonly #onActive: (userId: string) => void;

  constructor(options: WebhookServiceOptions) {
    this.#repository = options.repository;
    this.#sender = options.sender;
    this.#clock = options.clock;
    this.#max = options.maxPerUser ?? MAX_WEBHOOKS_PER_USER;
    this.#onActive = options.onActive ?? (() => {});
  }

  async create(userId: string, url: string): Promise<CreatedWebhook> {
    try {
      await this.#sender.check(url);
    } catch (error) {
      if (error instanceof WebhookDeliveryError)
        throw new DomainError("invalid", error.code, `${error.message}`, { url });
      throw error;
    }
    const now = this.#clock.now();
    // Shown once; "whsec_" tells it apart from other tokens, and hex survives every chat's markdown.
    const secret = `whsec_${randomBytes(32).toString("hex")}`;
    const webhook: Webhook = {
      id: randomUUID(),
      url,
      status: "active",
      createdAt: now.toISOString(),
      consecutiveFailures: 0,
      lastDeliveryAt: null,
      lastError: null,
      disabledAt: null,
    };
    const created = await this.#repository.create({ ...webhook, userId, secret }, this.#max);
    if (!created) {
      throw new DomainError(
        "conflict",
        "webhook_limit_reached",
        `you have ${this.#max} webhooks already, the most allowed; remove one first`,
        { limit: this.#max },
      );
    }
    this.#onActive(userId);
    return { webhook, secret };
  }

  list(userId: string): Promise<Webhook[]> {
    return this.#repository.list(userId);
  }

  async remove(userId: string, id: string): Promise<void> {
    if (!(await this.#repository.remove(userId, id))) throw notFound(id);
  }

  /** Sends a `webhook.test` delivery at once, no retries; success re-enables a disabled webhook. */
  async test(userId: string, id: string): Promise<WebhookTestResult> {
    const stored = await this.#repository.find(userId, id);
    if (!stored) throw notFound(id);
    const now = this.#clock.now();
    const payload = testPayload(stored.id, now);
    let result: { ok: boolean; status: number | null; error: string | null };
    try {
      const status = await this.#sender.send(
        {
          url: stored.url,
          secret: stored.secret,
          body: JSON.stringify(payload),
          event: payload.type,
          deliveryId: payload.id,
        },
        TEST_TIMEOUT_MS,
      );
      result = { ok: true, status, error: null };
    } catch (error) {
      if (!(error instanceof WebhookDeliveryError)) throw error;
      result = { ok: false, status: error.status, error: `${error.code}: ${error.message}` };
    }
    await this.#repository.recordTest(stored.id, result.ok, result.error, now);
    if (result.ok) this.#onActive(userId);
    const webhook = await this.#repository.find(userId, id);
    if (!webhook) throw notFound(id);
    const { userId: _owner, secret: _secret, ...shown } = webhook;
    return { ...result, webhook: shown };
  }

  untold(userId: string): Promise<DisabledWebhookNotice[]> {
    return this.#repository.untold(userId);
  }

  markTold(userId: string, webhookIds: string[] | null): Promise<number> {
    return this.#repository.markTold(userId, webhookIds, this.#clock.now());
  }
}
