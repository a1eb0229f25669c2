// The matcher as a service: one consumer group on prices.ticks + alerts.changes (co-partitioned by symbol, so
// a member owning partition p sees every tick and every change of p's symbols), an AlertIndex holding the
// active alerts of the owned partitions, and notifications published to notifications.<platform>.
//
// Delivery guarantees, and what survives a restart:
// - Ticks are at-least-once: an offset is committed after its handler resolved, and the handler resolves only
//   after the notifications it produced were acknowledged by the bus (a failed publish keeps them pending and
//   fails the handler, so the bus retries; the index has already moved on, so the retry fires nothing new
//   and only re-sends the pending ones).
// - A one-shot alert leaves the index when it fires; a repeating one moves to generation + 1 and cools down.
//   Until alerts.changes brings the alert service's record of that firing ("triggered"/"rearmed"), the
//   firing sits in `unconfirmed`: an older record of the alert (a snapshot, or a change made meanwhile)
//   cannot put it back at the fired generation. On hand-over (revoke, stop) the unconfirmed firings are
//   recorded with the alert service directly (idempotent by triggerId), so the next owner's snapshot already
//   shows them and it does not fire the same generation again. The bus reports a revocation after the new
//   assignment, so on a rebalance (another member joining) the next owner may load its snapshot while this
//   runs; then a firing from just before the rebalance can fire once more on the new owner if the alert
//   service's trigger consumer had not recorded it yet (same triggerId, de-duplicated downstream). stop()
//   hands over before leaving the group, and a restart of a single instance is exact.
// - Trailing peaks and troughs are flushed to the alert service every `extremeFlushMs` (shorter than the bus
//   commit interval), on revoke and on stop. After a hard crash the next owner starts from the last flushed
//   extreme and replays the ticks since the last committed offset, which re-derives the peak from them. What
//   is lost is only a peak reached by ticks whose offsets were committed after the last successful flush:
//   at most `extremeFlushMs` of ticks (longer while the alert service is unreachable).
// - What a hard crash can still duplicate on a notification topic: a firing published before the crash whose
//   tick offset was not committed yet and that the alert service had not recorded yet (its trigger consumer
//   lags by a few hundred ms): the replayed tick fires the same generation again, with the same triggerId.
//   The alert service answers `duplicate` to the second record and the bots de-duplicate on triggerId.

import type { PartitionsChange, RetryPolicy, Subscription } from "@tickerbell/bus";
import type { Logger } from "@tickerbell/config";
import { Counter, Gauge, type Registry } from "@tickerbell/config";
import {
  type Alert,
  type AlertChangeEvent,
  type ExtremeUpdate,
  type Notification,
  notificationTopicOf,
  type PriceTick,
  TOPIC_ALERT_CHANGES,
  TOPIC_PRICE_TICKS,
} from "@tickerbell/contracts";
import { AlertIndex, type AlertIndexOptions } from "../alert-index.ts";
import { expiryNotification, firingNotification } from "./notifications.ts";
import {
  type AlertSnapshotSource,
  type ExtremeStore,
  type MatcherBus,
  type MatcherClock,
  systemClock,
  type TriggerRecorder,
} from "./ports.ts";

export const MATCHER_GROUP = "matcher";
/** Shorter than the bus's commit interval (1 s by default), see the comment at the top. */
export const DEFAULT_EXTREME_FLUSH_MS = 500;

export interface MatcherServiceOptions {
  bus: MatcherBus;
  snapshots: AlertSnapshotSource;
  extremes: ExtremeStore;
  /** Records firings on hand-over; without it the next owner relies on the alert service's trigger consumer. */
  triggers?: TriggerRecorder;
  logger: Logger;
  metrics: Registry;
  clock?: MatcherClock;
  groupId?: string;
  extremeFlushMs?: number;
  index?: AlertIndexOptions;
  retry?: Partial<RetryPolicy>;
  /**
   * Where a group without committed offsets starts. Default false: the snapshot stands for the history of
   * alerts.changes, and replaying days of retained ticks would fire alerts on stale prices. Tests that start
   * a fresh group per test and publish right away set it to true.
   */
  fromBeginning?: boolean;
}

/** The alert service's latest record of an active alert, as applied. */
interface HeldRecord {
  alert: Alert;
  partition: number;
}

/** Version of an alert that is no longer active, so a late or re-published older change cannot revive it. */
interface Tombstone {
  version: number;
  partition: number;
}

