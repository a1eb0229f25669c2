import { randomUUID } from "node:crypto";
import { partitionForKey } from "@tickerbell/bus";
import {
  type Alert,
  type AlertStatus,
  type CreateAlertCommand,
  type Demand,
  destinationKindOf,
  type Firing,
  isCommunityDestination,
  type Platform,
} from "@tickerbell/contracts";
import {
  type AlertUpdate,
  applyUpdate,
  cancel,
  checkEarnings,
  checkExpiry,
  checkRegularHours,
  expire,
  extremeSinceOf,
  isOpen,
  planAlert,
  resumeSnoozed,
} from "./alert-rules.ts";
import { DemandTally, demandOf } from "./demand.ts";
import { alertNotFound, DomainError } from "./errors.ts";
import { decodeListCursor, encodeListCursor } from "./list-cursor.ts";
import type {
  AlertListFilter,
  AlertRepository,
  AlertScope,
  Clock,
  DemandPageKey,
  Destination,
  DestinationPause,
} from "./ports.ts";

/** The one default of ALERTS_HISTORY_DAYS, in every mode. */
export const DEFAULT_ALERT_HISTORY_DAYS = 90;
export const MAX_ALERT_HISTORY_DAYS = 3650;
/** The one default of ALERTS_MAX_ACTIVE_PER_COMMUNITY, in every mode. */
export const DEFAULT_MAX_OPEN_ALERTS_PER_COMMUNITY = 100;
const DAY_MS = 24 * 3600 * 1000;

export interface AlertServiceOptions {
  repository: AlertRepository;
  clock: Clock;
  maxOpenAlertsPerUser: number;
  /** Open alerts one Discord server or Telegram group may have, whoever created them (ALERTS_MAX_ACTIVE_PER_COMMUNITY). */
  maxOpenAlertsPerCommunity: number;
  /** How long finished alerts stay listed as history, counted from their last change (ALERTS_HISTORY_DAYS). */
  historyDays: number;
  /** Alerts read per page of the whole demand snapshot (default DEMAND_PAGE_ALERTS). */
  demandPageAlerts?: number;
}

/**
 * How many alerts the whole demand snapshot reads at a time: some tens of milliseconds of this process's
 * time per page (their rows parsed and summed), so requests are never held for long.
 */
export const DEMAND_PAGE_ALERTS = 5_000;

export interface AlertPage {
  alerts: Alert[];
  /** Continues after this page's last alert; null when it was the last page. */
  nextCursor: string | null;
}

/** What one sweep did: open alerts expired and snoozes ended (each with a change event), history purged. */
export interface SweepOutcome {
  expired: number;
  resumed: number;
  purged: number;
  /** Firings of alerts still open that passed the history retention, deleted (the alerts stay). */
  firingsPurged: number;
  /** Published outbox rows deleted. */
  outboxPruned: number;
}

/** How long a published outbox row is kept (for an operator looking into a change); Kafka holds it after that. */
export const PUBLISHED_OUTBOX_RETENTION_MS = 24 * 3600 * 1000;

/** A user id alone reaches that user's own alerts. */
function scopeOf(reach: string | AlertScope): AlertScope {
  return typeof reach === "string" ? { userId: reach, destination: null } : reach;
}

/** The alert use cases: the rules live in alert-rules.ts, storage behind AlertRepository. */
export class AlertService {
  readonly #repository: AlertRepository;
  readonly #clock: Clock;
  readonly #maxOpen: number;
  readonly #maxOpenPerCommunity: number;
  readonly #historyMs: number;
  readonly #demandPageAlerts: number;

