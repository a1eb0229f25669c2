import {
  type DeliveryRecord,
  type DeliveryState,
  MAX_UNDELIVERABLE_LISTED,
  type Platform,
  type RecordDeliveryRequest,
  type UndeliverableList,
} from "@tickerbell/contracts";
import { DomainError } from "./errors.ts";
import type { Clock, DeliveryRepository } from "./ports.ts";

export interface DeliveryServiceOptions {
  repository: DeliveryRepository;
  clock: Clock;
}

/**
 * The delivery log the bots de-duplicate against. Each bot sees only its own platform's records, and may
 * record only notifications of alerts that notify on its platform.
 */
export class DeliveryService {
  readonly #repository: DeliveryRepository;
  readonly #clock: Clock;

  constructor(options: DeliveryServiceOptions) {
    this.#repository = options.repository;
    this.#clock = options.clock;
  }

  async stateOf(platform: Platform, triggerId: string): Promise<DeliveryState> {
    const record = await this.#repository.find(triggerId);
    return record && record.platform === platform ? record.status : "new";
  }

  /** Idempotent: the first record of a triggerId stands, and a later write answers it unchanged. */
  async record(
    platform: Platform,
    triggerId: string,
    request: RecordDeliveryRequest,
  ): Promise<{ record: DeliveryRecord; created: boolean }> {
    if (!triggerId.startsWith(`${request.alertId}:`)) {
      throw new DomainError(
        "invalid",
        "trigger_alert_mismatch",
        `triggerId ${triggerId} does not belong to alert ${request.alertId}`,
        { triggerId, alertId: request.alertId },
      );
    }
    // An alert that notifies on another platform is not this bot's to record: as invisible as a missing one.
    const target = await this.#repository.alertTarget(request.alertId);
    if (!target || target.platform !== platform) {
      throw new DomainError(
        "not_found",
        "alert_not_found",
        `no alert ${request.alertId} notifying on ${platform}`,
      );
    }
    const result = await this.#repository.recordFirst({
      triggerId,
      alertId: request.alertId,
      userId: target.userId,
      platform,
      status: request.status,
      reason: request.status === "undeliverable" ? (request.reason ?? null) : null,
      recordedAt: this.#clock.now(),
    });
    if (result.record.platform !== platform) {
      throw new DomainError(
        "conflict",
        "delivery_recorded_elsewhere",
        `triggerId ${triggerId} was recorded by another platform's bot`,
      );
    }
    return result;
  }

  async undeliverable(userId: string): Promise<UndeliverableList> {
    return this.#repository.unacknowledged(userId, MAX_UNDELIVERABLE_LISTED);
  }

  async acknowledge(userId: string, triggerIds: string[] | null): Promise<number> {
    return this.#repository.acknowledge(userId, triggerIds, this.#clock.now());
  }
}