/** Tombstones kept (oldest dropped first): they only need to outlive re-published and replayed changes. */
const MAX_TOMBSTONES = 100_000;

interface UnconfirmedFiring {
  generation: number;
  triggerId: string;
  price: number;
  firedAt: string;
  partition: number;
  /** Recorded with the alert service on a hand-over (the guard stays until alerts.changes confirms it). */
  recorded: boolean;
}

export class MatcherService {
  readonly #bus: MatcherBus;
  readonly #snapshots: AlertSnapshotSource;
  readonly #extremes: ExtremeStore;
  readonly #triggers: TriggerRecorder | undefined;
  readonly #logger: Logger;
  readonly #clock: MatcherClock;
  readonly #groupId: string;
  readonly #extremeFlushMs: number;
  readonly #retry: Partial<RetryPolicy> | undefined;
  readonly #fromBeginning: boolean;
  readonly #index: AlertIndex;

  readonly #owned = new Set<number>();
  readonly #records = new Map<string, HeldRecord>();
  readonly #tombstones = new Map<string, Tombstone>();
  /**
   * Per owned partition, the alerts.changes seq its snapshot reflects: replayed changes up to it are dropped.
   * (Only the snapshot's value: seqs of changes applied later are not compared across alerts, so a duplicate
   * re-published by the relay is dropped by its alert's version instead.)
   */
  readonly #snapshotSeq = new Map<number, bigint>();
  readonly #unconfirmed = new Map<string, UnconfirmedFiring>();
  readonly #lastPrice = new Map<string, number>();
  /** Trailing alerts per symbol, and the symbols that had a tick since their extremes were last flushed. */
  readonly #trailing = new Map<string, Set<string>>();
  readonly #dirtySymbols = new Set<string>();
  readonly #flushedExtreme = new Map<string, { generation: number; extreme: number }>();
  #pending: Notification[] = [];

  #subscription: Subscription | undefined;
  #flushTimer: ReturnType<typeof setInterval> | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #loadsInFlight = 0;
  #assignmentsHandled = 0;
  #stopping = false;

  readonly #ticks: Counter<never>;
  readonly #published: Counter<"type">;
  readonly #flushFailures: Counter<never>;

  constructor(options: MatcherServiceOptions) {
    this.#bus = options.bus;
    this.#snapshots = options.snapshots;
    this.#extremes = options.extremes;
    this.#triggers = options.triggers;
    this.#logger = options.logger;
    this.#clock = options.clock ?? systemClock;
    this.#groupId = options.groupId ?? MATCHER_GROUP;
    this.#extremeFlushMs = options.extremeFlushMs ?? DEFAULT_EXTREME_FLUSH_MS;
    this.#retry = options.retry;
    this.#fromBeginning = options.fromBeginning ?? false;
    this.#index = new AlertIndex(options.index);
    // One registry may hold the metrics of several instances (tests, a process running two): the counters
    // are shared, the gauges report the instance that registered them first.
    const registry = options.metrics;
    const registers = [registry];
    const existing = <T>(name: string) => registry.getSingleMetric(name) as T | undefined;
    this.#ticks =
      existing<Counter<never>>("tickerbell_matcher_ticks_total") ??
      new Counter({ name: "tickerbell_matcher_ticks_total", help: "Ticks matched", registers });
    this.#published =
      existing<Counter<"type">>("tickerbell_matcher_notifications_total") ??
      new Counter({
        name: "tickerbell_matcher_notifications_total",
        help: "Notifications published, by type (triggered, expired)",
        labelNames: ["type"],
        registers,
      });
    this.#flushFailures =
      existing<Counter<never>>("tickerbell_matcher_extreme_flush_failures_total") ??
      new Counter({
        name: "tickerbell_matcher_extreme_flush_failures_total",
        help: "Flushes of trailing extremes that failed (retried on the next interval)",
        registers,
      });
    const index = this.#index;
    const owned = this.#owned;
    if (!existing("tickerbell_matcher_alerts")) {
      new Gauge({
        name: "tickerbell_matcher_alerts",
        help: "Alerts in this instance's index",
        registers,
        collect() {
          this.set(index.size);
        },
      });
    }
    if (!existing("tickerbell_matcher_owned_partitions")) {
      new Gauge({
        name: "tickerbell_matcher_owned_partitions",
        help: "Partitions of prices.ticks (and alerts.changes) this instance owns",
        registers,
        collect() {
          this.set(owned.size);
        },
      });
    }
  }

