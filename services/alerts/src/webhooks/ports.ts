import type { DisabledWebhookNotice, Webhook } from "@tickerbell/contracts";

/** A webhook with what delivering to it needs (the secret never leaves the service otherwise). */
export interface StoredWebhook extends Webhook {
  userId: string;
  secret: string;
}

export interface WebhookDeliveryRecord {
  webhookId: string;
  triggerId: string;
  status: "sent" | "failed";
  attempts: number;
  error: string | null;
}

/** Webhook storage (the alert service's database). */
export interface WebhookRepository {
  /** Inserts unless the user has `max` already; answers whether it was created. */
  create(webhook: StoredWebhook, max: number): Promise<boolean>;
  list(userId: string): Promise<Webhook[]>;
  find(userId: string, id: string): Promise<StoredWebhook | null>;
  remove(userId: string, id: string): Promise<boolean>;
  /** Users with at least one active webhook. */
  activeOwners(): Promise<string[]>;
  /** Deletes delivery records older than `before`; answers how many. */
  purgeDeliveries(before: Date): Promise<number>;
  /** The user's active webhooks, with secrets, for a delivery. */
  activeFor(userId: string): Promise<StoredWebhook[]>;
  /** Whether this webhook has an outcome for the triggerId. */
  delivered(webhookId: string, triggerId: string): Promise<boolean>;
  /** Records the outcome (the first stands) and updates the webhook's failure count; a failure that reaches
   * `disableAfter` in a row disables it. Answers whether this write disabled it. */
  recordOutcome(
    record: WebhookDeliveryRecord,
    at: Date,
    disableAfter: number,
  ): Promise<{ disabled: boolean }>;
  /** A test delivery's result: success re-enables the webhook and clears its failures. */
  recordTest(webhookId: string, ok: boolean, error: string | null, at: Date): Promise<void>;
  untold(userId: string): Promise<DisabledWebhookNotice[]>;
  /** null: every disabled webhook of the user. */
  markTold(userId: string, webhookIds: string[] | null, at: Date): Promise<number>;
}
