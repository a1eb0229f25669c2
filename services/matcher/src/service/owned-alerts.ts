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
  WindowHistory,
  WindowHistoryEvent,
} from "@tickerbell/contracts";
import { runtimeStateOf } from "@tickerbell/rules";
import { AlertIndex, type AlertIndexOptions } from "../alert-index.ts";
import type { Firing } from "../types.ts";
import { type AlertRecipient, type Joining, TrackedAlerts } from "./tracked-alerts.ts";

export type { AlertRecipient } from "./tracked-alerts.ts";

interface OwnedPartition {
  /** Offset of the last tick and the last change handled: what the next checkpoint commits. */
  lastTick: bigint | null;
  lastChange: bigint | null;
  committedTick: bigint | null;
  committedChange: bigint | null;
  /** The end of prices.ticks when the partition was taken over: ticks before it may replay a predecessor's. */
  replayUntil: bigint;
  /** Alerts waiting for the replay to pass their stored state's tick, earliest first. */
  joining: Joining[];
  /** Symbols whose alerts may have changed state since the last checkpoint, and alerts that left the index. */
  dirtySymbols: Set<string>;
  dirtyAlerts: Set<string>;
  /** Symbols with window alerts whose minute history changed since the last checkpoint. */
  dirtyHistories: Set<string>;
  /**
   * Per symbol, the tick its restored window history holds after: replayed ticks up to it are in it already,
   * and the window alerts' states are as of it too, so those ticks move neither.
   */
  historyThrough: Map<string, bigint>;
}

