// The matcher as a service: one consumer group on prices.ticks + alerts.changes (co-partitioned by symbol, so a
// member owning partition p sees every tick and every change of p's symbols), the alerts of the owned partitions
// (OwnedAlerts), notifications published to notifications.<platform> and the alerts' runtime state written to
// alerts.runtime. Its firing is authoritative: nothing waits for the alert service. The design, and why:
// ../../README.md.
//
// Nothing lost, nothing doubled:
// - A firing's notification and its alerts.runtime event (the state after it) are published before the tick's
//   handler resolves.
// - Offsets are committed by hand, only at a checkpoint: first every runtime state that changed since the last
//   one is written (with the tick offset it holds after), then what was handled is committed.
// - Taking partitions over, the matcher loads their alerts from the alert service, which answers once it has
//   applied alerts.runtime up to the partitions' end offsets; replaying the ticks since the last commit then
//   reproduces exactly what the previous owner did (the same triggerIds, de-duplicated by the bots).

import type { PartitionsChange, Subscription } from "@tickerbell/bus";
import { Backoff, type Logger, type Registry } from "@tickerbell/config";
import {
  type Alert,
  type AlertChangeEvent,
  type AlertRuntimeState,
  type PriceTick,
  TOPIC_ALERT_CHANGES,
  TOPIC_ALERT_RUNTIME,
  TOPIC_PRICE_TICKS,
  type WindowHistory,
} from "@tickerbell/contracts";
import type { AlertIndexOptions } from "../alert-index.ts";
import { MatcherMetrics } from "./metrics.ts";
import { expiryNotification, firingNotification } from "./notifications.ts";
import { Outgoing } from "./outgoing.ts";
import { OwnedAlerts } from "./owned-alerts.ts";
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

export class MatcherService {
  readonly #bus: MatcherBus;
  readonly #snapshots: AlertSnapshotSource;
  readonly #logger: Logger;
  readonly #clock: MatcherClock;
  readonly #groupId: string;
  readonly #checkpointMs: number;
  readonly #fromBeginning: boolean;
  readonly #alerts: OwnedAlerts;
  readonly #outgoing: Outgoing;
  readonly #metrics: MatcherMetrics;
  #subscription: Subscription | undefined;
  #checkpointTimer: NodeJS.Timeout | undefined;
  /** Handlers, checkpoints and partition changes run one at a time, in this chain. */
  #serial: Promise<unknown> = Promise.resolve();
  #loadsInFlight = 0;
  #assignmentsHandled = 0;
  #stopping = false;

