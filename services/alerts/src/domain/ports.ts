import type {
  Alert,
  AlertListStatus,
  AlertStatus,
  DeliveryRecord,
  DeliveryStatus,
  Firing,
  Notification,
  Platform,
  RuntimeTopicEvent,
  UndeliverableNotice,
  User,
  WatchlistItem,
  WindowHistory,
} from "@tickerbell/contracts";
import type { AlertChangeKind } from "./alert-rules.ts";
import type { DemandAlertRecord } from "./demand.ts";
import type { ListPosition } from "./list-cursor.ts";

/** A change to one alert, decided by the domain; the repository persists it with its outbox row. */
export interface AlertChange {
  alert: Alert;
  change: AlertChangeKind;
}

/** One chat a notification is posted in: a Discord channel, a Telegram group, or a DM. */
export interface Destination {
  platform: Platform;
  chatId: string;
}

/**
 * Which alerts a call may reach: the user's own, and, with `destination` (a bot vouches that the user may manage
 * that chat's alerts), every community alert posted there, whoever created it. DM alerts stay their owner's.
 */
export interface AlertScope {
  userId: string;
  destination: Destination | null;
}

/** A destination's alert paused for it, with who created it (to tell them). */
export interface DestinationPause {
  alert: Alert;
  /** The creator's user id on the destination's platform, or null when they have no identity there. */
  creatorPlatformUserId: string | null;
}

/** Which of a user's alerts to list: one status, or `open` (active and paused); one symbol. */
export interface AlertListFilter {
  status?: AlertListStatus;
  symbol?: string;
}

/**
 * Alert storage. Every method that changes an alert writes the alert and its `alerts.changes` outbox row in
 * one transaction, holding the alert's row lock while `decide` runs, so concurrent writers serialise.
 */
export type CreateOutcome =
  | { created: true }
  | { created: false; openCount: number }
  | { created: false; communityOpenCount: number }
  | { created: false; duplicateOf: string };

/** The caps a create is checked against: the creator's open alerts, and its community's (community alerts only). */
export interface OpenAlertLimits {
  perUser: number;
  perCommunity: number;
}

export interface AlertRepository {
  /**
   * Inserts unless the user already has `limits.perUser` open (active or paused) alerts, or an open alert on the
   * same symbol with the same condition and levels (`duplicateOf` names it), or, for a community destination, the
   * community already has `limits.perCommunity` open alerts (any owner's). Checked in the insert's transaction.
   */
  createWithinLimit(alert: Alert, limits: OpenAlertLimits): Promise<CreateOutcome>;
  /** The alert when `scope` reaches it. */
  findOwned(scope: AlertScope, alertId: string): Promise<Alert | null>;
  /**
   * Up to `limit` alerts matching `filter` in (createdAt, id) order, after `after` when given: the user's own, or
   * with `{ destination }` the community alerts posted in that chat (any owner's).
   */
  listOwned(
    owner: string | { destination: Destination },
    filter: AlertListFilter,
    after: ListPosition | null,
    limit: number,
  ): Promise<Alert[]>;
  /** Null when the alert does not exist or `scope` does not reach it. `decide` returns null for "nothing to write". */
  modifyOwned(
    scope: AlertScope,
    alertId: string,
    decide: (current: Alert) => AlertChange | null,
  ): Promise<Alert | null>;
  /**
   * modifyOwned for a change that may make the alert the twin of another of the owner's open alerts (an edited
   * condition): under the owner's lock, the one a create takes, a decided change whose levels changed is refused
   * when another open alert of the owner has the same symbol, condition and levels (`duplicateOf` names it; nothing
   * is written).
   */
  reviseOwned(
    scope: AlertScope,
    alertId: string,
    decide: (current: Alert) => AlertChange | null,
  ): Promise<{ alert: Alert } | { duplicateOf: string } | null>;
  /**
   * Applies `decide` to each of these alerts of the owner, in one transaction (one outbox row per change). Ids that
   * are not the owner's are left out of `found`; `decide` null means that one stays as it is.
   */
  modifyManyOwned(
    scope: AlertScope,
    alertIds: readonly string[],
    decide: (current: Alert) => AlertChange | null,
  ): Promise<{ found: Array<{ before: Alert; after: Alert | null }> }>;
  /**
   * Pauses (through `decide`) every active community alert posted in `destination`, in one transaction with one
   * change event each; answers those paused with their creators' user ids on the destination's platform.
   */
  pauseDestination(
    destination: Destination,
    decide: (current: Alert) => AlertChange | null,
  ): Promise<DestinationPause[]>;
  /**
   * Moves every community alert posted in `from` to the chat `to` on the same platform (a Telegram group that
   * became a supergroup): open ones through `decide` (one change event each), finished ones as they are. Answers
   * the open alerts moved.
   */
  moveDestination(
    from: Destination,
    toChatId: string,
    decide: (current: Alert) => AlertChange | null,
  ): Promise<Alert[]>;
  /** Applies `decide` to every open alert whose expiry is at or before `now`; returns how many changed. */
  expireDue(now: Date, decide: (current: Alert) => AlertChange | null): Promise<number>;
  /** Applies `decide` to every paused alert whose snooze ended at or before `now`; returns how many changed. */
  resumeDue(now: Date, decide: (current: Alert) => AlertChange | null): Promise<number>;
  /**
   * Deletes finished alerts (triggered, expired, cancelled) last changed before `changedBefore`, with their
   * firings and delivery records, a bounded batch per statement; returns how many alerts went. No change event:
   * consumers dropped finished alerts when they finished.
   */
  purgeFinished(changedBefore: Date): Promise<number>;
  /**
   * Deletes firings (of any alert, open ones included) fired before `firedBefore`, with their delivery records,
   * in batches; answers how many firings went.
   */
  purgeFirings(firedBefore: Date): Promise<number>;
  /** Deletes outbox rows published before `publishedBefore` (Kafka has them), in batches; answers how many. */
  prunePublishedOutbox(publishedBefore: Date): Promise<number>;
  /** The user's most recent firings (of any of their alerts, finished ones included), newest first. */
  recentFirings(userId: string, symbol: string | null, limit: number): Promise<Firing[]>;
  page(status: AlertStatus, after: string | null, limit: number): Promise<Alert[]>;
  /**
   * Each symbol's highest committed alerts.changes `seq` (symbols without a change are absent): every change
   * of a symbol up to its seq is visible to a read that starts after this one.
   */
  changeSeqs(): Promise<Record<string, string>>;
  /**
   * Active alerts' demand fields (those that need prices: not earnings alerts) and watched symbols: of every
   * symbol, or of `symbols` only.
   */
  demandRecords(
    symbols?: readonly string[] | null,
  ): Promise<{ alerts: DemandAlertRecord[]; watchedSymbols: string[] }>;
  /**
   * Of every active alert that needs prices, the `limit` after `after` in (symbol, id) order; `next` continues
   * from the page's last (null after the last page).
   */
  demandPage(
    after: DemandPageKey | null,
    limit: number,
  ): Promise<{ alerts: DemandAlertRecord[]; next: DemandPageKey | null }>;
  /** The distinct symbols of every watchlist. */
  watchedSymbols(): Promise<string[]>;
}

