import { type FilterQuery, LockMode, type ObjectQuery } from "@mikro-orm/core";
import type { SqlEntityManager } from "@mikro-orm/postgresql";
import {
  type Alert,
  type AlertCondition,
  type AlertStatus,
  communityKeyOf,
  type Firing,
  TOPIC_ALERT_CHANGES,
} from "@tickerbell/contracts";
import type { DemandAlertRecord } from "../domain/demand.ts";
import type { ListPosition } from "../domain/list-cursor.ts";
import type {
  AlertChange,
  AlertListFilter,
  AlertRepository,
  AlertScope,
  CreateOutcome,
  DemandPageKey,
  Destination,
  DestinationPause,
  OpenAlertLimits,
} from "../domain/ports.ts";
import { GroupCommit } from "../group-commit.ts";
import { AlertColumns } from "./alert-columns.ts";
import { AlertEntity, PlatformIdentityEntity } from "./entities.ts";
import { type AlertRow, toAlert, toAlertRow } from "./mapping.ts";
import { POOL_SIZE } from "./orm.ts";
import {
  appendAlertChanges,
  changePayload,
  type OutboxCommitSignal,
  type PendingAlertChange,
} from "./outbox.ts";

const OPEN: AlertStatus[] = ["active", "paused"];

/** The community alerts posted in `destination` (never DMs: a chat id alone does not reach someone's DMs). */
function postedIn(destination: Destination): ObjectQuery<AlertRow> {
  return {
    originPlatform: destination.platform,
    originChatId: destination.chatId,
    originKind: { $ne: "dm" },
  };
}

/** The alerts `scope` reaches: the user's own, and with a destination, the community alerts posted there. */
function reach(scope: AlertScope): ObjectQuery<AlertRow> {
  if (scope.destination === null) return { userId: scope.userId };
  return { $or: [{ userId: scope.userId }, postedIn(scope.destination)] };
}
export const DEFAULT_CREATE_BATCH_MAX = 100;

interface PendingCreate {
  alert: Record<string, unknown>;
  payload: unknown;
  /** ISO time of the create. */
  at: string;
  limit: number;
  communityLimit: number;
}

/**
 * create_alert_within_limit's jsonb answer: `{"duplicate": id}`, `{"open": n, "communityOpen": m}` (refused by
 * the community's cap), or `{"open": n}` (created when n < limit).
 */
function outcomeOf(outcome: unknown, limit: number): CreateOutcome | Error {
  const answer = outcome as
    | { open?: unknown; duplicate?: unknown; communityOpen?: unknown }
    | null
    | undefined;
  if (typeof answer?.duplicate === "string") return { created: false, duplicateOf: answer.duplicate };
  if (answer?.communityOpen !== undefined)
    return { created: false, communityOpenCount: Number(answer.communityOpen) };
  const openCount = Number(answer?.open ?? Number.NaN);
  if (!Number.isInteger(openCount)) return new Error("create_alert_within_limit answered no count");
  return openCount >= limit ? { created: false, openCount } : { created: true };
}
const DUE_BATCH = 500;
/** Finished alerts deleted per statement: a big backlog goes in short statements that hold few locks. */
export const PURGE_BATCH = 1000;

/**
 * The statement behind `GET /v1/alerts`: one range scan of an index in (created_at, id) order, stopping after
 * `limit` rows (see the paging migration: one index per filter shape). `open` is spelled as the open-alerts
 * index's predicate, so the planner can match that partial index.
 */
export function listOwnedStatement(
  owner: string | { destination: Destination },
  filter: AlertListFilter,
  after: ListPosition | null,
  limit: number,
): { sql: string; params: unknown[] } {
  // A destination's alerts go along alerts_destination_idx: DMs are never listed by chat, only by owner.
  const where =
    typeof owner === "string"
      ? ["user_id = ?"]
      : ["origin_kind <> 'dm'", "origin_platform = ?", "origin_chat_id = ?"];
  const params: unknown[] =
    typeof owner === "string" ? [owner] : [owner.destination.platform, owner.destination.chatId];
  if (filter.status === "open") where.push("status in ('active', 'paused')");
  else if (filter.status) {
    where.push("status = ?");
    params.push(filter.status);
  }
  if (filter.symbol) {
    where.push("symbol = ?");
    params.push(filter.symbol);
  }
  if (after) {
    where.push("(created_at, id) > (?::timestamptz, ?::uuid)");
    params.push(new Date(after.createdAt).toISOString(), after.id);
  }
  params.push(limit);
  return { sql: `select * from alerts where ${where.join(" and ")} order by created_at, id limit ?`, params };
}

