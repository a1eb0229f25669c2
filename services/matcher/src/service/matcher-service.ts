// The matcher as a service: one consumer group on prices.ticks + alerts.changes (co-partitioned by symbol, so a
// member owning partition p sees every tick and every change of p's symbols), an AlertIndex holding the active
// alerts of the owned partitions, notifications published to notifications.<platform>, and the runtime state of
// those alerts written to alerts.runtime. Its firing is authoritative: nothing waits for the alert service.
//
// Nothing lost, nothing doubled (the design is in ../../README.md, "Restarts, hand-overs, crashes"):
// - Offsets are committed by hand, only at a checkpoint: first every runtime state that changed since the last
//   one is published to alerts.runtime (with the tick offset it holds after), then the offsets of what was
//   handled are committed. A firing's notification and its runtime event are published before its tick's
//   handler resolves.
// - A matcher that takes a partition over loads the alerts from the alert service, which answers only once it
//   has applied alerts.runtime up to the partition's end offset; each alert joins the index only when the
//   replayed ticks pass the offset its stored state holds after. Replaying the ticks since the last commit then
//   reproduces exactly what the previous owner did: the same firings (same triggerIds, de-duplicated by the
//   bots), the same peaks, the same re-arms.

import type { PartitionsChange, Subscription } from "@tickerbell/bus";
import type { Logger } from "@tickerbell/config";
import { Counter, Gauge, type Registry } from "@tickerbell/config";
import {
  type Alert,
  type AlertChangeEvent,
  type AlertRuntimeEvent,
  type AlertRuntimeState,
  type Notification,
  notificationTopicOf,
  type PriceTick,
  TOPIC_ALERT_CHANGES,
  TOPIC_ALERT_RUNTIME,
  TOPIC_PRICE_TICKS,
} from "@tickerbell/contracts";
import { runtimeStateOf } from "@tickerbell/rules";
import { AlertIndex, type AlertIndexOptions } from "../alert-index.ts";
import type { Firing } from "../types.ts";
import { expiryNotification, firingNotification } from "./notifications.ts";
import { type AlertSnapshotSource, type MatcherBus, type MatcherClock, systemClock } from "./ports.ts";

export const MATCHER_GROUP = "matcher";
/** How often changed runtime state is written and offsets committed: the most a crash makes the next owner replay. */
export const DEFAULT_CHECKPOINT_MS = 500;

export interface MatcherServiceOptions {
  bus: MatcherBus;
  snapshots: AlertSnapshotSource;
  logger: Logger;
  metrics: Registry;
  clock?: MatcherClock;
  groupId?: string;
  checkpointMs?: number;
  index?: AlertIndexOptions;
  /**
   * Where a group without committed offsets starts. Default false: the snapshot stands for the history of
   * alerts.changes, and replaying days of retained ticks would fire alerts on stale prices. Tests that start
   * a fresh group per test and publish right away set it to true.
   */
  fromBeginning?: boolean;
}

/** An alert of an owned partition: its latest definition and, while it is outside the index, its state. */
interface Tracked {
  alert: Alert;
  partition: number;
  /** Runtime state while the alert is out of the index: paused, or waiting to join (see joinAfterTick). */
  parked: AlertRuntimeState | null;
  /** Joins the index before the first replayed tick after this offset (its stored state holds after it). */
  joinAfterTick: bigint | null;
  /** A one-shot alert that fired: out of the index for good, waiting for the alert service's record of it. */
  done: boolean;
  /** The state alerts.runtime last got for it (or the stored one): a checkpoint writes only what differs. */
  persisted: AlertRuntimeState | null;
}

interface OwnedPartition {
  /** Offset of the last tick and the last change handled: what the next checkpoint commits. */
  lastTick: bigint | null;
  lastChange: bigint | null;
  committedTick: bigint | null;
  committedChange: bigint | null;
  /** Alerts waiting for the replay to pass their stored state's tick, earliest first. */
  joining: Tracked[];
  /** Symbols whose alerts may have changed state since the last checkpoint, and alerts that left the index. */
  dirtySymbols: Set<string>;
  dirtyAlerts: Set<string>;
}

/** What a tick produced that the bus has not acknowledged yet (kept across the bus's retries of the tick). */
interface Pending {
  notifications: Notification[];
  runtime: AlertRuntimeEvent[];
}

