// The alerts of the partitions one matcher instance owns, and their runtime state: the index, the definitions
// from alerts.changes, where each partition's stream is, and what changed since the last checkpoint. Pure: no
// bus, no clock, no I/O — the service feeds it messages and publishes what it returns.
//
// Runtime state is the matcher's own: a definition change (alerts.changes) never resets it. A stored state
// (from the alert service, written by a previous owner) says after which tick it holds; the alert joins the
// index before the first replayed tick after that one, so replaying the ticks since the last commit reproduces
// exactly what the previous owner did.

import type {
  Alert,
  AlertChangeEvent,
  AlertRuntimeEvent,
  AlertRuntimeState,
  PriceTick,
} from "@tickerbell/contracts";
import { runtimeStateOf } from "@tickerbell/rules";
import { AlertIndex, type AlertIndexOptions } from "../alert-index.ts";
import type { Firing } from "../types.ts";

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
  /** The end of prices.ticks when the partition was taken over: ticks before it may replay a predecessor's. */
  replayUntil: bigint;
  /** Alerts waiting for the replay to pass their stored state's tick, earliest first. */
  joining: Tracked[];
  /** Symbols whose alerts may have changed state since the last checkpoint, and alerts that left the index. */
  dirtySymbols: Set<string>;
  dirtyAlerts: Set<string>;
}

/** A firing, with the definition it fired under and the state after it (null for a one-shot alert: done). */
export interface FiredAlert {
  firing: Firing;
  alert: Alert;
  stateAfter: AlertRuntimeState | null;
  /** Fired on a tick a previous owner may have handled: its notification may have gone out already. */
  again: boolean;
}

/** What a change did that someone must hear of. */
export type ChangeOutcome = { kind: "none" } | { kind: "expired"; alert: Alert };

/** A consumer position to commit: the next offset to read. */
export interface Position {
  topic: "prices.ticks" | "alerts.changes";
  partition: number;
  offset: string;
}

/** What a checkpoint writes (states that changed) and, once written, commits. */
export interface Checkpoint {
  events: AlertRuntimeEvent[];
  positions: Position[];
  /** The events are durable: they become the baseline of the next checkpoint. */
  written(): void;
  /** The events could not be written: the next checkpoint writes them. */
  failed(): void;
  /** The positions are committed. */
  committed(): void;
}

export class OwnedAlerts {
  readonly #index: AlertIndex;
  readonly #partitionOf: (symbol: string) => number;
  readonly #tracked = new Map<string, Tracked>();
  readonly #bySymbol = new Map<string, Set<string>>();
  readonly #owned = new Map<number, OwnedPartition>();
  /** Per symbol, the highest alerts.changes seq applied (or reflected by the snapshot): older ones are replays. */
  readonly #changeSeqs = new Map<string, bigint>();
  readonly #lastPrice = new Map<string, number>();

  constructor(options: { partitionOf: (symbol: string) => number; index?: AlertIndexOptions }) {
    this.#partitionOf = options.partitionOf;
    this.#index = new AlertIndex(options.index);
  }

  get indexedAlerts(): number {
    return this.#index.size;
  }