  constructor(options: AlertServiceOptions) {
    this.#repository = options.repository;
    this.#clock = options.clock;
    this.#maxOpen = options.maxOpenAlertsPerUser;
    this.#maxOpenPerCommunity = options.maxOpenAlertsPerCommunity;
    this.#historyMs = options.historyDays * DAY_MS;
    this.#demandPageAlerts = options.demandPageAlerts ?? DEMAND_PAGE_ALERTS;
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
    checkRegularHours(command.symbol, command.regularHoursOnly);
    checkEarnings(command.symbol, command.condition);
    const baseline = planAlert(command, now);
    const alert: Alert = {
      id: randomUUID(),
      userId,
      symbol: command.symbol,
      condition: command.condition,
      referencePrice: baseline.referencePrice,
      thresholds: baseline.thresholds,
      extreme: baseline.extreme,
      ...(baseline.extremeSince == null ? {} : { extremeSince: extremeSinceOf(baseline) }),
      ...(baseline.watch === undefined ? {} : { watch: baseline.watch }),
      status: "active",
      generation: 0,
      version: 1,
      resumeAt: null,
      repeat: command.repeat,
      expiresAt: command.expiresAt === null ? null : new Date(command.expiresAt).toISOString(),
      note: command.note,
      regularHoursOnly: command.regularHoursOnly,
      urgent: command.urgent ?? false,
      origin: command.origin,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      lastTriggeredAt: null,
      lastTriggerPrice: null,
      phase: "armed",
      stateAsOfTick: null,
    };
    // A community alert counts for its community's cap and for its creator's own: the per-user limit applies to
    // the person typing the command, wherever the notification goes.
    const result = await this.#repository.createWithinLimit(alert, {
      perUser: this.#maxOpen,
      perCommunity: this.#maxOpenPerCommunity,
    });
    if ("duplicateOf" in result) {
      // A community alert's twin is the chat's, whoever set it: read it as the chat's.
      const community = isCommunityDestination(command.origin);
      const destination = community
        ? { platform: command.origin.platform, chatId: command.origin.chatId }
        : null;
      const existing = await this.#repository.findOwned({ userId, destination }, result.duplicateOf);
      const who = !community
        ? "you already have"
        : destinationKindOf(command.origin) === "group"
          ? "this group already has"
          : "this channel already has";
      throw new DomainError(
        "conflict",
        "duplicate_alert",
        `${who} this alert on ${command.symbol} (${result.duplicateOf.slice(0, 8)}, ${existing?.status ?? "active"}); change or delete that one instead of setting it again`,
        { existingAlertId: result.duplicateOf, ...(existing ? { existing } : {}) },
      );
    }
    if ("communityOpenCount" in result) {
      const where = destinationKindOf(command.origin) === "group" ? "this group" : "this server";
      throw new DomainError(
        "conflict",
        "community_alert_limit_reached",
        `${where} has ${result.communityOpenCount} active alerts, the most allowed; delete one first`,
        { limit: this.#maxOpenPerCommunity, openCount: result.communityOpenCount },
      );
    }
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

  /** One page of the user's alerts, oldest first; `cursor` is the previous page's nextCursor. */
  /** The user's last firings, newest first: what `/history` shows. */
  recentFirings(userId: string, symbol: string | null, limit: number): Promise<Firing[]> {
    return this.#repository.recentFirings(userId, symbol, limit);
  }

  /** One page of the user's alerts, or with `{ destination }` of the community alerts posted in that chat. */
  async list(
    owner: string | { destination: Destination },
    filter: AlertListFilter,
    limit: number,
    cursor?: string,
  ): Promise<AlertPage> {
    const after = cursor === undefined ? null : decodeListCursor(cursor);
    // One row more than the page tells whether another page follows, without a count.
    const rows = await this.#repository.listOwned(owner, filter, after, limit + 1);
    const alerts = rows.slice(0, limit);
    const last = alerts.at(-1);
    const nextCursor =
      rows.length > limit && last
        ? encodeListCursor({ createdAt: Date.parse(last.createdAt), id: last.id })
        : null;
    return { alerts, nextCursor };
  }

  async get(reach: string | AlertScope, alertId: string): Promise<Alert> {
    const scope = scopeOf(reach);
    const alert = await this.#repository.findOwned(scope, alertId);
    if (!alert) throw alertNotFound(alertId);
    return alert;
  }

  async update(reach: string | AlertScope, alertId: string, update: AlertUpdate): Promise<Alert> {
    const scope = scopeOf(reach);
    const now = this.#clock.now();
    const decide = (current: Alert) => applyUpdate(current, update, now);
    if (update.condition === undefined) {
      const alert = await this.#repository.modifyOwned(scope, alertId, decide);
      if (!alert) throw alertNotFound(alertId);
      return alert;
    }
    // A new condition may make it the twin of another open alert: refused as a create would be.
    const result = await this.#repository.reviseOwned(scope, alertId, decide);
    if (!result) throw alertNotFound(alertId);
    if ("duplicateOf" in result) throw await this.#duplicate(scope, result.duplicateOf);
    return result.alert;
  }

  /**
   * Pauses, resumes or cancels the named alerts of the user at once (one transaction, one change event per alert
   * that changed). Named alerts that are not open, or not the user's, are answered in `notOpen` and left alone.
   */
  async bulk(
    reach: string | AlertScope,
    action: "pause" | "resume" | "cancel",
    alertIds: readonly string[],
  ): Promise<{ changed: Alert[]; unchanged: Alert[]; notOpen: string[] }> {
    const scope = scopeOf(reach);
    const now = this.#clock.now();
    const { found } = await this.#repository.modifyManyOwned(scope, alertIds, (current) => {
      if (!isOpen(current)) return null;
      if (action === "cancel") return cancel(current, now);
      return applyUpdate(current, { status: action === "pause" ? "paused" : "active" }, now);
    });
    const byAge = (a: Alert, b: Alert) =>
      a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1;
    const open = found.filter((f) => isOpen(f.before));
    const openIds = new Set(open.map((f) => f.before.id));
    return {
      changed: open.flatMap((f) => (f.after ? [f.after] : [])).sort(byAge),
      unchanged: open.flatMap((f) => (f.after ? [] : [f.before])).sort(byAge),
      notOpen: [...new Set(alertIds)].filter((id) => !openIds.has(id)),
    };
  }

  async #duplicate(scope: AlertScope, duplicateOf: string): Promise<DomainError> {
    const existing = await this.#repository.findOwned(scope, duplicateOf);
    return new DomainError(
      "conflict",
      "duplicate_alert",
      `you already have this alert on ${existing?.symbol ?? "this symbol"} (${duplicateOf.slice(0, 8)}, ${existing?.status ?? "active"}); change or delete that one instead of setting it again`,
      { existingAlertId: duplicateOf, ...(existing ? { existing } : {}) },
    );
  }

  async cancel(reach: string | AlertScope, alertId: string): Promise<Alert> {
    const scope = scopeOf(reach);
    const now = this.#clock.now();
    const alert = await this.#repository.modifyOwned(scope, alertId, (current) => cancel(current, now));
    if (!alert) throw alertNotFound(alertId);
    return alert;
  }

  /**
   * Pauses every active community alert posted in `destination` (the bot lost the channel or was removed from
   * the group). Idempotent: a second call finds nothing active. Answers each paused alert with its creator.
   */
  pauseDestination(destination: Destination): Promise<DestinationPause[]> {
    const now = this.#clock.now();
    return this.#repository.pauseDestination(destination, (current) =>
      applyUpdate(current, { status: "paused" }, now),
    );
  }

  /**
   * Moves the community alerts posted in `from` to the chat `toChatId` (a Telegram group migrated to a
   * supergroup gets a new chat id); each open one changes like an edit. Idempotent: a second call finds none left.
   */
  moveDestination(from: Destination, toChatId: string): Promise<Alert[]> {
    const now = this.#clock.now();
    return this.#repository.moveDestination(from, toChatId, (current) => ({
      alert: { ...current, origin: { ...current.origin, chatId: toChatId }, updatedAt: now.toISOString() },
      change: "updated",
    }));
  }

  /** Marks every open alert past its expiry as expired; main.ts runs this on an interval. */
  expireDue(now: Date = this.#clock.now()): Promise<number> {
    return this.#repository.expireDue(now, (current) => expire(current, now));
  }

  /** Resumes snoozed alerts whose snooze is over (run on an interval, like expireDue). */
  resumeDue(now: Date = this.#clock.now()): Promise<number> {
    return this.#repository.resumeDue(now, (current) => resumeSnoozed(current, now));
  }

  /** Deletes finished alerts whose last change is older than the history kept (ALERTS_HISTORY_DAYS). */
  purgeHistory(now: Date = this.#clock.now()): Promise<number> {
    return this.#repository.purgeFinished(new Date(now.getTime() - this.#historyMs));
  }

  /** Everything that is due by the clock; main.ts, the workers and the standalone run it on an interval. */
  async sweep(now: Date = this.#clock.now()): Promise<SweepOutcome> {
    const [expired, resumed, [purged, firingsPurged], outboxPruned] = await Promise.all([
      this.expireDue(now),
      this.resumeDue(now),
      // One after the other: both delete firings (the first with their finished alerts), and together they
      // would take the same rows' locks in different orders.
      this.purgeHistory(now).then(
        async (alerts): Promise<[number, number]> => [
          alerts,
          await this.#repository.purgeFirings(new Date(now.getTime() - this.#historyMs)),
        ],
      ),
      this.#repository.prunePublishedOutbox(new Date(now.getTime() - PUBLISHED_OUTBOX_RETENTION_MS)),
    ]);
    return { expired, resumed, purged, firingsPurged, outboxPruned };
  }

  /**
   * One page of alerts in id order; with `partitions`, only alerts whose symbol falls in them (a matcher's
   * share). `nextAfter` continues after the last row read, whether or not it was in the share.
   */
  async page(
    status: AlertStatus,
    after: string | null,
    limit: number,
    partitions: { partitions: ReadonlySet<number>; count: number } | null = null,
  ) {
    // First page only, and read before the rows: the snapshot then reflects every change of each symbol up to
    // its seq (see InternalAlertPageSchema).
    const changeSeqs = after === null ? await this.#repository.changeSeqs() : {};
    const rows = await this.#repository.page(status, after, limit);
    const last = rows.at(-1);
    const alerts =
      partitions === null
        ? rows
        : rows.filter((a) => partitions.partitions.has(partitionForKey(a.symbol, partitions.count)));
    const shared =
      partitions === null
        ? changeSeqs
        : Object.fromEntries(
            Object.entries(changeSeqs).filter(([symbol]) =>
              partitions.partitions.has(partitionForKey(symbol, partitions.count)),
            ),
          );
    return { alerts, nextAfter: rows.length === limit && last ? last.id : null, changeSeqs: shared };
  }

  /** What the pricing service subscribes, and how urgently (see demandOf): of every symbol, or of `symbols` only. */
  async demand(symbols: readonly string[] | null = null): Promise<Demand> {
    if (symbols !== null) {
      const { alerts, watchedSymbols } = await this.#repository.demandRecords(symbols);
      return demandOf(alerts, watchedSymbols);
    }
    // The whole snapshot a page of alerts at a time, the event loop handed back between pages: read at once, a
    // million alerts' rows were parsed and summed in one go, holding every other request for seconds.
    const tally = new DemandTally();
    let after: DemandPageKey | null = null;
    do {
      const page = await this.#repository.demandPage(after, this.#demandPageAlerts);
      tally.add(page.alerts);
      after = page.next;
      await new Promise((resolve) => setImmediate(resolve));
    } while (after !== null);
    tally.watch(await this.#repository.watchedSymbols());
    return tally.demand();
  }
}