export class MatcherService {
  readonly #bus: MatcherBus;
  readonly #snapshots: AlertSnapshotSource;
  readonly #logger: Logger;
  readonly #clock: MatcherClock;
  readonly #groupId: string;
  readonly #checkpointMs: number;
  readonly #fromBeginning: boolean;
  readonly #index: AlertIndex;
  readonly #tracked = new Map<string, Tracked>();
  readonly #bySymbol = new Map<string, Set<string>>();
  readonly #owned = new Map<number, OwnedPartition>();
  /** Per symbol, the highest alerts.changes seq applied (or reflected by the snapshot): older ones are replays. */
  readonly #changeSeqs = new Map<string, bigint>();
  readonly #lastPrice = new Map<string, number>();
  #pending: Pending = { notifications: [], runtime: [] };
  #subscription: Subscription | undefined;
  #checkpointTimer: NodeJS.Timeout | undefined;
  /** Handlers, checkpoints and partition changes run one at a time, in this chain. */
  #serial: Promise<unknown> = Promise.resolve();
  #loadsInFlight = 0;
  #assignmentsHandled = 0;
  #stopping = false;
  #abandoned = false;
  readonly #ticks: Counter<never>;
  readonly #published: Counter<"type">;
  readonly #checkpoints: Counter<"outcome">;
  readonly #stateWrites: Counter<never>;

  constructor(options: MatcherServiceOptions) {
    this.#bus = options.bus;
    this.#snapshots = options.snapshots;
    this.#logger = options.logger;
    this.#clock = options.clock ?? systemClock;
    this.#groupId = options.groupId ?? MATCHER_GROUP;
    this.#checkpointMs = options.checkpointMs ?? DEFAULT_CHECKPOINT_MS;
    this.#fromBeginning = options.fromBeginning ?? false;
    this.#index = new AlertIndex(options.index);
    const registers = [options.metrics];
    const existing = <M>(name: string) => options.metrics.getSingleMetric(name) as M | undefined;
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
    this.#checkpoints =
      existing<Counter<"outcome">>("tickerbell_matcher_checkpoints_total") ??
      new Counter({
        name: "tickerbell_matcher_checkpoints_total",
        help: "Checkpoints (runtime state written, offsets committed), by outcome (ok, failed)",
        labelNames: ["outcome"],
        registers,
      });
    this.#stateWrites =
      existing<Counter<never>>("tickerbell_matcher_runtime_events_total") ??
      new Counter({
        name: "tickerbell_matcher_runtime_events_total",
        help: "alerts.runtime events written (firings and checkpointed states)",
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
    return [...this.#owned.keys()].sort((a, b) => a - b);
  }

  get indexedAlerts(): number {
    return this.#index.size;
  }

  /** The last tick price seen for a symbol of an owned partition. */
  lastPriceOf(symbol: string): number | undefined {
    return this.#lastPrice.get(symbol);
  }

  /**
   * Whether this instance watches the alert: in its index (armed, cooling or waiting for its band), or joining
   * it with the next tick after the one its stored state holds after.
   */
  holds(alertId: string): boolean {
    if (this.#index.has(alertId)) return true;
    const tracked = this.#tracked.get(alertId);
    return tracked?.joinAfterTick != null && tracked.alert.status === "active" && !tracked.done;
  }

  /** The runtime state the matcher holds for an alert (index or parked), for tests and operators. */
  stateOf(alertId: string): AlertRuntimeState | undefined {
    return this.#index.exportState(alertId) ?? this.#tracked.get(alertId)?.parked ?? undefined;
  }

  async start(): Promise<void> {
    await this.#bus.start();
    this.#subscription = await this.#bus.subscribe({
      groupId: this.#groupId,
      topics: [TOPIC_PRICE_TICKS, TOPIC_ALERT_CHANGES],
      fromBeginning: this.#fromBeginning,
      commit: "manual",
      // A failing publish is retried for a long time rather than dead-lettering a tick: a dead-lettered tick
      // would skip a crossing. The pending firings stay pending meanwhile (see #onTick).
      retry: { maxAttempts: 1_000, initialBackoffMs: 100, maxBackoffMs: 5_000 },
      onPartitionsChanged: (change) => this.#inSeries(() => this.#onPartitionsChanged(change)),
      handler: (message) =>
        this.#inSeries(() =>
          message.topic === TOPIC_PRICE_TICKS
            ? this.#onTick(message.value, message.partition, BigInt(message.offset))
            : this.#onChange(message.value, message.partition, BigInt(message.offset)),
        ),
    });
    this.#checkpointTimer = setInterval(() => void this.checkpoint().catch(() => {}), this.#checkpointMs);
    this.#checkpointTimer.unref();
  }

  /** Checkpoints every owned partition, then leaves the group (a restart then replays nothing). */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    clearInterval(this.#checkpointTimer);
    await this.checkpoint().catch((err: unknown) => this.#logger.warn({ err }, "final checkpoint failed"));
    const subscription = this.#subscription;
    this.#subscription = undefined;
    await subscription?.stop();
  }

  /**
   * Leaves the group without a checkpoint, as a crash would: the next owner replays from the last checkpoint.
   * For fault tests; a process that is going away calls stop().
   */
  async abandon(): Promise<void> {
    this.#stopping = true;
    this.#abandoned = true;
    clearInterval(this.#checkpointTimer);
    const subscription = this.#subscription;
    this.#subscription = undefined;
    await subscription?.stop();
  }

  /** Waits until every tick and change published so far to the owned partitions is handled. */
  async caughtUp(): Promise<void> {
    await this.#subscription?.caughtUp();
  }

  /** Writes the runtime state that changed, then commits what was handled (see the top of the file). */
  checkpoint(partitions?: ReadonlySet<number>): Promise<void> {
    return this.#inSeries(async () => {
      try {
        await this.#checkpointNow(partitions);
        this.#checkpoints.inc({ outcome: "ok" });
      } catch (error) {
        this.#checkpoints.inc({ outcome: "failed" });
        this.#logger.warn({ err: error }, "checkpoint failed; the next one retries");
        throw error;
      }
    });
  }

  #inSeries<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#serial.then(work);
    this.#serial = run.catch(() => {});
    return run;
  }