/** Where a page of the whole demand snapshot ends: its last alert's symbol and id. */
export interface DemandPageKey {
  symbol: string;
  id: string;
}

export interface Identity {
  platform: Platform;
  platformUserId: string;
}

export type RedeemOutcome =
  | { kind: "linked"; user: User; movedAlerts: number }
  | { kind: "invalid_code" }
  /** The code is the redeemer's own user's: nothing to link. */
  | { kind: "own_code" }
  /** Joined, the user would hold more than a cap allows: nothing was changed. */
  | { kind: "over_limit"; what: "alerts" | "watchlist"; total: number; limit: number }
  | { kind: "platform_taken"; platform: Platform };

/** Users, their platform identities, watchlists and link codes. */
export interface UserRepository {
  /** The user of `identity`, or null before its first contact (one lookup, for every bot request). */
  findUserId(identity: Identity): Promise<string | null>;
  /** First contact: a new user with `identity`, or the user another request registered it for meanwhile. */
  register(
    identity: Identity,
    displayName: string | null | undefined,
    now: Date,
  ): Promise<{ userId: string; created: boolean }>;
  resolve(
    identity: Identity,
    displayName: string | null | undefined,
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
  redeemLinkCode(
    codeHash: string,
    identity: Identity,
    now: Date,
    limits: { openAlerts: number; watchlist: number },
  ): Promise<RedeemOutcome>;
}

export interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  payload: unknown;
  createdAt: Date;
}

/** The drain side of the outbox, for the relay that publishes `alerts.changes`. */
export interface OutboxStore {
  /**
   * One batch under the relay lease, which at most one relay of the database holds at a time: hands the oldest
   * unpublished rows (at most `limit`, in id order) to `publish` and marks them published once it resolved, all
   * in one transaction that holds the lease. Answers how many rows were relayed, or null when another relay
   * holds the lease. When `publish` throws, the rows stay unpublished.
   */
  relayBatch(limit: number, publish: (rows: OutboxRow[]) => Promise<void>): Promise<number | null>;
  /** Unpublished rows, oldest first (read only: for tests and operators). */
  pending(limit: number): Promise<OutboxRow[]>;
  /** How many rows are unpublished and when the oldest of them was written (null: none), for /metrics. */
  backlog(): Promise<{ rows: number; oldestCreatedAt: Date | null }>;
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

/** One alerts.runtime event with where it sits in its partition. */
export interface RuntimeRecord {
  event: RuntimeTopicEvent;
  partition: number;
  offset: bigint;
}

export interface AppliedRuntime {
  states: number;
  firings: number;
  /** One-shot alerts that became triggered. */
  finished: number;
  /** Events already applied (replays) or for alerts that no longer exist. */
  skipped: number;
  /** Symbols' window histories stored. */
  histories: number;
}

/** Where the matcher's runtime state and firings are kept (the alert service stores, the matcher decides). */
export interface RuntimeRepository {
  /**
   * Applies a batch in one transaction, in the order given: per alert only events newer (by offset) than the
   * last applied, firings recorded once per triggerId, one-shot firings end their alert (with an
   * alerts.changes event), and the partitions' progress is recorded with them.
   */
  applyBatch(records: readonly RuntimeRecord[], now: Date): Promise<AppliedRuntime>;
  /**
   * Forgets every stream position (alerts' `stateAsOfTick`, the applied runtime offsets) and keeps the states:
   * for a bus whose offsets start over (the standalone's in-memory bus), where nothing can be replayed.
   */
  forgetStreamPositions(): Promise<void>;
  /** Per partition, the offset the next unapplied alerts.runtime event has. */
  appliedOffsets(): Promise<Map<number, bigint>>;
  /** Every symbol's latest window history (symbols without window alerts have none). */
  windowHistories(): Promise<Record<string, WindowHistory>>;
  /**
   * Firings recorded before `recordedBefore` that no bot reported an outcome for, not sent again since
   * `retryBefore`: claimed (marked re-emitted now) and returned as their notifications.
   */
  claimUndelivered(
    recordedBefore: Date,
    retryBefore: Date,
    limit: number,
    now: Date,
  ): Promise<Notification[]>;
}