  /** True once subscribed and the alerts of the partitions assigned so far are loaded. */
  get ready(): boolean {
    return this.#subscription !== undefined && this.#assignmentsHandled > 0 && this.#loadsInFlight === 0;
  }

  /** Partitions owned right now (for tests and operators). */
  get ownedPartitions(): number[] {
    return [...this.#owned].sort((a, b) => a - b);
  }

  get indexedAlerts(): number {
    return this.#index.size;
  }

  /** The last tick price seen for a symbol of an owned partition. */
  lastPriceOf(symbol: string): number | undefined {
    return this.#lastPrice.get(symbol);
  }

  /** Whether the alert is in this instance's index (armed, cooling or waiting for its band). */
  holds(alertId: string): boolean {
    return this.#index.has(alertId);
  }

  async start(): Promise<void> {
    await this.#bus.start();
    this.#subscription = await this.#bus.subscribe({
      groupId: this.#groupId,
      topics: [TOPIC_PRICE_TICKS, TOPIC_ALERT_CHANGES],
      fromBeginning: this.#fromBeginning,
      ...(this.#retry ? { retry: this.#retry } : {}),
      onPartitionsChanged: (change) => this.#onPartitionsChanged(change),
      handler: async (message) => {
        if (message.topic === TOPIC_PRICE_TICKS) await this.#onTick(message.value, message.partition);
        else await this.#onChange(message.value, message.partition);
      },
    });
    this.#flushTimer = setInterval(() => void this.flushExtremes(), this.#extremeFlushMs);
    this.#flushTimer.unref();
  }

