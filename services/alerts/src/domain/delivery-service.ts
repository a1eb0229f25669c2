import {
  type DeliveryOutcomeRecord,
  type DeliveryRecord,
  type DeliveryState,
  MAX_UNDELIVERABLE_LISTED,
  type Platform,
  type RecordDeliveryRequest,
  type RecordDeliveryResult,
  type UndeliverableList,
} from "@tickerbell/contracts";
import { DomainError } from "./errors.ts";
import type { Clock, DeliveryRepository, NewDelivery } from "./ports.ts";

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

  /** The states of many triggerIds at once; a record written by another platform's bot reads as new. */
  async lookup(platform: Platform, triggerIds: string[]): Promise<Record<string, DeliveryState>> {
    const records = await this.#repository.findMany([...new Set(triggerIds)]);
    const states: Record<string, DeliveryState> = {};
    for (const triggerId of triggerIds) {
      const record = records.get(triggerId);
      states[triggerId] = record && record.platform === platform ? record.status : "new";
    }
    return states;
  }

  /**
   * Records a batch of outcomes with one insert: each record is taken or refused on its own (an alert that does
   * not notify on this platform is refused, the others still go in), and the first write of a triggerId wins,
   * within the batch as across batches. Answers one result per record, in order.
   */
  async recordMany(platform: Platform, records: DeliveryOutcomeRecord[]): Promise<RecordDeliveryResult[]> {
    const targets = await this.#repository.alertTargets([...new Set(records.map((r) => r.alertId))]);
    const now = this.#clock.now();
    const accepted = new Map<string, NewDelivery>();
    for (const record of records) {
      const target = targets.get(record.alertId);
      if (!target || target.platform !== platform || accepted.has(record.triggerId)) continue;
      accepted.set(record.triggerId, {
        triggerId: record.triggerId,
        alertId: record.alertId,
        userId: target.userId,
        platform,
        status: record.status,
        reason: record.status === "undeliverable" ? (record.reason ?? null) : null,
        recordedAt: now,
      });
    }
    const created = await this.#repository.recordAllFirst([...accepted.values()]);
    const standing = await this.#repository.findMany(
      [...accepted.keys()].filter((triggerId) => !created.has(triggerId)),
    );
    const reported = new Set<string>();
    return records.map((record): RecordDeliveryResult => {
      const { triggerId } = record;
      const target = targets.get(record.alertId);
      if (!target || target.platform !== platform) {
        return refused(triggerId, "alert_not_found", `no alert ${record.alertId} notifying on ${platform}`);
      }
      // A triggerId given twice in one batch: the first one was recorded, the second finds it standing.
      if (created.has(triggerId) && !reported.has(triggerId)) {
        reported.add(triggerId);
        return { triggerId, result: "recorded", status: accepted.get(triggerId)!.status };
      }
      const stands = standing.get(triggerId) ?? { platform, status: accepted.get(triggerId)!.status };
      if (stands.platform !== platform) {
        return refused(
          triggerId,
          "delivery_recorded_elsewhere",
          `triggerId ${triggerId} was recorded by another platform's bot`,
        );
      }
      return { triggerId, result: "already_recorded", status: stands.status };
    });
  }

  async undeliverable(userId: string): Promise<UndeliverableList> {
    return this.#repository.unacknowledged(userId, MAX_UNDELIVERABLE_LISTED);
  }

  async acknowledge(userId: string, triggerIds: string[] | null): Promise<number> {
    return this.#repository.acknowledge(userId, triggerIds, this.#clock.now());
  }
}

function refused(triggerId: string, code: string, message: string): RecordDeliveryResult {
  return { triggerId, result: "refused", error: { code, message } };
}
