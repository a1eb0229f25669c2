import type { Notification, WebhookPayload } from "@tickerbell/contracts";
import { WEBHOOK_PAYLOAD_VERSION } from "@tickerbell/contracts";

/** The versioned JSON a webhook receives for a firing (see WebhookPayloadSchema and the README). */
export function firingPayload(webhookId: string, n: Notification, sentAt: Date): WebhookPayload {
  return {
    v: WEBHOOK_PAYLOAD_VERSION,
    type: n.type === "expired" ? "alert.expired" : "alert.triggered",
    id: `${webhookId}:${n.triggerId}`,
    webhookId,
    sentAt: sentAt.toISOString(),
    alert: {
      id: n.alertId,
      symbol: n.symbol,
      condition: n.condition,
      note: n.note,
      repeating: n.repeating,
      urgent: n.urgent === true,
      platform: n.origin.platform,
    },
    firing: {
      triggerId: n.triggerId,
      generation: n.generation,
      price: n.price,
      firedAt: n.firedAt,
      referencePrice: n.referencePrice,
      referenceKind: n.referenceKind ?? null,
      moveAbs: n.moveAbs,
      movePercent: n.movePercent,
      level: n.level ?? null,
      side: n.side ?? null,
      lastPrice: n.lastPrice ?? null,
      extreme: n.extreme ?? null,
      rearm: n.rearm ?? null,
    },
  };
}

/** What `/webhook test` sends: no alert, no firing. */
export function testPayload(webhookId: string, sentAt: Date): WebhookPayload {
  return {
    v: WEBHOOK_PAYLOAD_VERSION,
    type: "webhook.test",
    id: `${webhookId}:test:${sentAt.getTime()}`,
    webhookId,
    sentAt: sentAt.toISOString(),
    alert: null,
    firing: null,
  };
}
