import type { SqlEntityManager } from "@mikro-orm/postgresql";
import {
  type Alert,
  type AlertRuntimeEvent,
  isWindowHistoryEvent,
  type Notification,
  type WindowHistory,
  type WindowHistoryEvent,
} from "@tickerbell/contracts";
import { recordFieldsOf } from "@tickerbell/rules";
import type { AppliedRuntime, RuntimeRecord, RuntimeRepository } from "../domain/ports.ts";
import { AlertColumns } from "./alert-columns.ts";
import { type AlertRow, toAlert, toAlertRow } from "./mapping.ts";
import { appendAlertChanges, type PendingAlertChange } from "./outbox.ts";

const OPEN = new Set(["active", "paused"]);
/** A firing no bot reports on (its platform's bot is not running) is not sent again forever. */
export const MAX_REEMITS = 20;

/**
 * The matcher's runtime state and firings (from alerts.runtime) on MikroORM: one transaction per batch, and
 * the consumer's progress per partition in the same transaction, so what a matcher is told has been applied
 * has been applied.
 */
export class MikroRuntimeRepository implements RuntimeRepository {
  readonly #em: SqlEntityManager;
  #columns: AlertColumns | undefined;

  constructor(em: SqlEntityManager) {
    this.#em = em;
  }

  applyBatch(records: readonly RuntimeRecord[], now: Date): Promise<AppliedRuntime> {
    // Plain SQL throughout (a burst brings thousands of events): read the rows, work on plain objects, write
    // every changed row back in one statement; entity hydration and change tracking cost more than the writes.
    this.#columns ??= new AlertColumns(this.#em);
    const columns = this.#columns;
    const histories: { event: WindowHistoryEvent; offset: bigint }[] = [];
    const alertRecords: { event: AlertRuntimeEvent; offset: bigint }[] = [];
    for (const { event, offset } of records) {
      if (isWindowHistoryEvent(event)) histories.push({ event, offset });
      else alertRecords.push({ event, offset });
    }
    return this.#em.fork().transactional(async (em) => {
      const ids = [...new Set(alertRecords.map((r) => r.event.alertId))].sort();
      // Locked in id order (every writer of several alerts does the same), so batches cannot deadlock.
      // `= any(array(…))` probes the primary key; `in (select … jsonb)` is planned as 100 rows and, on a table of
      // some thousands, as a scan of all of it (this file and the other repositories write their id lists so).
      const raw = await em.execute<Record<string, unknown>[]>(
        `select * from alerts where id = any(array(select jsonb_array_elements_text(?::jsonb)::uuid))
          order by id for update`,
        [JSON.stringify(ids)],
      );
      const byId = new Map(raw.map((r) => [String(r.id), columns.fromColumns(r)]));
      const changed = new Set<AlertRow>();
      const changes: PendingAlertChange[] = [];
      const applied: AppliedRuntime = { states: 0, firings: 0, finished: 0, skipped: 0, histories: 0 };
      const firings: Record<string, unknown>[] = [];
      for (const { event, offset } of alertRecords) {
        const row = byId.get(event.alertId);
        if (!row) {
          applied.skipped++;
          continue;
        }
        // A firing happened whatever came after it: recorded even when a newer state was applied first.
        if (event.firing) {
          firings.push({
            trigger_id: event.firing.triggerId,
            alert_id: event.alertId,
            generation: event.firing.notification.generation,
            price: event.firing.price,
            fired_at: event.firing.firedAt,
            outcome: event.done ? "triggered" : "rearmed",
            notification: event.firing.notification,
          });
        }
        // Replayed, or older than what was applied: the state stays the newer one.
        if (row.runtimeOffset != null && BigInt(row.runtimeOffset) >= offset) {
          applied.skipped++;
          continue;
        }
        row.runtimeOffset = String(offset);
        changed.add(row);
        if (!OPEN.has(row.status)) continue;
        if (event.done && event.firing) {
          // A one-shot alert that fired is done: a change of the record the others hear of (pricing's demand).
          const alert: Alert = {
            ...toAlert(row),
            status: "triggered",
            lastTriggeredAt: event.firing.firedAt,
            lastTriggerPrice: event.firing.price,
            stateAsOfTick: event.asOfTick,
            version: row.version + 1,
            updatedAt: now.toISOString(),
          };
          Object.assign(row, toAlertRow(alert));
          changes.push({ change: "triggered", alert, at: now });
          applied.finished++;
        } else if (event.state && (event.levelsRevision ?? 0) < (row.levelsRevision ?? 0)) {
          // Computed under levels an edit has replaced since (the matcher had not heard of it yet): the record
          // keeps the re-based levels. Only the generation is carried on, so no later firing reuses a triggerId.
          row.generation = Math.max(row.generation, event.state.generation);
          applied.skipped++;
        } else if (event.state && olderThanStored(event.asOfTick, row.stateAsOfTick)) {
          // A state that holds after an earlier tick than the stored one (a late write of a former owner of
          // the partition, published after the next owner's): the stored one is newer.
          applied.skipped++;
        } else if (event.state) {
          // Runtime state is the matcher's, not a change of the alert: no version bump, no alerts.changes event.
          const fields = recordFieldsOf(event.state);
          Object.assign(row, {
            generation: fields.generation,
            phase: fields.phase,
            referencePrice: fields.referencePrice,
            thresholdUpper: fields.thresholds.upper,
            thresholdLower: fields.thresholds.lower,
            extreme: fields.extreme,
            // A state that keeps no session (every kind but session highs/lows) leaves none behind.
            extremeSince: fields.extremeSince ? new Date(fields.extremeSince) : null,
            // Likewise a side watched: only moving-average crosses keep one.
            watch: fields.watch ?? null,
            lastTriggeredAt: fields.lastTriggeredAt === null ? null : new Date(fields.lastTriggeredAt),
            lastTriggerPrice: fields.lastTriggerPrice,
            stateAsOfTick: event.asOfTick,
          } satisfies Partial<AlertRow>);
          applied.states++;
        }
      }
      if (changed.size > 0) {
        // What this consumer writes: the runtime fields, and status/version/updatedAt of a finished one-shot.
        await em.execute(
          `update alerts a
              set status = r.status, version = r.version, updated_at = r.updated_at,
                  generation = r.generation, phase = r.phase, reference_price = r.reference_price,
                  threshold_upper = r.threshold_upper, threshold_lower = r.threshold_lower, extreme = r.extreme,
                  extreme_since = r.extreme_since, watch = r.watch,
                  last_triggered_at = r.last_triggered_at, last_trigger_price = r.last_trigger_price,
                  state_as_of_tick = r.state_as_of_tick, runtime_offset = r.runtime_offset
             from jsonb_populate_recordset(null::alerts, ?::jsonb) as r
            where a.id = r.id`,
          [JSON.stringify([...changed].map((row) => columns.toColumns(row)))],
        );
      }
      await appendAlertChanges(em, changes);
      if (firings.length > 0) {
        // Idempotent by triggerId: a firing replayed (the matcher's replay after a crash) is recorded once.
        const inserted = await em.execute<{ trigger_id: string }[]>(
          `insert into alert_triggers
             (trigger_id, alert_id, generation, price, fired_at, outcome, recorded_at, notification, awaiting_outcome)
           select r.trigger_id, r.alert_id, r.generation, r.price, r.fired_at, r.outcome, ?, r.notification,
                  r.notification is not null
             from jsonb_to_recordset(?::jsonb) as r(trigger_id text, alert_id uuid, generation int, price float8,
                                                   fired_at timestamptz, outcome text, notification jsonb)
           on conflict (trigger_id) do nothing
           returning trigger_id`,
          [now, JSON.stringify(firings)],
        );
        applied.firings = inserted.length;
      }
      if (histories.length > 0) applied.histories = await storeHistories(em, histories, now);
      const progress = new Map<number, bigint>();
      for (const { partition, offset } of records) {
        if (offset + 1n > (progress.get(partition) ?? -1n)) progress.set(partition, offset + 1n);
      }
      if (progress.size > 0) {
        await em.execute(
          `insert into runtime_offsets ("partition", applied, updated_at)
           select p, a, ? from jsonb_to_recordset(?::jsonb) as r(p int, a bigint)
           on conflict ("partition") do update
             set applied = greatest(runtime_offsets.applied, excluded.applied), updated_at = excluded.updated_at`,
          [now, JSON.stringify([...progress].map(([p, a]) => ({ p, a: a.toString() })))],
        );
      }
      return applied;
    });
  }

  forgetStreamPositions(): Promise<void> {
    return this.#em.fork().transactional(async (em) => {
      await em.execute(
        "update alerts set state_as_of_tick = null, runtime_offset = null where runtime_offset is not null or state_as_of_tick is not null",
      );
      await em.execute("delete from runtime_offsets");
      await em.execute("update window_histories set as_of_tick = null, runtime_offset = -1");
    });
  }

  async windowHistories(): Promise<Record<string, WindowHistory>> {
    const rows = await this.#em
      .fork()
      .execute<{ symbol: string; as_of_tick: string | null; minutes: WindowHistory["minutes"] }[]>(
        "select symbol, as_of_tick::text as as_of_tick, minutes from window_histories",
      );
    return Object.fromEntries(rows.map((r) => [r.symbol, { asOfTick: r.as_of_tick, minutes: r.minutes }]));
  }

  async appliedOffsets(): Promise<Map<number, bigint>> {
    const rows = await this.#em
      .fork()
      .execute<{ partition: number; applied: string }[]>(
        `select "partition", applied::text as applied from runtime_offsets`,
      );
    return new Map(rows.map((r) => [Number(r.partition), BigInt(r.applied)]));
  }

  claimUndelivered(
    recordedBefore: Date,
    retryBefore: Date,
    limit: number,
    now: Date,
  ): Promise<Notification[]> {
    return this.#em.fork().transactional(async (em) => {
      // Firings past the grace period that got their outcome (or used up their re-emits) wait no longer: what
      // stays marked is only what is still to deliver, so this pass reads that, however long the history.
      await em.execute(
        `update alert_triggers set awaiting_outcome = false
          where trigger_id in (
            select t.trigger_id from alert_triggers t
             where t.awaiting_outcome and t.recorded_at < ?
               and (t.reemits >= ? or exists (select 1 from deliveries d where d.trigger_id = t.trigger_id))
             for update of t skip locked)`,
        [recordedBefore, MAX_REEMITS],
      );
      // Skip what another replica is claiming; a claim is its re-emission timestamp, so each waits a grace period.
      const rows = await em.execute<{ trigger_id: string; notification: Notification }[]>(
        `select t.trigger_id, t.notification
           from alert_triggers t
          where t.awaiting_outcome
            and t.recorded_at < ?
            and (t.reemitted_at is null or t.reemitted_at < ?)
            and t.reemits < ?
            and not exists (select 1 from deliveries d where d.trigger_id = t.trigger_id)
            and not exists (select 1 from held_notifications h where h.trigger_id = t.trigger_id)
          order by t.recorded_at
          limit ?
          for update of t skip locked`,
        [recordedBefore, retryBefore, MAX_REEMITS, limit],
      );
      if (rows.length === 0) return [];
      await em.execute(
        `update alert_triggers set reemitted_at = ?, reemits = reemits + 1
          where trigger_id = any(array(select jsonb_array_elements_text(?::jsonb)))`,
        [now, JSON.stringify(rows.map((r) => r.trigger_id))],
      );
      return rows.map((r) => r.notification);
    });
  }
}