  constructor(options: MatcherServiceOptions) {
    this.#bus = options.bus;
    this.#snapshots = options.snapshots;
    this.#logger = options.logger;
    this.#clock = options.clock ?? systemClock;
    this.#groupId = options.groupId ?? MATCHER_GROUP;
    this.#checkpointMs = options.checkpointMs ?? DEFAULT_CHECKPOINT_MS;
    this.#fromBeginning = options.fromBeginning ?? false;
    this.#alerts = new OwnedAlerts({
      partitionOf: (symbol) => this.#bus.partitionOf(TOPIC_PRICE_TICKS, symbol),
      ...(options.index ? { index: options.index } : {}),
    });
    this.#metrics = new MatcherMetrics(options.metrics, {
      alerts: () => this.#alerts.indexedAlerts,
      ownedPartitions: () => this.#alerts.partitions.length,
    });
    this.#outgoing = new Outgoing(this.#bus, {
      notification: (type) => this.#metrics.published.inc({ type }),
      runtimeEvents: (n) => this.#metrics.runtimeEvents.inc(n),
    });
  }

  /** True once subscribed and the alerts of the partitions assigned so far are loaded. */
  get ready(): boolean {
    return this.#subscription !== undefined && this.#assignmentsHandled > 0 && this.#loadsInFlight === 0;
  }

  /** Partitions owned right now (for tests and operators). */
  get ownedPartitions(): number[] {
    return this.#alerts.partitions;
  }

  get indexedAlerts(): number {
    return this.#alerts.indexedAlerts;
  }

  /** The last tick price seen for a symbol of an owned partition. */
  lastPriceOf(symbol: string): number | undefined {
    return this.#alerts.lastPriceOf(symbol);
  }

  /** Whether this instance watches the alert (in its index, or joining it with the next tick). */
  holds(alertId: string): boolean {
    return this.#alerts.holds(alertId);
  }

  /** The runtime state the matcher holds for an alert, for tests and operators. */
  stateOf(alertId: string): AlertRuntimeState | undefined {
    return this.#alerts.stateOf(alertId);
  }

  async start(): Promise<void> {
    await this.#bus.start();
    this.#subscription = await this.#bus.subscribe({
      groupId: this.#groupId,
      topics: [TOPIC_PRICE_TICKS, TOPIC_ALERT_CHANGES],
      fromBeginning: this.#fromBeginning,
      commit: "manual",
      // A failing publish is retried for a long time rather than dead-lettering a tick: a dead-lettered tick
      // would skip a crossing. What the tick produced stays pending meanwhile (Outgoing).
      retry: { attempts: 1_000, baseDelayMs: 100, maxDelayMs: 5_000 },
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
    await this.#leave();
  }

  /**
   * Leaves the group without a checkpoint, as a crash would: the next owner replays from the last checkpoint.
   * For fault tests; a process that is going away calls stop().
   */
  async abandon(): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#checkpointTimer);
    await this.#leave();
  }

  /** Waits until every tick and change published so far to the owned partitions is handled. */
  async caughtUp(): Promise<void> {
    await this.#subscription?.caughtUp();
  }

  /** Writes the runtime state that changed, then commits what was handled. */
  checkpoint(): Promise<void> {
    return this.#inSeries(async () => {
      try {
        await this.#checkpointNow();
        this.#metrics.checkpoints.inc({ outcome: "ok" });
      } catch (error) {
        this.#metrics.checkpoints.inc({ outcome: "failed" });
        this.#logger.warn({ err: error }, "checkpoint failed; the next one retries");
        throw error;
      }
    });
  }

  async #leave(): Promise<void> {
    const subscription = this.#subscription;
    this.#subscription = undefined;
    await subscription?.stop();
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
    const lost = new Set([...partitionsOf(change.revoked)].filter((p) => this.#alerts.owns(p)));
    const gained = new Set([...partitionsOf(change.assigned)].filter((p) => !this.#alerts.owns(p)));
    if (lost.size > 0) await this.#release(lost);
    if (gained.size > 0) await this.#load(gained);
    this.#assignmentsHandled++;
    this.#logger.info(
      { gained: [...gained], lost: [...lost], owned: this.ownedPartitions, alerts: this.indexedAlerts },
      "partitions changed",
    );
  }

  /** Takes partitions over once the alert service has applied everything written to alerts.runtime for them. */
  async #load(partitions: Set<number>): Promise<void> {
    this.#loadsInFlight++;
    try {
      const backoff = new Backoff({ baseDelayMs: 200, maxDelayMs: 10_000 });
      for (;;) {
        try {
          // Read before the alerts: ticks below these may be replays of what a predecessor handled.
          const tickEnds = await this.#bus.endOffsets(TOPIC_PRICE_TICKS);
          const ends = await this.#bus.endOffsets(TOPIC_ALERT_RUNTIME);
          const runtimeOffsets = new Map([...partitions].map((p) => [p, ends.get(p) ?? "0"] as const));
          const alerts: Alert[] = [];
          let changeSeqs: Readonly<Record<string, string>> | undefined;
          let windowHistories: Readonly<Record<string, WindowHistory>> | undefined;
          for await (const page of this.#snapshots.activeAlerts({
            partitions: [...partitions],
            partitionCount: this.#bus.partitionsOf(TOPIC_PRICE_TICKS),
            runtimeOffsets,
          })) {
            changeSeqs ??= page.changeSeqs;
            windowHistories ??= page.windowHistories ?? {};
            alerts.push(...page.alerts);
          }
          this.#alerts.takeOver(partitions, alerts, changeSeqs ?? {}, tickEnds, windowHistories ?? {});
          this.#logger.info(
            {
              partitions: [...partitions],
              alerts: alerts.length,
              runtimeOffsets: Object.fromEntries(runtimeOffsets),
            },
            "alerts loaded",
          );
          return;
        } catch (error) {
          // Consuming these partitions without their alerts would lose firings: wait for the alert service.
          if (this.#stopping) throw error;
          const retryInMs = backoff.next();
          this.#logger.error({ err: error, retryInMs }, "loading the alert snapshot failed");
          await new Promise((resolve) => setTimeout(resolve, retryInMs));
        }
      }
    } finally {
      this.#loadsInFlight--;
    }
  }

  /**
   * Forgets partitions. Nothing is written for them: the bus reports a revocation after the next owner was
   * assigned, which may already replay from the last checkpoint (exactly), and a late write of this instance's
   * state would race it. stop() checkpoints before leaving, while it still owns them.
   */
  async #release(partitions: Set<number>): Promise<void> {
    this.#alerts.release(partitions);
  }

  // --- messages -------------------------------------------------------------------------------------------

  async #onTick(tick: PriceTick, partition: number, offset: bigint): Promise<void> {
    const fired = this.#alerts.onTick(tick, partition, offset);
    if (fired) this.#metrics.ticks.inc();
    for (const { firing, recipient, levelsRevision, stateAfter, again } of fired ?? []) {
      const notification = { ...firingNotification(firing, recipient), ...(again ? { again } : {}) };
      this.#outgoing.notify(notification);
      this.#outgoing.record({
        v: 1,
        alertId: firing.alertId,
        symbol: firing.symbol,
        asOfTick: String(offset),
        state: stateAfter,
        firing: {
          triggerId: firing.triggerId,
          price: firing.price,
          firedAt: notification.firedAt,
          notification,
        },
        done: stateAfter === null,
        ...(levelsRevision ? { levelsRevision } : {}),
      });
      this.#logger.info(
        { alertId: firing.alertId, symbol: firing.symbol, triggerId: firing.triggerId, price: firing.price },
        "alert fired",
      );
    }
    // Also what a failed earlier attempt of this tick left pending (the bus retries the handler).
    await this.#outgoing.flush();
    // A partition's first commit at once: a group without one resumes a crashed owner's partition at its latest
    // tick, which would skip what this instance handled so far.
    if (this.#alerts.uncommitted(partition)) await this.#checkpointNow(new Set([partition]));
  }

  async #onChange(event: AlertChangeEvent, partition: number, offset: bigint): Promise<void> {
    const outcome = this.#alerts.onChange(event, partition, offset);
    if (outcome.kind === "expired") {
      const { alert } = outcome;
      this.#outgoing.notify(
        expiryNotification(alert, this.#alerts.lastPriceOf(alert.symbol), this.#clock.now()),
      );
    }
    await this.#outgoing.flush();
  }

  async #checkpointNow(
    only?: ReadonlySet<number>,
    options: { commit: boolean } = { commit: true },
  ): Promise<void> {
    // A tick whose publish failed is still pending: its firings must be out before anything is committed.
    await this.#outgoing.flush();
    const checkpoint = this.#alerts.checkpoint(only);
    if (checkpoint.events.length > 0 || checkpoint.histories.length > 0) {
      try {
        await this.#bus.publish(TOPIC_ALERT_RUNTIME, [
          ...checkpoint.events.map((value) => ({ value })),
          ...checkpoint.histories.map((value) => ({ value })),
        ]);
      } catch (error) {
        checkpoint.failed();
        throw error;
      }
      checkpoint.written();
      this.#metrics.runtimeEvents.inc(checkpoint.events.length);
    }
    if (!options.commit || checkpoint.positions.length === 0 || !this.#subscription) return;
    await this.#subscription.commit(checkpoint.positions);
    checkpoint.committed();
  }
}
