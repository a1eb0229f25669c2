import { randomUUID } from "node:crypto";
import type {
  Alert,
  AlertStatus,
  CreateAlertCommand,
  ExtremeUpdate,
  Platform,
  RecordTriggerRequest,
  RecordTriggerResponse,
} from "@tickerbell/contracts";
import {
  type AlertUpdate,
  applyFiring,
  applyUpdate,
  cancel,
  checkExpiry,
  expire,
  parseTriggerId,
  planAlert,
  resumeSnoozed,
} from "./alert-rules.ts";
import { alertNotFound, DomainError } from "./errors.ts";
import type { AlertRepository, Clock } from "./ports.ts";

export interface AlertServiceOptions {
  repository: AlertRepository;
  clock: Clock;
  maxOpenAlertsPerUser: number;
}

/** The alert use cases: the rules live in alert-rules.ts, storage behind AlertRepository. */
export class AlertService {
  readonly #repository: AlertRepository;
  readonly #clock: Clock;
  readonly #maxOpen: number;

  constructor(options: AlertServiceOptions) {
    this.#repository = options.repository;
    this.#clock = options.clock;
    this.#maxOpen = options.maxOpenAlertsPerUser;
  }

  async create(userId: string, callerPlatform: Platform, command: CreateAlertCommand): Promise<Alert> {
    if (command.origin.platform !== callerPlatform) {
      throw new DomainError(
        "forbidden",
        "platform_mismatch",
        `a ${callerPlatform} bot can only create alerts that notify on ${callerPlatform}`,
      );
    }
    const now = this.#clock.now();
    checkExpiry(command.expiresAt, now);
    const baseline = planAlert(command);
    const alert: Alert = {
      id: randomUUID(),
      userId,
      symbol: command.symbol,
      condition: command.condition,
      referencePrice: baseline.referencePrice,
      thresholds: baseline.thresholds,
      extreme: baseline.extreme,
      status: "active",
      generation: 0,
      version: 1,
      resumeAt: null,
      repeat: command.repeat,
      expiresAt: command.expiresAt === null ? null : new Date(command.expiresAt).toISOString(),
      note: command.note,
      regularHoursOnly: command.regularHoursOnly,
      origin: command.origin,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      lastTriggeredAt: null,
      lastTriggerPrice: null,
      phase: "armed",
      stateAsOfTick: null,
    };
    const result = await this.#repository.createWithinLimit(alert, this.#maxOpen);
    if (!result.created) {
      throw new DomainError(
        "conflict",
        "alert_limit_reached",
        `you already have ${result.openCount} active or paused alerts, the most allowed is ${this.#maxOpen}; cancel one first`,
        { limit: this.#maxOpen, openCount: result.openCount },
      );
    }
    return alert;
  }

  list(userId: string, filter: { status?: AlertStatus; symbol?: string }): Promise<Alert[]> {
    return this.#repository.listOwned(userId, filter);
  }

  async get(userId: string, alertId: string): Promise<Alert> {
    const alert = await this.#repository.findOwned(userId, alertId);
    if (!alert) throw alertNotFound(alertId);
    return alert;
  }

  async update(userId: string, alertId: string, update: AlertUpdate): Promise<Alert> {
    const now = this.#clock.now();
    const alert = await this.#repository.modifyOwned(userId, alertId, (current) =>
      applyUpdate(current, update, now),
    );
    if (!alert) throw alertNotFound(alertId);
    return alert;
  }

  async cancel(userId: string, alertId: string): Promise<Alert> {
    const now = this.#clock.now();
    const alert = await this.#repository.modifyOwned(userId, alertId, (current) => cancel(current, now));
    if (!alert) throw alertNotFound(alertId);
    return alert;
  }

  async recordTrigger(request: RecordTriggerRequest): Promise<RecordTriggerResponse> {
    const { alertId, generation } = parseTriggerId(request.triggerId);
    const now = this.#clock.now();
    const result = await this.#repository.recordFiring(
      { triggerId: request.triggerId, alertId, generation, price: request.price, firedAt: request.firedAt },
      (current) => applyFiring(current, { generation, price: request.price, firedAt: request.firedAt }, now),
    );
    if (!result) throw new DomainError("not_found", "alert_not_found", `no alert ${alertId}`);
    return result;
  }

  /** Marks every open alert past its expiry as expired; main.ts runs this on an interval. */
  expireDue(now: Date = this.#clock.now()): Promise<number> {
    return this.#repository.expireDue(now, (current) => expire(current, now));
  }

  /** Resumes snoozed alerts whose snooze is over (run on an interval, like expireDue). */
  resumeDue(now: Date = this.#clock.now()): Promise<number> {
    return this.#repository.resumeDue(now, (current) => resumeSnoozed(current, now));
  }

  async page(status: AlertStatus, after: string | null, limit: number) {
    // Read before the rows: the page then reflects every change up to asOfSeq (see InternalAlertPageSchema).
    const asOfSeq = await this.#repository.committedChangeSeq();
    const alerts = await this.#repository.page(status, after, limit);
    const last = alerts.at(-1);
    return { alerts, nextAfter: alerts.length === limit && last ? last.id : null, asOfSeq };
  }

  /** Persists trailing peaks and troughs reported by the matcher (see AlertRepository.raiseExtremes). */
  raiseExtremes(updates: ExtremeUpdate[]): Promise<number> {
    return this.#repository.raiseExtremes(updates);
  }

  demand(): Promise<string[]> {
    return this.#repository.demandedSymbols();
  }
}