  // --- partitions -----------------------------------------------------------------------------------------

  async #onPartitionsChanged(change: PartitionsChange): Promise<void> {
    const partitionsOf = (list: PartitionsChange["assigned"]) =>
      new Set(list.filter((tp) => tp.topic === TOPIC_PRICE_TICKS).map((tp) => tp.partition));
    const lost = new Set([...partitionsOf(change.revoked)].filter((p) => this.#owned.has(p)));
    const gained = new Set([...partitionsOf(change.assigned)].filter((p) => !this.#owned.has(p)));
    if (lost.size > 0) await this.#release(lost);
    if (gained.size > 0) await this.#load(gained);
    this.#assignmentsHandled++;
    this.#logger.info(
      { gained: [...gained], lost: [...lost], owned: this.ownedPartitions, alerts: this.#index.size },
      "partitions changed",
    );
  }

  /** Takes partitions over: their alerts and stored runtime state, once the alert service has applied it all. */
  async #load(partitions: Set<number>): Promise<void> {
    this.#loadsInFlight++;
    try {
      let backoffMs = 200;
      for (;;) {
        try {
          const ends = await this.#bus.endOffsets(TOPIC_ALERT_RUNTIME);
          const runtimeOffsets = new Map([...partitions].map((p) => [p, ends.get(p) ?? "0"] as const));
          const loaded: Alert[] = [];
          let changeSeqs: Readonly<Record<string, string>> = {};
          let first = true;
          for await (const page of this.#snapshots.activeAlerts({
            partitions: [...partitions],
            partitionCount: this.#bus.partitionsOf(TOPIC_PRICE_TICKS),
            runtimeOffsets,
          })) {
            if (first) changeSeqs = page.changeSeqs;
            first = false;
            for (const alert of page.alerts)
              if (partitions.has(this.#partitionOf(alert.symbol))) loaded.push(alert);
          }
          for (const p of partitions) this.#owned.set(p, emptyPartition());
          for (const [symbol, seq] of Object.entries(changeSeqs)) {
            if (partitions.has(this.#partitionOf(symbol))) this.#changeSeqs.set(symbol, BigInt(seq));
          }
          for (const alert of loaded) this.#track(alert, runtimeStateOf(alert));
          for (const p of partitions) this.#owned.get(p)!.joining.sort(byJoinTick);
          this.#logger.info(
            {
              partitions: [...partitions],
              loaded: loaded.length,
              runtimeOffsets: Object.fromEntries(runtimeOffsets),
            },
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

  /**
   * Hands partitions over: writes their changed state (best effort: the new owner may already be replaying
   * from the last checkpoint, which is just as exact), then forgets them.
   */
  async #release(partitions: Set<number>): Promise<void> {
    if (!this.#abandoned)
      await this.#checkpointNow(partitions, { commit: false }).catch((err: unknown) =>
        this.#logger.warn({ err, partitions: [...partitions] }, "hand-over checkpoint failed"),
      );
    for (const [alertId, tracked] of this.#tracked) {
      if (partitions.has(tracked.partition)) this.#untrack(alertId);
    }
    for (const symbol of [...this.#changeSeqs.keys(), ...this.#lastPrice.keys()]) {
      if (!partitions.has(this.#partitionOf(symbol))) continue;
      this.#changeSeqs.delete(symbol);
      this.#lastPrice.delete(symbol);
    }
    for (const p of partitions) this.#owned.delete(p);
  }

  #partitionOf(symbol: string): number {
    return this.#bus.partitionOf(TOPIC_PRICE_TICKS, symbol);
  }

  // --- messages -------------------------------------------------------------------------------------------

  async #onTick(tick: PriceTick, partition: number, offset: bigint): Promise<void> {
    const owned = this.#owned.get(partition);
    if (!owned) return;
    // The bus retries a tick whose publish failed: the index has applied it already, only re-send.
    if (owned.lastTick !== null && offset <= owned.lastTick) return this.#publishPending();
    this.#join(owned, offset);
    this.#ticks.inc();
    this.#lastPrice.set(tick.symbol, tick.price);
    const events = this.#index.onTick(tick);
    if (this.#index.lastTickChangedState) owned.dirtySymbols.add(tick.symbol);
    owned.lastTick = offset;
    for (const event of events) {
      const tracked = this.#tracked.get(event.alertId);
      if (!tracked) continue;
      // An expiry reached by a tick: the alert service's expiry sweep sends the "expired" change and the user is
      // told from there, once.
      if (event.type === "expired") this.#untrack(event.alertId);
      else this.#fired(event, tracked, offset);
    }
    await this.#publishPending();
  }

  #fired(firing: Firing, tracked: Tracked, offset: bigint): void {
    const notification = firingNotification(firing, tracked.alert);
    const state = firing.repeating ? (this.#index.exportState(firing.alertId) ?? null) : null;
    if (!firing.repeating) tracked.done = true;
    tracked.persisted = state;
    this.#pending.notifications.push(notification);
    this.#pending.runtime.push({
      v: 1,
      alertId: firing.alertId,
      symbol: firing.symbol,
      asOfTick: String(offset),
      state,
      firing: {
        triggerId: firing.triggerId,
        price: firing.price,
        firedAt: notification.firedAt,
        notification,
      },
      done: !firing.repeating,
    });
    this.#logger.info(
      { alertId: firing.alertId, symbol: firing.symbol, triggerId: firing.triggerId, price: firing.price },
      "alert fired",
    );
  }

  async #onChange(event: AlertChangeEvent, partition: number, offset: bigint): Promise<void> {
    const owned = this.#owned.get(partition);
    if (!owned) return;
    owned.lastChange = offset;
    const { alert } = event;
    // Per symbol, seq is commit order: what the snapshot reflects, or a relay's duplicate, is behind us.
    const seq = BigInt(event.seq);
    if (seq <= (this.#changeSeqs.get(alert.symbol) ?? -1n)) return;
    this.#changeSeqs.set(alert.symbol, seq);
    const tracked = this.#tracked.get(alert.id);
    if (tracked && alert.version <= tracked.alert.version) return;
    if (alert.status === "active" || alert.status === "paused") {
      if (!tracked) this.#track(alert, runtimeStateOf(alert));
      else this.#redefine(tracked, alert);
      return;
    }
    // Finished (cancelled, expired, triggered): the user hears of an expiry unless the alert fired first.
    if (event.change === "expired" && !tracked?.done) {
      this.#pending.notifications.push(
        expiryNotification(alert, this.#lastPrice.get(alert.symbol), this.#clock.now()),
      );
    }
    this.#untrack(alert.id);
    await this.#publishPending();
  }

  /** Starts tracking an alert from a record: into the index now, or once the replay passes its state's tick. */
  #track(alert: Alert, state: AlertRuntimeState): void {
    const partition = this.#partitionOf(alert.symbol);
    const owned = this.#owned.get(partition);
    if (!owned) return;
    const asOf = alert.stateAsOfTick === null ? null : BigInt(alert.stateAsOfTick);
    const waits = asOf !== null && (owned.lastTick === null || asOf > owned.lastTick);
    const tracked: Tracked = {
      alert,
      partition,
      parked: null,
      joinAfterTick: waits ? asOf : null,
      done: false,
      persisted: state,
    };
    this.#tracked.set(alert.id, tracked);
    let ids = this.#bySymbol.get(alert.symbol);
    if (!ids) {
      ids = new Set();
      this.#bySymbol.set(alert.symbol, ids);
    }
    ids.add(alert.id);
    if (waits) {
      tracked.parked = state;
      owned.joining.push(tracked);
      if (owned.joining.length > 1 && byJoinTick(owned.joining.at(-2)!, tracked) > 0)
        owned.joining.sort(byJoinTick);
    } else if (alert.status === "active") {
      this.#index.upsert(alert, state);
    } else {
      tracked.parked = state;
    }
  }

  /** A new definition of a tracked alert; its runtime state stays the matcher's own. */
  #redefine(tracked: Tracked, alert: Alert): void {
    tracked.alert = alert;
    if (tracked.done || tracked.joinAfterTick !== null) return;
    const inIndex = this.#index.has(alert.id);
    if (alert.status === "active") {
      this.#index.upsert(alert, inIndex ? undefined : (tracked.parked ?? undefined));
      tracked.parked = null;
    } else if (inIndex) {
      tracked.parked = this.#index.exportState(alert.id) ?? null;
      this.#index.remove(alert.id);
      this.#owned.get(tracked.partition)?.dirtyAlerts.add(alert.id);
    }
  }

  /** Alerts whose stored state holds after a tick before `offset` join the index before that tick. */
  #join(owned: OwnedPartition, offset: bigint): void {
    while (owned.joining.length > 0 && owned.joining[0]!.joinAfterTick! < offset) {
      const tracked = owned.joining.shift()!;
      tracked.joinAfterTick = null;
      if (this.#tracked.get(tracked.alert.id) !== tracked) continue;
      if (tracked.alert.status === "active" && !tracked.done) {
        this.#index.upsert(tracked.alert, tracked.parked ?? undefined);
        tracked.parked = null;
      }
    }
  }

  #untrack(alertId: string): void {
    const tracked = this.#tracked.get(alertId);
    this.#index.remove(alertId);
    if (!tracked) return;
    this.#tracked.delete(alertId);
    const ids = this.#bySymbol.get(tracked.alert.symbol);
    ids?.delete(alertId);
    if (ids?.size === 0) this.#bySymbol.delete(tracked.alert.symbol);
  }

  /** Publishes what is pending; what the bus did not take stays pending and the handler fails (and is retried). */
  async #publishPending(): Promise<void> {
    const { notifications, runtime } = this.#pending;
    if (notifications.length === 0 && runtime.length === 0) return;
    this.#pending = { notifications: [], runtime: [] };
    const byTopic = new Map<ReturnType<typeof notificationTopicOf>, Notification[]>();
    for (const n of notifications) {
      const topic = notificationTopicOf(n.origin.platform);
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), n]);
    }
    // The DM path and the state path go out together: one round trip of latency, not two.
    const sends = [
      ...[...byTopic].map(async ([topic, batch]) => {
        await this.#bus.publish(
          topic,
          batch.map((value) => ({ value })),
        );
        for (const n of batch) this.#published.inc({ type: n.type });
        return { notifications: batch, runtime: [] as AlertRuntimeEvent[] };
      }),
      ...(runtime.length === 0
        ? []
        : [
            (async () => {
              await this.#bus.publish(
                TOPIC_ALERT_RUNTIME,
                runtime.map((value) => ({ value })),
              );
              this.#stateWrites.inc(runtime.length);
              return { notifications: [] as Notification[], runtime };
            })(),
          ]),
    ];
    const failed: Pending = { notifications: [], runtime: [] };
    const results = await Promise.allSettled(sends);
    let error: unknown;
    results.forEach((result, i) => {
      if (result.status === "fulfilled") return;
      error = result.reason;
      if (i < byTopic.size) failed.notifications.push(...[...byTopic.values()][i]!);
      else failed.runtime.push(...runtime);
    });
    if (error === undefined) return;
    this.#pending = {
      notifications: [...failed.notifications, ...this.#pending.notifications],
      runtime: [...failed.runtime, ...this.#pending.runtime],
    };
    throw error;
  }

  // --- checkpoints ----------------------------------------------------------------------------------------

  async #checkpointNow(
    only?: ReadonlySet<number>,
    options: { commit: boolean } = { commit: true },
  ): Promise<void> {
    // A tick whose publish failed is still pending: its firings must be out before anything is committed.
    await this.#publishPending();
    const positions: { topic: string; partition: number; offset: string }[] = [];
    const events: AlertRuntimeEvent[] = [];
    const written: [Tracked, AlertRuntimeState][] = [];
    for (const [partition, owned] of this.#owned) {
      if (only && !only.has(partition)) continue;
      const consider = (alertId: string) => {
        const tracked = this.#tracked.get(alertId);
        if (!tracked || tracked.done || tracked.joinAfterTick !== null) return;
        const state = this.#index.exportState(alertId) ?? tracked.parked;
        if (!state || sameState(state, tracked.persisted)) return;
        events.push({
          v: 1,
          alertId,
          symbol: tracked.alert.symbol,
          asOfTick: owned.lastTick === null ? null : String(owned.lastTick),
          state,
          done: false,
        });
        written.push([tracked, state]);
      };
      for (const symbol of owned.dirtySymbols)
        for (const alertId of this.#bySymbol.get(symbol) ?? []) consider(alertId);
      for (const alertId of owned.dirtyAlerts) consider(alertId);
      owned.dirtySymbols.clear();
      owned.dirtyAlerts.clear();
      if (owned.lastTick !== null && owned.lastTick !== owned.committedTick)
        positions.push({ topic: TOPIC_PRICE_TICKS, partition, offset: String(owned.lastTick + 1n) });
      if (owned.lastChange !== null && owned.lastChange !== owned.committedChange)
        positions.push({ topic: TOPIC_ALERT_CHANGES, partition, offset: String(owned.lastChange + 1n) });
    }
    if (events.length > 0) {
      try {
        await this.#bus.publish(
          TOPIC_ALERT_RUNTIME,
          events.map((value) => ({ value })),
        );
      } catch (error) {
        // Nothing committed: mark them dirty again so the next checkpoint writes them.
        for (const [tracked] of written)
          this.#owned.get(tracked.partition)?.dirtyAlerts.add(tracked.alert.id);
        throw error;
      }
      this.#stateWrites.inc(events.length);
      for (const [tracked, state] of written) tracked.persisted = state;
    }
    if (!options.commit || positions.length === 0 || !this.#subscription) return;
    await this.#subscription.commit(positions);
    for (const position of positions) {
      const owned = this.#owned.get(position.partition);
      if (!owned) continue;
      const handled = BigInt(position.offset) - 1n;
      if (position.topic === TOPIC_PRICE_TICKS) owned.committedTick = handled;
      else owned.committedChange = handled;
    }
  }
}

function emptyPartition(): OwnedPartition {
  return {
    lastTick: null,
    lastChange: null,
    committedTick: null,
    committedChange: null,
    joining: [],
    dirtySymbols: new Set(),
    dirtyAlerts: new Set(),
  };
}

function byJoinTick(a: Tracked, b: Tracked): number {
  const x = a.joinAfterTick ?? -1n;
  const y = b.joinAfterTick ?? -1n;
  return x < y ? -1 : x > y ? 1 : 0;
}

function sameState(a: AlertRuntimeState, b: AlertRuntimeState | null): boolean {
  return (
    b !== null &&
    a.generation === b.generation &&
    a.phase === b.phase &&
    a.referencePrice === b.referencePrice &&
    a.upper === b.upper &&
    a.lower === b.lower &&
    a.extreme === b.extreme &&
    a.lastFiredAt === b.lastFiredAt &&
    a.lastFirePrice === b.lastFirePrice
  );
}