  get partitions(): number[] {
    return [...this.#owned.keys()].sort((a, b) => a - b);
  }

  owns(partition: number): boolean {
    return this.#owned.has(partition);
  }

  /** Handled ticks on the partition but committed none yet (a crash now would resume it at the latest tick). */
  uncommitted(partition: number): boolean {
    const owned = this.#owned.get(partition);
    return owned !== undefined && owned.lastTick !== null && owned.committedTick === null;
  }

  lastPriceOf(symbol: string): number | undefined {
    return this.#lastPrice.get(symbol);
  }

  /** In the index, or joining it with the next tick after the one its stored state holds after. */
  holds(alertId: string): boolean {
    if (this.#index.has(alertId)) return true;
    const tracked = this.#tracked.get(alertId);
    return tracked?.joinAfterTick != null && tracked.alert.status === "active" && !tracked.done;
  }

  stateOf(alertId: string): AlertRuntimeState | undefined {
    return this.#index.exportState(alertId) ?? this.#tracked.get(alertId)?.parked ?? undefined;
  }

  // --- partitions -----------------------------------------------------------------------------------------

  /** Takes partitions over from the alert service's record: their active alerts and each symbol's change seq. */
  takeOver(
    partitions: ReadonlySet<number>,
    alerts: readonly Alert[],
    changeSeqs: Readonly<Record<string, string>>,
    tickEnds: ReadonlyMap<number, string> = new Map(),
  ) {
    for (const p of partitions) this.#owned.set(p, emptyPartition(BigInt(tickEnds.get(p) ?? "0")));
    for (const [symbol, seq] of Object.entries(changeSeqs)) {
      if (partitions.has(this.#partitionOf(symbol))) this.#changeSeqs.set(symbol, BigInt(seq));
    }
    for (const alert of alerts) if (partitions.has(this.#partitionOf(alert.symbol))) this.#track(alert);
    for (const p of partitions) this.#owned.get(p)!.joining.sort(byJoinTick);
  }

  release(partitions: ReadonlySet<number>): void {
    for (const [alertId, tracked] of this.#tracked)
      if (partitions.has(tracked.partition)) this.#untrack(alertId);
    for (const symbol of [...this.#changeSeqs.keys(), ...this.#lastPrice.keys()]) {
      if (!partitions.has(this.#partitionOf(symbol))) continue;
      this.#changeSeqs.delete(symbol);
      this.#lastPrice.delete(symbol);
    }
    for (const p of partitions) this.#owned.delete(p);
  }

  // --- messages -------------------------------------------------------------------------------------------

  /**
   * Matches a tick; returns what fired. A tick at or before the last one handled (the bus redelivers after a
   * failed handler or a rebalance) changes nothing and returns null.
   */
  onTick(tick: PriceTick, partition: number, offset: bigint): FiredAlert[] | null {
    const owned = this.#owned.get(partition);
    if (!owned || (owned.lastTick !== null && offset <= owned.lastTick)) return null;
    this.#join(owned, offset);
    this.#lastPrice.set(tick.symbol, tick.price);
    const events = this.#index.onTick(tick);
    if (this.#index.lastTickChangedState) owned.dirtySymbols.add(tick.symbol);
    owned.lastTick = offset;
    const fired: FiredAlert[] = [];
    for (const event of events) {
      const tracked = this.#tracked.get(event.alertId);
      if (!tracked) continue;
      // An expiry reached by a tick: the alert service's expiry sweep sends the "expired" change, and the user
      // is told from there, once.
      if (event.type === "expired") {
        this.#untrack(event.alertId);
        continue;
      }
      const stateAfter = event.repeating ? (this.#index.exportState(event.alertId) ?? null) : null;
      if (!event.repeating) tracked.done = true;
      tracked.persisted = stateAfter;
      fired.push({ firing: event, alert: tracked.alert, stateAfter, again: offset < owned.replayUntil });
    }
    return fired;
  }

  /** Applies a definition: by seq per symbol (replays and relay duplicates are behind it), by version per alert. */
  onChange(event: AlertChangeEvent, partition: number, offset: bigint): ChangeOutcome {
    const owned = this.#owned.get(partition);
    if (!owned) return { kind: "none" };
    owned.lastChange = offset;
    const { alert } = event;
    const seq = BigInt(event.seq);
    if (seq <= (this.#changeSeqs.get(alert.symbol) ?? -1n)) return { kind: "none" };
    this.#changeSeqs.set(alert.symbol, seq);
    const tracked = this.#tracked.get(alert.id);
    if (tracked && alert.version <= tracked.alert.version) return { kind: "none" };
    if (alert.status === "active" || alert.status === "paused") {
      if (!tracked) this.#track(alert);
      else this.#redefine(tracked, alert);
      return { kind: "none" };
    }
    // Finished (cancelled, expired, triggered): the user hears of an expiry unless the alert fired first.
    const told = event.change === "expired" && !tracked?.done;
    this.#untrack(alert.id);
    return told ? { kind: "expired", alert } : { kind: "none" };
  }

  // --- checkpoints ----------------------------------------------------------------------------------------

  /**
   * The runtime states that changed since the last checkpoint (with the tick offset they hold after), and the
   * positions to commit once they are written.
   */
  checkpoint(only?: ReadonlySet<number>): Checkpoint {
    const events: AlertRuntimeEvent[] = [];
    const written: [Tracked, AlertRuntimeState][] = [];
    const positions: Position[] = [];
    for (const [partition, owned] of this.#owned) {
      if (only && !only.has(partition)) continue;
      const considered = new Set<string>();
      const consider = (alertId: string) => {
        // Dirty both by its symbol and on its own (a pause, an edit): written once.
        if (considered.has(alertId)) return;
        considered.add(alertId);
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
          ...(tracked.alert.levelsRevision ? { levelsRevision: tracked.alert.levelsRevision } : {}),
        });
        written.push([tracked, state]);
      };
      for (const symbol of owned.dirtySymbols)
        for (const alertId of this.#bySymbol.get(symbol) ?? []) consider(alertId);
      for (const alertId of owned.dirtyAlerts) consider(alertId);
      owned.dirtySymbols.clear();
      owned.dirtyAlerts.clear();
      if (owned.lastTick !== null && owned.lastTick !== owned.committedTick)
        positions.push({ topic: "prices.ticks", partition, offset: String(owned.lastTick + 1n) });
      if (owned.lastChange !== null && owned.lastChange !== owned.committedChange)
        positions.push({ topic: "alerts.changes", partition, offset: String(owned.lastChange + 1n) });
    }
    return {
      events,
      positions,
      written: () => {
        for (const [tracked, state] of written) tracked.persisted = state;
      },
      failed: () => {
        for (const [tracked] of written)
          this.#owned.get(tracked.partition)?.dirtyAlerts.add(tracked.alert.id);
      },
      committed: () => {
        for (const position of positions) {
          const owned = this.#owned.get(position.partition);
          if (!owned) continue;
          const handled = BigInt(position.offset) - 1n;
          if (position.topic === "prices.ticks") owned.committedTick = handled;
          else owned.committedChange = handled;
        }
      },
    };
  }

  // --- bookkeeping ----------------------------------------------------------------------------------------

  /** Starts tracking an alert from its record: into the index now, or once the replay passes its state's tick. */
  #track(alert: Alert): void {
    const partition = this.#partitionOf(alert.symbol);
    const owned = this.#owned.get(partition);
    if (!owned) return;
    const state = runtimeStateOf(alert);
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

  /**
   * A new definition of a tracked alert; its runtime state stays the matcher's own, except after an edit of the
   * condition (a higher levelsRevision): then the record's re-based, re-armed state replaces it, under a
   * generation past every one this matcher used, so no firing after the edit reuses a triggerId.
   */
  #redefine(tracked: Tracked, alert: Alert): void {
    const rebased = (alert.levelsRevision ?? 0) > (tracked.alert.levelsRevision ?? 0);
    tracked.alert = alert;
    if (tracked.done) return;
    const inIndex = this.#index.has(alert.id);
    let fresh: AlertRuntimeState | undefined;
    if (rebased) {
      const own = this.#index.exportState(alert.id) ?? tracked.parked;
      const record = runtimeStateOf(alert);
      fresh = { ...record, generation: Math.max(record.generation, own?.generation ?? 0) };
      tracked.persisted = record;
      this.#owned.get(tracked.partition)?.dirtyAlerts.add(alert.id);
    }
    if (tracked.joinAfterTick !== null) {
      if (fresh) tracked.parked = fresh;
      return;
    }
    if (alert.status === "active") {
      this.#index.upsert(alert, fresh ?? (inIndex ? undefined : (tracked.parked ?? undefined)));
      tracked.parked = null;
    } else if (fresh) {
      this.#index.remove(alert.id);
      tracked.parked = fresh;
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
}

function emptyPartition(replayUntil: bigint): OwnedPartition {
  return {
    lastTick: null,
    lastChange: null,
    committedTick: null,
    committedChange: null,
    replayUntil,
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
