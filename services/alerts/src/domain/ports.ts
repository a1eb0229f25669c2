import type {
  Alert,
  AlertStatus,
  DeliveryRecord,
  DeliveryStatus,
  ExtremeUpdate,
  Platform,
  RecordTriggerResponse,
  UndeliverableNotice,
  User,
  WatchlistItem,
} from "@tickerbell/contracts";
import type { AlertChangeKind, FiringDecision } from "./alert-rules.ts";

/** A change to one alert, decided by the domain; the repository persists it with its outbox row. */
export interface AlertChange {
  alert: Alert;
  change: AlertChangeKind;
}

export interface RecordedFiring {
  triggerId: string;
  alertId: string;
  generation: number;
  price: number;
  firedAt: string;
}

/**
 * Alert storage. Every method that changes an alert writes the alert and its `alerts.changes` outbox row in
 * one transaction, holding the alert's row lock while `decide` runs, so concurrent writers serialise.
 */
export interface AlertRepository {
  /** Inserts unless the user already has `limit` open (active or paused) alerts. */
  createWithinLimit(
    alert: Alert,
    limit: number,
  ): Promise<{ created: true } | { created: false; openCount: number }>;
  findOwned(userId: string, alertId: string): Promise<Alert | null>;
  listOwned(userId: string, filter: { status?: AlertStatus; symbol?: string }): Promise<Alert[]>;
  /** Null when the alert does not exist or is not `ownerId`'s. `decide` returns null for "nothing to write". */
  modifyOwned(
    ownerId: string,
    alertId: string,
    decide: (current: Alert) => AlertChange | null,
  ): Promise<Alert | null>;
  /** Null when the alert does not exist. A triggerId recorded before answers `duplicate` without writing. */
  recordFiring(
    firing: RecordedFiring,
    decide: (current: Alert) => FiringDecision,
  ): Promise<RecordTriggerResponse | null>;
  /** Applies `decide` to every open alert whose expiry is at or before `now`; returns how many changed. */
  expireDue(now: Date, decide: (current: Alert) => AlertChange | null): Promise<number>;
  /** Applies `decide` to every paused alert whose snooze ended at or before `now`; returns how many changed. */
  resumeDue(now: Date, decide: (current: Alert) => AlertChange | null): Promise<number>;
  page(status: AlertStatus, after: string | null, limit: number): Promise<Alert[]>;
  /** The highest outbox `seq` committed so far ("0" when none): every change up to it is visible. */
  committedChangeSeq(): Promise<string>;
  /** Distinct symbols of active alerts and of every watchlist. */
  demandedSymbols(): Promise<string[]>;
  /**
   * Moves trailing extremes outward (max for `down`, min for `up`) on active trailing alerts still on the
   * update's generation; no version bump, no outbox row. Returns how many updates moved an extreme.
   */
  raiseExtremes(updates: ExtremeUpdate[]): Promise<number>;
}

export interface Identity {
  platform: Platform;
  platformUserId: string;
}

export type RedeemOutcome =
  | { kind: "linked"; user: User; movedAlerts: number }
  | { kind: "invalid_code" }
  | { kind: "already_linked"; user: User }
  | { kind: "platform_taken"; platform: Platform };

/** Users, their platform identities, watchlists and link codes. */
export interface UserRepository {
  resolve(
    identity: Identity,
    displayName: string | undefined,
    now: Date,
  ): Promise<{ user: User; created: boolean }>;
  watchlist(userId: string): Promise<WatchlistItem[]>;
  /** Adds what is not there yet; refuses the whole batch if the list would grow beyond `max`. */
  addToWatchlist(
    userId: string,
    symbols: string[],
    max: number,
    now: Date,
  ): Promise<{ ok: true; items: WatchlistItem[] } | { ok: false; size: number }>;
  removeFromWatchlist(userId: string, symbol: string): Promise<boolean>;
  saveLinkCode(userId: string, codeHash: string, createdAt: Date, expiresAt: Date): Promise<void>;
  /** Joins `identity` (and everything of its current user) to the code's owner, consuming the code. */
  redeemLinkCode(codeHash: string, identity: Identity, now: Date): Promise<RedeemOutcome>;
}

export interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  payload: unknown;
  createdAt: Date;
}

/** The drain side of the outbox, for the relay that publishes `alerts.changes`. Run one relay at a time. */
export interface OutboxStore {
  /** Unpublished rows, oldest first. */
  claimBatch(limit: number): Promise<OutboxRow[]>;
  markPublished(ids: string[]): Promise<void>;
}

export interface NewDelivery {
  triggerId: string;
  alertId: string;
  /** The alert's owner. */
  userId: string;
  platform: Platform;
  status: DeliveryStatus;
  reason: string | null;
  recordedAt: Date;
}

/** The delivery log: at most one record per triggerId, and the first write stands. */
export interface DeliveryRepository {
  /** Who owns the alert and where its notifications go; null when there is no such alert. */
  alertTarget(alertId: string): Promise<{ userId: string; platform: Platform } | null>;
  /** The record of `triggerId`, whichever platform wrote it; null when there is none. */
  find(triggerId: string): Promise<DeliveryRecord | null>;
  /** Inserts unless `triggerId` has a record already; answers the record that stands either way. */
  recordFirst(delivery: NewDelivery): Promise<{ record: DeliveryRecord; created: boolean }>;
  /** Owner and platform of each of these alerts that exists. */
  alertTargets(alertIds: string[]): Promise<Map<string, { userId: string; platform: Platform }>>;
  /** The records of these triggerIds that exist, whichever platform wrote them. */
  findMany(triggerIds: string[]): Promise<Map<string, { platform: Platform; status: DeliveryStatus }>>;
  /** Inserts each delivery whose triggerId has no record yet, in one statement; answers the triggerIds inserted. */
  recordAllFirst(deliveries: NewDelivery[]): Promise<Set<string>>;
  /** The user's newest `limit` undeliverable, unacknowledged records (returned oldest first) and their count. */
  unacknowledged(userId: string, limit: number): Promise<{ items: UndeliverableNotice[]; total: number }>;
  /** Acknowledges the user's undeliverable records (only `triggerIds`, or all when null); returns how many. */
  acknowledge(userId: string, triggerIds: string[] | null, now: Date): Promise<number>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