/** AlertRepository on MikroORM (PostgreSQL or PGlite). Each call runs on its own fork of the EntityManager. */
export class MikroAlertRepository implements AlertRepository {
  readonly #em: SqlEntityManager;
  readonly #commits: OutboxCommitSignal;
  #columns: AlertColumns | undefined;

  /** `commits` hears of the writes that commit outside an ORM transaction. */
  constructor(
    em: SqlEntityManager,
    commits: OutboxCommitSignal,
    options: { createBatchMax?: number | undefined } = {},
  ) {
    this.#em = em;
    this.#commits = commits;
    const maxBatch = options.createBatchMax ?? DEFAULT_CREATE_BATCH_MAX;
    this.#creates = new GroupCommit((items) => this.#createBatch(items), {
      maxBatch,
      // One create a statement: as many at once as the pool has connections, as before creates were batched.
      // Batched: four at a time, so a batch waiting on a symbol's lock (another replica's write of that symbol)
      // holds up only its own creates. Batches of one moment share the popular symbols and then wait on each
      // other: the API bench measured create p99 17-19 ms with one at a time against 20-39 ms with four, but one
      // at a time lets a single held symbol stop every create (test/change-sequences.test.ts).
      concurrency: maxBatch === 1 ? POOL_SIZE : 4,
    });
  }

  async createWithinLimit(alert: Alert, limits: OpenAlertLimits): Promise<CreateOutcome> {
    const outcome = await this.#creates.add(this.#pendingCreate(alert, limits));
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }

  /** One item of create_alert(s)_within_limit: the row, its outbox payload, the limit. */
  #pendingCreate(alert: Alert, limits: OpenAlertLimits): PendingCreate {
    const at = new Date(alert.updatedAt).toISOString();
    return {
      alert: this.#columnsOf({ ...toAlertRow(alert), runtimeOffset: null }),
      payload: changePayload("created", alert, new Date(at)),
      at,
      limit: limits.perUser,
      communityLimit: limits.perCommunity,
    };
  }

  // The hot path of the API. Creates that arrive while one batch is being written go together into the next:
  // one statement (see create_alerts_within_limit), one commit, one WAL flush for all of them, instead of one
  // each; under no load a batch is one create, written at once. A batch waiting on a symbol's lock holds up only
  // its own creates: four may be written at once, which leaves most of the pool to the rest.
  readonly #creates: GroupCommit<PendingCreate, CreateOutcome | Error>;

  async #createBatch(items: PendingCreate[]): Promise<(CreateOutcome | Error)[]> {
    let raw: unknown[];
    try {
      const [row] = await this.#em
        .fork()
        .execute<{ outcomes: unknown }[]>("select create_alerts_within_limit(?::jsonb, ?) as outcomes", [
          JSON.stringify(items),
          TOPIC_ALERT_CHANGES,
        ]);
      const outcomes = typeof row?.outcomes === "string" ? JSON.parse(row.outcomes) : row?.outcomes;
      if (!Array.isArray(outcomes) || outcomes.length !== items.length)
        throw new Error("create_alerts_within_limit answered no outcome per item");
      raw = outcomes;
    } catch (error) {
      // One item failed the statement (its user gone, a deadlock with another replica's batch): alone, each
      // succeeds or fails by itself.
      if (items.length === 1) return [error instanceof Error ? error : new Error(String(error))];
      return Promise.all(items.map((item) => this.#createOne(item).catch((e: unknown) => e as Error)));
    }
    const outcomes = raw.map((outcome, i) => outcomeOf(outcome, items[i]!.limit));
    if (outcomes.some((o) => !(o instanceof Error) && o.created)) this.#commits.committed();
    return outcomes;
  }

  async #createOne(item: PendingCreate): Promise<CreateOutcome | Error> {
    const [row] = await this.#em
      .fork()
      .execute<{ outcome: unknown }[]>(
        "select create_alert_within_limit(?::jsonb, ?, ?, ?::jsonb, ?, ?) as outcome",
        [
          JSON.stringify(item.alert),
          item.limit,
          TOPIC_ALERT_CHANGES,
          JSON.stringify(item.payload),
          item.at,
          item.communityLimit,
        ],
      );
    const outcome = outcomeOf(
      typeof row?.outcome === "string" ? JSON.parse(row.outcome) : row?.outcome,
      item.limit,
    );
    if (!(outcome instanceof Error) && outcome.created) this.#commits.committed();
    return outcome;
  }

  /** `row` keyed by column name, for jsonb_populate_record. */
  #columnsOf(row: AlertRow): Record<string, unknown> {
    this.#columns ??= new AlertColumns(this.#em);
    return this.#columns.toColumns(row);
  }

  async findOwned(scope: AlertScope, alertId: string): Promise<Alert | null> {
    const row = await this.#em.fork().findOne(AlertEntity, { id: alertId, ...reach(scope) });
    return row ? toAlert(row) : null;
  }

  async listOwned(
    owner: string | { destination: Destination },
    filter: AlertListFilter,
    after: ListPosition | null,
    limit: number,
  ): Promise<Alert[]> {
    const { sql, params } = listOwnedStatement(owner, filter, after, limit);
    this.#columns ??= new AlertColumns(this.#em);
    const columns = this.#columns;
    const rows = await this.#em.fork().execute<Record<string, unknown>[]>(sql, params);
    return rows.map((raw) => toAlert(columns.fromColumns(raw)));
  }

  modifyOwned(scope: AlertScope, alertId: string, decide: (current: Alert) => AlertChange | null) {
    return this.#em.fork().transactional(async (em) => {
      const row = await em.findOne(
        AlertEntity,
        { id: alertId, ...reach(scope) },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!row) return null;
      const decision = decide(toAlert(row));
      if (!decision) return toAlert(row);
      return this.#write(em, row, decision);
    });
  }

  reviseOwned(scope: AlertScope, alertId: string, decide: (current: Alert) => AlertChange | null) {
    return this.#em
      .fork()
      .transactional(async (em): Promise<{ alert: Alert } | { duplicateOf: string } | null> => {
        // Acting for a destination, the alert's owner may be someone else: the twin check is the owner's.
        const ownerId =
          scope.destination === null
            ? scope.userId
            : (await em.findOne(AlertEntity, { id: alertId, ...reach(scope) }, { fields: ["userId"] }))
                ?.userId;
        if (ownerId === undefined) return null;
        // The owner's row first, as create_alert_within_limit takes it: a create and an edit of the same user
        // cannot both pass the duplicate check.
        await em.execute("select 1 from users where id = ? for update", [ownerId]);
        const row = await em.findOne(
          AlertEntity,
          { id: alertId, userId: ownerId, ...reach(scope) },
          { lockMode: LockMode.PESSIMISTIC_WRITE },
        );
        if (!row) return null;
        const before = toAlert(row);
        const decision = decide(before);
        if (!decision) return { alert: before };
        const after = decision.alert;
        if (OPEN.includes(after.status) && (after.levelsRevision ?? 0) !== (before.levelsRevision ?? 0)) {
          // Twins are per place, as create_alert_within_limit has them: the owner's DM alerts, or the alerts
          // posted in the same chat whoever set them (then under the community's lock, as a create takes it).
          const community = communityKeyOf(after.origin);
          if (community !== null)
            await em.execute(
              `insert into community_locks as l (community_key) values (?)
                 on conflict (community_key) do update set community_key = l.community_key`,
              [community],
            );
          const [place, placeParams] =
            community === null
              ? ["user_id = ? and origin_kind = 'dm'", [ownerId]]
              : [
                  "origin_kind <> 'dm' and origin_platform = ? and origin_chat_id = ?",
                  [after.origin.platform, after.origin.chatId],
                ];
          const [twin] = await em.execute<{ id: string }[]>(
            `select id from alerts
              where ${place} and id <> ? and status in ('active', 'paused') and symbol = ?
                and condition = ?::jsonb
                and threshold_upper is not distinct from ?::double precision
                and threshold_lower is not distinct from ?::double precision
              order by created_at, id
              limit 1`,
            [
              ...placeParams,
              alertId,
              after.symbol,
              JSON.stringify(after.condition),
              after.thresholds.upper,
              after.thresholds.lower,
            ],
          );
          if (twin) return { duplicateOf: String(twin.id) };
        }
        return { alert: await this.#write(em, row, decision) };
      });
  }

  modifyManyOwned(
    scope: AlertScope,
    alertIds: readonly string[],
    decide: (current: Alert) => AlertChange | null,
  ) {
    return this.#em.fork().transactional(async (em) => {
      // Locked in id order, as every writer of several alerts does, so two of them cannot deadlock.
      const rows = await em.find(
        AlertEntity,
        { id: { $in: [...new Set(alertIds)] }, ...reach(scope) },
        { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: "asc" } },
      );
      const found: Array<{ before: Alert; after: Alert | null }> = [];
      const changes: PendingAlertChange[] = [];
      for (const row of rows) {
        const before = toAlert(row);
        const decision = decide(before);
        if (!decision) {
          found.push({ before, after: null });
          continue;
        }
        const change = this.#update(em, row, decision);
        changes.push(change);
        found.push({ before, after: change.alert });
      }
      await em.flush();
      await appendAlertChanges(em, changes);
      return { found };
    });
  }

  pauseDestination(
    destination: Destination,
    decide: (current: Alert) => AlertChange | null,
  ): Promise<DestinationPause[]> {
    return this.#em.fork().transactional(async (em) => {
      const changes = await this.#changeEach(em, { ...postedIn(destination), status: "active" }, decide);
      const creators = await em.find(
        PlatformIdentityEntity,
        { platform: destination.platform, userId: { $in: [...new Set(changes.map((c) => c.alert.userId))] } },
        { orderBy: { createdAt: "asc" } },
      );
      const creatorOf = new Map<string, string>();
      for (const identity of creators)
        if (!creatorOf.has(identity.userId)) creatorOf.set(identity.userId, identity.platformUserId);
      return changes.map((c) => ({
        alert: c.alert,
        creatorPlatformUserId: creatorOf.get(c.alert.userId) ?? null,
      }));
    });
  }

  /** Locks the alerts `where` picks (in id order), applies what `decide` says to each, with their change events. */
  async #changeEach(
    em: SqlEntityManager,
    where: FilterQuery<AlertRow>,
    decide: (current: Alert) => AlertChange | null,
  ): Promise<PendingAlertChange[]> {
    const rows = await em.find(AlertEntity, where, {
      lockMode: LockMode.PESSIMISTIC_WRITE,
      orderBy: { id: "asc" },
    });
    const changes: PendingAlertChange[] = [];
    for (const row of rows) {
      const decision = decide(toAlert(row));
      if (decision) changes.push(this.#update(em, row, decision));
    }
    await em.flush();
    await appendAlertChanges(em, changes);
    return changes;
  }

  moveDestination(
    from: Destination,
    toChatId: string,
    decide: (current: Alert) => AlertChange | null,
  ): Promise<Alert[]> {
    return this.#em.fork().transactional(async (em) => {
      const changes = await this.#changeEach(em, { ...postedIn(from), status: { $in: OPEN } }, decide);
      // Finished alerts follow as history; no consumer holds them, so no change event.
      await em.nativeUpdate(
        AlertEntity,
        { ...postedIn(from), status: { $nin: OPEN } },
        { originChatId: toChatId },
      );
      return changes.map((c) => c.alert);
    });
  }

  expireDue(now: Date, decide: (current: Alert) => AlertChange | null): Promise<number> {
    return this.#applyToDue({ status: { $in: OPEN }, expiresAt: { $ne: null, $lte: now } }, decide);
  }

  resumeDue(now: Date, decide: (current: Alert) => AlertChange | null): Promise<number> {
    return this.#applyToDue({ status: "paused", resumeAt: { $ne: null, $lte: now } }, decide);
  }

  /** Works in batches of DUE_BATCH, skipping rows another writer holds (the next sweep gets them). */
  async #applyToDue(
    where: FilterQuery<AlertRow>,
    decide: (current: Alert) => AlertChange | null,
  ): Promise<number> {
    let total = 0;
    for (;;) {
      const { changed, seen } = await this.#em.fork().transactional(async (em) => {
        const due = await em.find(AlertEntity, where, {
          lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE,
          orderBy: { id: "asc" },
          limit: DUE_BATCH,
        });
        // Several symbols in one transaction: every change goes to the outbox in one call, after the writes.
        const changes: PendingAlertChange[] = [];
        for (const row of due) {
          const decision = decide(toAlert(row));
          if (decision) changes.push(this.#update(em, row, decision));
        }
        await em.flush();
        await appendAlertChanges(em, changes);
        return { changed: changes.length, seen: due.length };
      });
      total += changed;
      if (seen < DUE_BATCH || changed === 0) return total;
    }
  }

  async recentFirings(userId: string, symbol: string | null, limit: number): Promise<Firing[]> {
    const rows = await this.#em.fork().execute<
      {
        trigger_id: string;
        alert_id: string;
        symbol: string;
        condition: unknown;
        price: number;
        fired_at: unknown;
      }[]
    >(
      // The condition it fired under (its notification's): an edit since changed the alert's, not the firing's.
      `select t.trigger_id, t.alert_id, a.symbol, coalesce(t.notification->'condition', a.condition) as condition,
              t.price, t.fired_at
         from alert_triggers t join alerts a on a.id = t.alert_id
        where a.user_id = ?${symbol === null ? "" : " and a.symbol = ?"}
        order by t.fired_at desc, t.trigger_id
        limit ?`,
      symbol === null ? [userId, limit] : [userId, symbol, limit],
    );
    return rows.map((row) => ({
      triggerId: row.trigger_id,
      alertId: row.alert_id,
      symbol: row.symbol,
      condition: (typeof row.condition === "string"
        ? JSON.parse(row.condition)
        : row.condition) as Firing["condition"],
      price: Number(row.price),
      firedAt: new Date(row.fired_at as string | Date).toISOString(),
    }));
  }

  async prunePublishedOutbox(publishedBefore: Date): Promise<number> {
    // Oldest ids first along the primary key: published rows are the table's old end, so each batch stops after
    // PURGE_BATCH of them without reading the rest. Unpublished rows are never touched.
    return this.#deleteInBatches(
      `with gone as (
         delete from outbox where id in (
           select id from outbox where published_at < ? order by id limit ?)
         returning 1)`,
      publishedBefore,
    );
  }

  async purgeFinished(changedBefore: Date): Promise<number> {
    // Rows another writer holds are skipped (the next sweep gets them); alert_triggers and deliveries rows go with
    // their alert (on delete cascade).
    return this.#deleteInBatches(
      `with gone as (
         delete from alerts where id in (
           select id from alerts
            where status in ('triggered', 'expired', 'cancelled') and updated_at < ?
            order by updated_at limit ? for update skip locked)
         returning 1)`,
      changedBefore,
    );
  }

  async purgeFirings(firedBefore: Date): Promise<number> {
    // Oldest first along alert_triggers_fired_idx, with their delivery records.
    return this.#deleteInBatches(
      `with gone as (
         delete from alert_triggers where trigger_id in (
           select trigger_id from alert_triggers
            where fired_at < ?
            order by fired_at limit ? for update skip locked)
         returning trigger_id),
       records as (delete from deliveries where trigger_id in (select trigger_id from gone))`,
      firedBefore,
    );
  }

  /**
   * Runs `deleteGone` (a `with gone as (delete … returning …)` taking the cut-off and the batch size) one batch of
   * PURGE_BATCH per statement, each committed on its own, until a batch comes back short; returns the rows gone.
   */
  async #deleteInBatches(deleteGone: string, before: Date): Promise<number> {
    let gone = 0;
    for (;;) {
      const [row] = await this.#em
        .fork()
        .execute<{ gone: number }[]>(`${deleteGone} select count(*)::int as gone from gone`, [
          before.toISOString(),
          PURGE_BATCH,
        ]);
      const batch = Number(row?.gone ?? 0);
      gone += batch;
      if (batch < PURGE_BATCH) return gone;
    }
  }

  async page(status: AlertStatus, after: string | null, limit: number): Promise<Alert[]> {
    const rows = await this.#em
      .fork()
      .find(
        AlertEntity,
        { status, ...(after ? { id: { $gt: after } } : {}) },
        { orderBy: { id: "asc" }, limit },
      );
    return rows.map(toAlert);
  }

  async changeSeqs(): Promise<Record<string, string>> {
    // Writers bump their symbol's row and keep it locked to commit, so a committed seq means every change of
    // the symbol up to it has committed too.
    const rows = await this.#em
      .fork()
      .execute<{ symbol: string; seq: string }[]>("select symbol, seq::text as seq from change_sequences");
    return Object.fromEntries(rows.map((r) => [r.symbol, String(r.seq)]));
  }

  async demandRecords(
    symbols: readonly string[] | null = null,
  ): Promise<{ alerts: DemandAlertRecord[]; watchedSymbols: string[] }> {
    const em = this.#em.fork();
    // Scoped to some symbols: their active alerts through alerts_active_symbol_id_idx, not every active alert.
    const only =
      symbols === null ? "" : " and symbol = any(array(select jsonb_array_elements_text(?::jsonb)))";
    const params = symbols === null ? [] : [JSON.stringify(symbols)];
    const [alerts, watched] = await Promise.all([
      em.execute<DemandRow[]>(`select ${DEMAND_COLUMNS} from alerts where ${DEMAND_ALERTS}${only}`, params),
      em.execute<{ symbol: string }[]>(
        `select distinct symbol from watchlist_items${only.replace(" and", " where")}`,
        params,
      ),
    ]);
    return { alerts: alerts.map(demandRecordOf), watchedSymbols: watched.map((r) => r.symbol) };
  }

  async demandPage(
    after: DemandPageKey | null,
    limit: number,
  ): Promise<{ alerts: DemandAlertRecord[]; next: DemandPageKey | null }> {
    // Along alerts_active_symbol_id_idx from where the last page ended: each page costs its own rows.
    const rows = await this.#em.fork().execute<(DemandRow & { id: string })[]>(
      `select id, ${DEMAND_COLUMNS} from alerts where ${DEMAND_ALERTS}${after ? " and (symbol, id) > (?, ?::uuid)" : ""}
          order by symbol, id limit ?`,
      after ? [after.symbol, after.id, limit] : [limit],
    );
    const last = rows.at(-1);
    return {
      alerts: rows.map(demandRecordOf),
      next: rows.length === limit && last ? { symbol: last.symbol, id: last.id } : null,
    };
  }

  async watchedSymbols(): Promise<string[]> {
    const rows = await this.#em
      .fork()
      .execute<{ symbol: string }[]>("select distinct symbol from watchlist_items");
    return rows.map((r) => r.symbol);
  }

  async #write(em: SqlEntityManager, row: AlertRow, decision: AlertChange): Promise<Alert> {
    const change = this.#update(em, row, decision);
    await em.flush();
    await appendAlertChanges(em, [change]);
    return change.alert;
  }

  /** Assigns the new version to `row` (flushed by the caller) and answers its change for appendAlertChanges. */
  #update(em: SqlEntityManager, row: AlertRow, decision: AlertChange): PendingAlertChange {
    // Every write is a new version, so consumers holding an older snapshot can tell which one is newer.
    const alert = { ...decision.alert, version: row.version + 1 };
    em.assign(row, toAlertRow(alert));
    return { change: decision.change, alert, at: new Date(alert.updatedAt) };
  }
}

/** A double precision column as the driver hands it back (a number, or a string from some drivers). */
function nullableNumber(value: number | string | null): number | null {
  return value === null ? null : Number(value);
}

/** The active alerts the demand snapshot reads: earnings alerts are due by the calendar and need no prices. */
const DEMAND_ALERTS = "status = 'active' and kind <> 'earnings'";
const DEMAND_COLUMNS = "symbol, condition, threshold_upper, threshold_lower, extreme, reference_price";

interface DemandRow {
  symbol: string;
  condition: AlertCondition | string;
  threshold_upper: number | null;
  threshold_lower: number | null;
  extreme: number | null;
  reference_price: number;
}

function demandRecordOf(r: DemandRow): DemandAlertRecord {
  return {
    symbol: r.symbol,
    condition: typeof r.condition === "string" ? (JSON.parse(r.condition) as AlertCondition) : r.condition,
    thresholds: { upper: nullableNumber(r.threshold_upper), lower: nullableNumber(r.threshold_lower) },
    extreme: nullableNumber(r.extreme),
    referencePrice: Number(r.reference_price),
  };
}
