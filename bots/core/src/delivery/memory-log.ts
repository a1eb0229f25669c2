import type { Notification } from "@tickerbell/contracts";
import type { DeliveryLog, DeliveryState } from "./ports.ts";

/** A delivery log in memory, for the console chat and tests; it forgets on restart. */
export class InMemoryDeliveryLog implements DeliveryLog {
  readonly states = new Map<string, DeliveryState>();
  async stateOf(triggerId: string): Promise<DeliveryState> {
    return this.states.get(triggerId) ?? "new";
  }
  async markSent(notification: Notification): Promise<void> {
    this.states.set(notification.triggerId, "sent");
  }
  async markUndeliverable(notification: Notification): Promise<void> {
    this.states.set(notification.triggerId, "undeliverable");
  }
}
