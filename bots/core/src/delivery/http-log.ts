import {
  DeliveryRecordSchema,
  DeliveryStateResponseSchema,
  type Notification,
  type RecordDeliveryRequest,
} from "@tickerbell/contracts";
import { ApiError, JsonClient } from "../clients/http.ts";
import type { DeliveryLog, DeliveryState } from "./ports.ts";

export interface HttpDeliveryLogOptions {
  /** The alert service. */
  baseUrl: string;
  /** The bot's own token: it decides which platform's records this log reads and writes. */
  token: string;
  timeoutMs?: number;
}

/**
 * The delivery log kept by the alert service, so it survives bot restarts and is shared by every instance of
 * the bot. A write of a triggerId recorded before changes nothing (the first record stands). Failures throw
 * (ApiError, ServiceUnavailableError), which leaves the message to the bus's retry.
 */
export class HttpDeliveryLog implements DeliveryLog {
  private readonly http: JsonClient;

  constructor(options: HttpDeliveryLogOptions) {
    this.http = new JsonClient({ service: "the alert service", ...options });
  }

  async stateOf(triggerId: string): Promise<DeliveryState> {
    const answer = await this.http.call(
      "GET",
      `/v1/deliveries/${encodeURIComponent(triggerId)}`,
      DeliveryStateResponseSchema,
    );
    return answer.state;
  }

  async markSent(notification: Notification): Promise<void> {
    await this.record(notification.triggerId, { alertId: notification.alertId, status: "sent" });
  }

  async markUndeliverable(notification: Notification, reason: string): Promise<void> {
    await this.record(notification.triggerId, {
      alertId: notification.alertId,
      status: "undeliverable",
      reason,
    });
  }

  private async record(triggerId: string, body: RecordDeliveryRequest): Promise<void> {
    try {
      await this.http.call("PUT", `/v1/deliveries/${encodeURIComponent(triggerId)}`, DeliveryRecordSchema, {
        body,
      });
    } catch (error) {
      // The alert service does not know this alert (gone, or never on this platform): there is nothing to
      // record, and retrying would only hold up the partition behind it.
      if (error instanceof ApiError && error.status === 404) return;
      throw error;
    }
  }
}