/**
 * Keeps each symbol's latest history: a replayed event (an offset already applied) or one that holds after an
 * earlier tick than the stored one (a former owner's late write) changes nothing.
 */
async function storeHistories(
  em: SqlEntityManager,
  histories: readonly { event: WindowHistoryEvent; offset: bigint }[],
  now: Date,
): Promise<number> {
  const latest = new Map<string, { event: WindowHistoryEvent; offset: bigint }>();
  for (const h of histories) latest.set(h.event.symbol, h);
  const stored = await em.execute<{ symbol: string }[]>(
    `insert into window_histories (symbol, as_of_tick, runtime_offset, minutes, updated_at)
     select r.symbol, r.as_of_tick, r.runtime_offset, r.minutes, ?
       from jsonb_to_recordset(?::jsonb) as r(symbol text, as_of_tick bigint, runtime_offset bigint, minutes jsonb)
     on conflict (symbol) do update
       set as_of_tick = excluded.as_of_tick, runtime_offset = excluded.runtime_offset,
           minutes = excluded.minutes, updated_at = excluded.updated_at
     where excluded.runtime_offset > window_histories.runtime_offset
       and (excluded.as_of_tick is null or window_histories.as_of_tick is null
            or excluded.as_of_tick >= window_histories.as_of_tick)
     returning symbol`,
    [
      now,
      JSON.stringify(
        [...latest.values()].map(({ event, offset }) => ({
          symbol: event.symbol,
          as_of_tick: event.asOfTick,
          runtime_offset: offset.toString(),
          minutes: event.minutes,
        })),
      ),
    ],
  );
  return stored.length;
}

function olderThanStored(asOfTick: string | null, stored: string | null | undefined): boolean {
  return asOfTick !== null && stored != null && BigInt(asOfTick) < BigInt(stored);
}