  /** Drains the message in flight, hands every partition over (flushing its state) and leaves the group. */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#flushTimer);
    // Once this member leaves, the others rejoin and load their snapshots, possibly while the revoke below is
    // still flushing: hand over what is known now first, so only the last moments' state can be late.
    await this.flushExtremes();
    await this.#recordUnconfirmed(new Set(this.#owned));
    const subscription = this.#subscription;
    this.#subscription = undefined;
    await subscription?.stop();
    await this.#flushing;
  }

  /** Persists the extremes of trailing alerts that moved since the last flush (serialised with other flushes). */
  flushExtremes(symbols?: (symbol: string) => boolean): Promise<void> {
    const run = this.#flushing.then(() => this.#flushExtremesNow(symbols));
    this.#flushing = run.catch(() => {});
    return this.#flushing;
  }

  // --- partitions -----------------------------------------------------------------------------------------

  async #onPartitionsChanged(change: PartitionsChange): Promise<void> {
    const lost = new Set(change.revoked.map((tp) => tp.partition).filter((p) => this.#owned.has(p)));
    const gained = new Set(change.assigned.map((tp) => tp.partition).filter((p) => !this.#owned.has(p)));
    if (lost.size > 0) await this.#release(lost);
    if (gained.size > 0) await this.#load(gained);
    this.#assignmentsHandled++;
    this.#logger.info(
      { gained: [...gained], lost: [...lost], owned: this.ownedPartitions, alerts: this.#index.size },
      "partitions changed",
    );
  }

  /** Builds the index of the symbols of `partitions` from the alert service's snapshot, retrying until it has it. */
  async #load(partitions: Set<number>): Promise<void> {
    this.#loadsInFlight++;
    try {
      for (const p of partitions) this.#owned.add(p);
      let backoffMs = 200;
      for (;;) {
        try {
          let loaded = 0;
          let asOfSeq: bigint | undefined;
          for await (const page of this.#snapshots.activeAlerts()) {
            // The first page's seq: every later page reflects at least the changes up to it, so replayed
            // changes up to it are in the snapshot already (or their alert is no longer active) and are dropped.
            if (asOfSeq === undefined) {
              asOfSeq = BigInt(page.asOfSeq);
              for (const p of partitions) this.#snapshotSeq.set(p, asOfSeq);
            }
            for (const alert of page.alerts) {
              if (!partitions.has(this.#partitionOf(alert.symbol))) continue;
              this.#apply(alert);
              loaded++;
            }
          }
          this.#logger.info(
            { partitions: [...partitions], loaded, asOfSeq: String(asOfSeq ?? 0n) },
            "alerts loaded",
          );
          return;
        } catch (error) {
          // Consuming these partitions without their alerts would lose firings: wait for the alert service.
          if (this.#stopping) throw error;
          this.#logger.error({ err: error, retryInMs: backoffMs }, "loading the alert snapshot failed");
          await new Promise((resolve) => setTimeout(resolve, backoffMs));
          backoffMs = Math.min(backoffMs * 2, 10_000);
        }
      }
    } finally {
      this.#loadsInFlight--;
    }
  }

  /** Hands `partitions` over: their state goes to the alert service, then leaves this instance. */
  async #release(partitions: Set<number>): Promise<void> {
    const ofPartitions = (symbol: string) => partitions.has(this.#partitionOf(symbol));
    await this.flushExtremes(ofPartitions);
    await this.#recordUnconfirmed(partitions);
    for (const [alertId, record] of this.#records) {
      if (!partitions.has(record.partition)) continue;
      this.#index.remove(alertId);
      this.#records.delete(alertId);
      this.#flushedExtreme.delete(alertId);
    }
    for (const [alertId, tombstone] of this.#tombstones) {
      if (partitions.has(tombstone.partition)) this.#tombstones.delete(alertId);
    }
    for (const [alertId, firing] of this.#unconfirmed) {
      if (partitions.has(firing.partition)) this.#unconfirmed.delete(alertId);
    }
    for (const symbols of [this.#trailing.keys(), this.#lastPrice.keys()]) {
      for (const symbol of symbols) {
        if (!ofPartitions(symbol)) continue;
        this.#trailing.delete(symbol);
        this.#lastPrice.delete(symbol);
        this.#dirtySymbols.delete(symbol);
      }
    }
    for (const p of partitions) {
      this.#owned.delete(p);
      this.#snapshotSeq.delete(p);
    }
  }

  async #recordUnconfirmed(partitions: Set<number>): Promise<void> {
    if (!this.#triggers) return;
    for (const [alertId, firing] of this.#unconfirmed) {
      if (!partitions.has(firing.partition) || firing.recorded) continue;
      try {
        const { outcome } = await this.#triggers.recordTrigger({
          triggerId: firing.triggerId,
          price: firing.price,
          firedAt: firing.firedAt,
        });
        firing.recorded = true;
        this.#logger.debug({ alertId, triggerId: firing.triggerId, outcome }, "firing recorded on hand-over");
      } catch (error) {
        // The trigger consumer of the alert service records it anyway; only the next owner may fire it again.
        this.#logger.warn({ err: error, alertId, triggerId: firing.triggerId }, "recording a firing failed");
      }
    }
  }

  #partitionOf(symbol: string): number {
    return this.#bus.partitionOf(TOPIC_ALERT_CHANGES, symbol);
  }

  // --- messages -------------------------------------------------------------------------------------------

  async #onTick(tick: PriceTick, partition: number): Promise<void> {
    if (!this.#owned.has(partition)) return;
    this.#ticks.inc();
    this.#lastPrice.set(tick.symbol, tick.price);
    const events = this.#index.onTick(tick);
    if (this.#trailing.has(tick.symbol)) this.#dirtySymbols.add(tick.symbol);
    for (const event of events) {
      if (event.type === "expired") {
        // The alert service's expiry sweep sends the "expired" change; the user is told from there, once.
        this.#untrack(event.alertId, event.symbol);
        continue;
      }
      const alert = this.#records.get(event.alertId)?.alert;
      if (!alert) {
        this.#logger.error({ alertId: event.alertId }, "fired an alert without a record; not notified");
        continue;
      }
      this.#pending.push(firingNotification(event, alert));
      this.#unconfirmed.set(event.alertId, {
        generation: event.generation,
        triggerId: event.triggerId,
        price: event.price,
        firedAt: new Date(event.ts).toISOString(),
        partition,
        recorded: false,
      });
      if (!event.repeating) this.#untrack(event.alertId, event.symbol);
      this.#logger.info(
        { alertId: event.alertId, symbol: event.symbol, triggerId: event.triggerId, price: event.price },
        "alert fired",
      );
    }
    await this.#publishPending();
  }

  async #onChange(event: AlertChangeEvent, partition: number): Promise<void> {
    if (!this.#owned.has(partition)) return;
    if (BigInt(event.seq) <= (this.#snapshotSeq.get(partition) ?? 0n)) return;
    // A one-shot alert that fired before the alert service recorded it and then swept it as expired: the
    // user was told it fired, not that it expired.
    const firedFirst = this.#unconfirmed.has(event.alert.id) && event.alert.repeat === null;
    const applied = this.#apply(event.alert);
    if (applied && event.change === "expired" && !firedFirst) {
      this.#pending.push(
        expiryNotification(event.alert, this.#lastPrice.get(event.alert.symbol), this.#clock.now()),
      );
    }
    await this.#publishPending();
  }

  /** Applies the alert service's record if it is newer than the one held; returns whether it was. */
  #apply(alert: Alert): boolean {
    const held = this.#records.get(alert.id)?.alert.version ?? this.#tombstones.get(alert.id)?.version;
    if (held !== undefined && alert.version <= held) return false;
    const partition = this.#partitionOf(alert.symbol);
    const active = alert.status === "active";
    if (active) {
      this.#tombstones.delete(alert.id);
      this.#records.set(alert.id, { alert, partition });
    } else {
      this.#records.delete(alert.id);
      this.#tombstones.delete(alert.id);
      this.#tombstones.set(alert.id, { version: alert.version, partition });
      if (this.#tombstones.size > MAX_TOMBSTONES) {
        const oldest = this.#tombstones.keys().next();
        if (!oldest.done) this.#tombstones.delete(oldest.value);
      }
    }
    const fired = this.#unconfirmed.get(alert.id);
    if (fired) {
      if (active && alert.generation <= fired.generation) {
        // The alert service has not recorded our firing yet; this record is behind the index. Keep the record
        // (its note may have changed) but do not put the alert back at the generation that fired.
        return true;
      }
      this.#unconfirmed.delete(alert.id);
    }
    if (!active) {
      this.#index.remove(alert.id);
      this.#untrack(alert.id, alert.symbol);
      return true;
    }
    this.#index.upsert(alert);
    if (alert.condition.kind === "trailing" && this.#index.has(alert.id)) {
      let ids = this.#trailing.get(alert.symbol);
      if (!ids) {
        ids = new Set();
        this.#trailing.set(alert.symbol, ids);
      }
      ids.add(alert.id);
    }
    return true;
  }

  #untrack(alertId: string, symbol: string): void {
    const ids = this.#trailing.get(symbol);
    if (!ids?.delete(alertId)) return;
    this.#flushedExtreme.delete(alertId);
    if (ids.size === 0) this.#trailing.delete(symbol);
  }

  /** Publishes what is pending, per platform topic; what was not sent stays pending and the handler fails. */
  async #publishPending(): Promise<void> {
    if (this.#pending.length === 0) return;
    const byTopic = new Map<ReturnType<typeof notificationTopicOf>, Notification[]>();
    for (const n of this.#pending) {
      const topic = notificationTopicOf(n.origin.platform);
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), n]);
    }
    this.#pending = [];
    const topics = [...byTopic.keys()];
    for (const [i, topic] of topics.entries()) {
      const notifications = byTopic.get(topic) ?? [];
      try {
        await this.#bus.publish(
          topic,
          notifications.map((value) => ({ value })),
        );
      } catch (error) {
        this.#pending = [...topics.slice(i).flatMap((t) => byTopic.get(t) ?? []), ...this.#pending];
        throw error;
      }
      for (const n of notifications) this.#published.inc({ type: n.type });
    }
  }

  // --- extremes -------------------------------------------------------------------------------------------

  async #flushExtremesNow(symbols?: (symbol: string) => boolean): Promise<void> {
    const updates: ExtremeUpdate[] = [];
    const flushed: string[] = [];
    for (const symbol of [...this.#dirtySymbols]) {
      if (symbols && !symbols(symbol)) continue;
      this.#dirtySymbols.delete(symbol);
      flushed.push(symbol);
      for (const alertId of this.#trailing.get(symbol) ?? []) {
        const state = this.#index.exportState(alertId);
        if (!state || state.extreme === null) continue;
        const record = this.#records.get(alertId)?.alert;
        if (!record || record.generation !== state.generation) {
          // The alert service is not on this generation yet (a firing not recorded yet): try again later.
          this.#dirtySymbols.add(symbol);
          continue;
        }
        const last = this.#flushedExtreme.get(alertId);
        if (last && last.generation === state.generation && last.extreme === state.extreme) continue;
        updates.push({ alertId, generation: state.generation, extreme: state.extreme });
      }
    }
    if (updates.length === 0) return;
    try {
      await this.#extremes.saveExtremes(updates);
      for (const u of updates)
        this.#flushedExtreme.set(u.alertId, { generation: u.generation, extreme: u.extreme });
    } catch (error) {
      this.#flushFailures.inc();
      for (const symbol of flushed) this.#dirtySymbols.add(symbol);
      this.#logger.warn({ err: error, updates: updates.length }, "flushing trailing extremes failed");
      throw error;
    }
  }
}