/** A firing, with the definition it fired under and the state after it (null for a one-shot alert: done). */
export interface FiredAlert {
  firing: Firing;
  recipient: AlertRecipient;
  /** The definition's edit count (0: never edited), carried by its alerts.runtime event. */
  levelsRevision: number;
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
  /** The minute histories of symbols with window alerts that changed, as of the same ticks as `events`. */
  histories: WindowHistoryEvent[];
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
  readonly #tracked = new TrackedAlerts();
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
    const row = this.#tracked.find(alertId);
    return (
      row >= 0 &&
      this.#tracked.joiningOf(row) !== null &&
      this.#tracked.isActive(row) &&
      !this.#tracked.isDone(row)
    );
  }

  stateOf(alertId: string): AlertRuntimeState | undefined {
    const row = this.#tracked.find(alertId);
    return (
      this.#index.exportState(alertId) ?? (row < 0 ? undefined : (this.#tracked.parkedOf(row) ?? undefined))
    );
  }

  // --- partitions -----------------------------------------------------------------------------------------

  /** Takes partitions over from the alert service's record: their active alerts and each symbol's change seq. */
  takeOver(
    partitions: ReadonlySet<number>,
    alerts: readonly Alert[],
    changeSeqs: Readonly<Record<string, string>>,
    tickEnds: ReadonlyMap<number, string> = new Map(),
    windowHistories: Readonly<Record<string, WindowHistory>> = {},
  ) {
    for (const p of partitions) this.#owned.set(p, emptyPartition(BigInt(tickEnds.get(p) ?? "0")));
    for (const [symbol, history] of Object.entries(windowHistories)) {
      const owned = this.#owned.get(this.#partitionOf(symbol));
      if (!owned || !partitions.has(this.#partitionOf(symbol))) continue;
      this.#index.restoreWindowHistory(symbol, history.minutes);
      if (history.asOfTick !== null) owned.historyThrough.set(symbol, BigInt(history.asOfTick));
    }
    for (const [symbol, seq] of Object.entries(changeSeqs)) {
      if (partitions.has(this.#partitionOf(symbol))) this.#changeSeqs.set(symbol, BigInt(seq));
    }
    for (const alert of alerts) if (partitions.has(this.#partitionOf(alert.symbol))) this.#track(alert);
    for (const p of partitions) this.#owned.get(p)!.joining.sort(byJoinTick);
  }

  release(partitions: ReadonlySet<number>): void {
    for (const row of this.#tracked.rowsOfPartitions(partitions)) this.#untrack(row);
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
    const through = owned.historyThrough.get(tick.symbol);
    const windows = through === undefined || offset > through;
    if (through !== undefined && windows) owned.historyThrough.delete(tick.symbol);
    const events = this.#index.onTick(tick, windows);
    if (this.#index.lastTickChangedState) owned.dirtySymbols.add(tick.symbol);
    if (windows && this.#index.keepsWindows(tick.symbol)) owned.dirtyHistories.add(tick.symbol);
    owned.lastTick = offset;
    const fired: FiredAlert[] = [];
    for (const event of events) {
      const row = this.#tracked.find(event.alertId);
      if (row < 0) continue;
      // An expiry reached by a tick: the alert service's expiry sweep sends the "expired" change, and the user
      // is told from there, once.
      if (event.type === "expired") {
        this.#untrack(row);
        continue;
      }
      const stateAfter = event.repeating ? (this.#index.exportState(event.alertId) ?? null) : null;
      if (!event.repeating) this.#tracked.markDone(row);
      this.#tracked.setPersisted(row, fingerprintOf(stateAfter));
      fired.push({
        firing: event,
        recipient: this.#tracked.recipientOf(row),
        levelsRevision: this.#tracked.levelsRevisionOf(row),
        stateAfter,
        again: offset < owned.replayUntil,
      });
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
    const row = this.#tracked.find(alert.id);
    if (row >= 0 && alert.version <= this.#tracked.versionOf(row)) return { kind: "none" };
    if (alert.status === "active" || alert.status === "paused") {
      if (row < 0) this.#track(alert);
      else this.#redefine(row, alert);
      return { kind: "none" };
    }
    // Finished (cancelled, expired, triggered): the user hears of an expiry unless the alert fired first.
    const told = event.change === "expired" && !(row >= 0 && this.#tracked.isDone(row));
    if (row >= 0) this.#untrack(row);
    else this.#index.remove(alert.id);
    return told ? { kind: "expired", alert } : { kind: "none" };
  }

  // --- checkpoints ----------------------------------------------------------------------------------------

  /**
   * The runtime states that changed since the last checkpoint (with the tick offset they hold after), and the
   * positions to commit once they are written.
   */
  checkpoint(only?: ReadonlySet<number>): Checkpoint {
    const tracked = this.#tracked;
    const events: AlertRuntimeEvent[] = [];
    const histories: WindowHistoryEvent[] = [];
    const positions: Position[] = [];
    for (const [partition, owned] of this.#owned) {
      if (only && !only.has(partition)) continue;
      const considered = new Set<number>();
      const consider = (row: number) => {
        // Dirty both by its symbol and on its own (a pause, an edit): written once.
        if (row < 0 || considered.has(row)) return;
        considered.add(row);
        if (tracked.isDone(row) || tracked.joiningOf(row) !== null) return;
        const alertId = tracked.idOf(row);
        const state = this.#index.exportState(alertId) ?? tracked.parkedOf(row);
        if (!state || fingerprintOf(state) === tracked.persistedOf(row)) return;
        const levelsRevision = tracked.levelsRevisionOf(row);
        events.push({
          v: 1,
          alertId,
          symbol: tracked.symbolOf(row),
          asOfTick: owned.lastTick === null ? null : String(owned.lastTick),
          state,
          done: false,
          ...(levelsRevision ? { levelsRevision } : {}),
        });
      };
      for (const symbol of owned.dirtySymbols) for (const row of tracked.rowsOf(symbol)) consider(row);
      for (const alertId of owned.dirtyAlerts) consider(tracked.find(alertId));
      for (const symbol of owned.dirtyHistories) {
        histories.push({
          v: 1,
          kind: "windowHistory",
          symbol,
          asOfTick: owned.lastTick === null ? null : String(owned.lastTick),
          minutes: this.#index.windowHistory(symbol).map((m) => [m[0], m[1], m[2]]),
        });
      }
      owned.dirtySymbols.clear();
      owned.dirtyAlerts.clear();
      owned.dirtyHistories.clear();
      if (owned.lastTick !== null && owned.lastTick !== owned.committedTick)
        positions.push({ topic: "prices.ticks", partition, offset: String(owned.lastTick + 1n) });
      if (owned.lastChange !== null && owned.lastChange !== owned.committedChange)
        positions.push({ topic: "alerts.changes", partition, offset: String(owned.lastChange + 1n) });
    }
    return {
      events,
      histories,
      positions,
      // By id, not row: while the write was under way an alert may have left and its row gone to another.
      written: () => {
        for (const event of events) {
          const row = tracked.find(event.alertId);
          if (row >= 0) tracked.setPersisted(row, fingerprintOf(event.state));
        }
      },
      failed: () => {
        for (const event of events) {
          const row = tracked.find(event.alertId);
          if (row >= 0) this.#owned.get(tracked.partitionOf(row))?.dirtyAlerts.add(event.alertId);
        }
        for (const history of histories)
          this.#owned.get(this.#partitionOf(history.symbol))?.dirtyHistories.add(history.symbol);
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
    const row = this.#tracked.add(alert, partition, fingerprintOf(state));
    if (waits) {
      const joining: Joining = { row, afterTick: asOf, alert };
      this.#tracked.setJoining(row, joining);
      this.#tracked.park(row, state);
      owned.joining.push(joining);
      if (owned.joining.length > 1 && byJoinTick(owned.joining.at(-2)!, joining) > 0)
        owned.joining.sort(byJoinTick);
    } else if (alert.status === "active") {
      this.#index.upsert(alert, state);
    } else {
      this.#tracked.park(row, state);
    }
  }

  /**
   * A new definition of a tracked alert; its runtime state stays the matcher's own, except after an edit of the
   * condition (a higher levelsRevision): then the record's re-based, re-armed state replaces it, under a
   * generation past every one this matcher used, so no firing after the edit reuses a triggerId.
   */
  #redefine(row: number, alert: Alert): void {
    const tracked = this.#tracked;
    const rebased = (alert.levelsRevision ?? 0) > tracked.levelsRevisionOf(row);
    tracked.redefine(row, alert);
    if (tracked.isDone(row)) return;
    const inIndex = this.#index.has(alert.id);
    let fresh: AlertRuntimeState | undefined;
    if (rebased) {
      const own = this.#index.exportState(alert.id) ?? tracked.parkedOf(row);
      const record = runtimeStateOf(alert);
      fresh = { ...record, generation: Math.max(record.generation, own?.generation ?? 0) };
      tracked.setPersisted(row, fingerprintOf(record));
      this.#owned.get(tracked.partitionOf(row))?.dirtyAlerts.add(alert.id);
    }
    const joining = tracked.joiningOf(row);
    if (joining !== null) {
      joining.alert = alert;
      if (fresh) tracked.park(row, fresh);
      return;
    }
    if (alert.status === "active") {
      this.#index.upsert(alert, fresh ?? (inIndex ? undefined : (tracked.parkedOf(row) ?? undefined)));
      tracked.park(row, null);
    } else if (fresh) {
      this.#index.remove(alert.id);
      tracked.park(row, fresh);
    } else if (inIndex) {
      tracked.park(row, this.#index.exportState(alert.id) ?? null);
      this.#index.remove(alert.id);
      this.#owned.get(tracked.partitionOf(row))?.dirtyAlerts.add(alert.id);
    }
  }

  /** Alerts whose stored state holds after a tick before `offset` join the index before that tick. */
  #join(owned: OwnedPartition, offset: bigint): void {
    const tracked = this.#tracked;
    while (owned.joining.length > 0 && owned.joining[0]!.afterTick < offset) {
      const joining = owned.joining.shift()!;
      // Untracked while it waited (a finished alert, a released partition): its row is gone or another's.
      if (tracked.joiningOf(joining.row) !== joining) continue;
      const { row, alert } = joining;
      tracked.setJoining(row, null);
      if (tracked.isActive(row) && !tracked.isDone(row)) {
        this.#index.upsert(alert, tracked.parkedOf(row) ?? undefined);
        tracked.park(row, null);
      }
    }
  }

  #untrack(row: number): void {
    this.#index.remove(this.#tracked.idOf(row));
    this.#tracked.delete(row);
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
    dirtyHistories: new Set(),
    historyThrough: new Map(),
  };
}

function byJoinTick(a: Joining, b: Joining): number {
  return a.afterTick < b.afterTick ? -1 : a.afterTick > b.afterTick ? 1 : 0;
}

const PHASE_CODES: Record<AlertRuntimeState["phase"], number> = { armed: 1, cooling: 2, awaitingBand: 3 };
const fingerprintScratch = new Float64Array(10);
const fingerprintWords = new Uint32Array(fingerprintScratch.buffer);

/**
 * A 53-bit hash of every field of a runtime state (NaN for none), from two independent 32-bit lanes over the
 * fields' bits. Two different states share one with probability about 2^-53: then one checkpoint skips a changed
 * state, and the next change of that alert writes it.
 */
export function fingerprintOf(state: AlertRuntimeState | null): number {
  if (state === null) return Number.NaN;
  const f = fingerprintScratch;
  f[0] = state.generation;
  f[1] = PHASE_CODES[state.phase];
  f[2] = state.referencePrice;
  f[3] = state.upper ?? -1;
  f[4] = state.lower ?? -1;
  f[5] = state.extreme ?? -1;
  f[6] = state.lastFiredAt ?? -1;
  f[7] = state.lastFirePrice ?? -1;
  // A session high/low that started its day again at the same price differs only here.
  f[8] = state.extremeSince ?? -1;
  // A moving-average cross that fired (and so watches the other side) may differ from before only here.
  f[9] = state.watch === "upper" ? 1 : state.watch === "lower" ? 2 : -1;
  let a = 0x811c9dc5;
  let b = 0x9e3779b9;
  for (const word of fingerprintWords) {
    a = Math.imul(a ^ word, 0x01000193);
    b = Math.imul(b ^ word, 0x85ebca6b);
    b ^= b >>> 13;
  }
  a ^= a >>> 16;
  a = Math.imul(a, 0x7feb352d);
  a ^= a >>> 15;
  return (a >>> 0) * 2 ** 21 + ((b >>> 0) >>> 11);
}
