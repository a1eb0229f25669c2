import type { Logger } from "@tickerbell/config";
import {
  type AlertChangeEvent,
  MAX_DEMAND_SYMBOLS,
  type StudyKey,
  type SymbolDemand,
} from "@tickerbell/contracts";
import { standingLevels, studyKeyOf } from "@tickerbell/rules";
import type { DemandSnapshotSource } from "./ports.ts";

export interface DemandChange {
  added: string[];
  removed: string[];
}

export type DemandListener = (change: DemandChange) => void;

export interface DemandTrackerOptions {
  /** Wait after an alert stopped being active before re-reading the snapshot (batches bursts; default 250 ms). */
  recheckDelayMs?: number;
  /**
   * How many alert versions to remember at most (default 200,000). Past it the oldest alerts that are not
   * active are forgotten: a replay old enough to reach past them is rare, and the periodic snapshot corrects it.
   */
  versionCap?: number;
  /**
   * Wait after an active alert's change before re-reading the snapshot for its symbol's alert count and nearest
   * levels (default 5 s: batches bursts of creations and edits; events tighten the levels at once meanwhile).
   */
  urgencyRecheckDelayMs?: number;
}

/**
 * Which symbols need prices. The alert service's snapshot (active alerts and watchlists) is the authority;
 * `alerts.changes` events add demand at once, and an alert that stops being active triggers a recheck of its
 * symbol, because only the alert service knows whether a watchlist or another alert still wants it. Rechecks ask
 * for the symbols concerned only (their alerts, not every active alert: at a million alerts a full snapshot is a
 * read of a million rows); the whole snapshot is read at start and every few minutes.
 */
export class DemandTracker {
  readonly #snapshotSource: DemandSnapshotSource;
  readonly #log: Logger;
  readonly #recheckDelayMs: number;
  readonly #listeners = new Set<DemandListener>();
  #snapshot = new Set<string>();
  /** Per symbol its alert count and nearest levels: the snapshot's, tightened by events since. */
  #urgency = new Map<string, SymbolDemand>();
  readonly #urgencyListeners = new Set<() => void>();
  readonly #urgencyRecheckDelayMs: number;
  #urgencyTimer: NodeJS.Timeout | undefined;
  /** Active alerts seen in events since start, by id. */
  readonly #activeAlerts = new Map<string, string>();
  /** How many of `#activeAlerts` are on each symbol: an event costs O(1), not a walk over every alert. */
  readonly #activeCountBySymbol = new Map<string, number>();
  /** The version applied per alert, least recently changed first: older or equal versions are stale. */
  readonly #versions = new Map<string, number>();
  readonly #versionCap: number;
  #current = new Set<string>();
  /** The studies the snapshot named per symbol. */
  #snapshotStudies = new Map<string, readonly StudyKey[]>();
  /** The study each event-known active alert watches, and how many such alerts watch it per symbol. */
  readonly #alertStudies = new Map<string, { symbol: string; key: StudyKey }>();
  readonly #studyCounts = new Map<string, Map<StudyKey, number>>();
  readonly #studiesListeners = new Set<(symbols: readonly string[]) => void>();
  #recheckTimer: NodeJS.Timeout | undefined;
  /** Symbols waiting for a recheck after an alert of theirs stopped being active. */
  readonly #recheckSymbols = new Set<string>();
  /** Symbols waiting for a recheck of their alert count and nearest levels after an alert of theirs changed. */
  readonly #urgencySymbols = new Set<string>();
  #refreshing: Promise<void> | undefined;
  #stopped = false;

  constructor(snapshotSource: DemandSnapshotSource, log: Logger, options: DemandTrackerOptions = {}) {
    this.#snapshotSource = snapshotSource;
    this.#log = log;
    this.#recheckDelayMs = options.recheckDelayMs ?? 250;
    this.#versionCap = options.versionCap ?? 200_000;
    this.#urgencyRecheckDelayMs = options.urgencyRecheckDelayMs ?? 5_000;
  }

  /** Called when a symbol's alert count or nearest levels may have changed (the demanded set itself or not). */
  onUrgencyChange(listener: () => void): () => void {
    this.#urgencyListeners.add(listener);
    return () => this.#urgencyListeners.delete(listener);
  }

  /** Every demanded symbol's alert count and nearest levels (a symbol known from events only: what they said). */
  urgency(): SymbolDemand[] {
    return [...this.#current].map(
      (symbol) =>
        this.#urgency.get(symbol) ?? {
          symbol,
          alerts: this.#activeCountBySymbol.get(symbol) ?? 0,
          nearestAbove: null,
          nearestBelow: null,
        },
    );
  }

  /**
   * Called with the symbols whose demanded studies may have changed (after a snapshot: every symbol it or the one
   * before named studies for; after an event: its symbol when its alert's study came or went).
   */
  onStudiesChange(listener: (symbols: readonly string[]) => void): () => void {
    this.#studiesListeners.add(listener);
    return () => this.#studiesListeners.delete(listener);
  }

  /** The studies a demanded symbol's active alerts watch: the snapshot's and those events told of since. */
  studiesOf(symbol: string): StudyKey[] {
    if (!this.#current.has(symbol)) return [];
    const keys = new Set(this.#snapshotStudies.get(symbol) ?? []);
    for (const key of this.#studyCounts.get(symbol)?.keys() ?? []) keys.add(key);
    return [...keys].sort();
  }

  /** Every demanded symbol that needs studies. */
  symbolsWithStudies(): string[] {
    const symbols = new Set([...this.#snapshotStudies.keys(), ...this.#studyCounts.keys()]);
    return [...symbols].filter((s) => this.#current.has(s));
  }

  onChange(listener: DemandListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  symbols(): string[] {
    return [...this.#current];
  }

  /** Re-reads the snapshot. Concurrent calls share one request; a failure keeps the previous snapshot. */
  refresh(): Promise<void> {
    this.#refreshing ??= (async () => {
      try {
        const demand = await this.#snapshotSource.fetchDemand();
        this.#snapshot = new Set(demand.symbols.map((s) => s.toUpperCase()));
        this.#urgency = new Map(
          demand.bySymbol.map((d) => [d.symbol.toUpperCase(), { ...d, symbol: d.symbol.toUpperCase() }]),
        );
        const studiesBefore = this.#snapshotStudies;
        this.#snapshotStudies = new Map(
          demand.bySymbol
            .filter((d) => (d.studies?.length ?? 0) > 0)
            .map((d) => [d.symbol.toUpperCase(), d.studies ?? []]),
        );
        this.#recompute();
        this.#urgencyChanged();
        const touched = new Set([...studiesBefore.keys(), ...this.#snapshotStudies.keys()]);
        if (touched.size > 0) this.#studiesChanged([...touched]);
      } finally {
        this.#refreshing = undefined;
      }
    })();
    return this.#refreshing;
  }

  /**
   * Re-reads the demand of `symbols` only: each asked symbol takes the answer's alert count, levels and studies,
   * or, absent from it, leaves the snapshot (nobody needs it, unless events since say otherwise).
   */
  async refreshSymbols(symbols: readonly string[]): Promise<void> {
    for (let from = 0; from < symbols.length; from += MAX_DEMAND_SYMBOLS) {
      const asked = symbols.slice(from, from + MAX_DEMAND_SYMBOLS);
      const demand = await this.#snapshotSource.fetchDemand(asked);
      const answered = new Map(demand.bySymbol.map((d) => [d.symbol.toUpperCase(), d]));
      const studiesTouched: string[] = [];
      for (const symbol of asked) {
        const found = answered.get(symbol);
        if (this.#snapshotStudies.has(symbol) || (found?.studies?.length ?? 0) > 0)
          studiesTouched.push(symbol);
        if (found === undefined) {
          this.#snapshot.delete(symbol);
          this.#urgency.delete(symbol);
          this.#snapshotStudies.delete(symbol);
          continue;
        }
        this.#snapshot.add(symbol);
        this.#urgency.set(symbol, { ...found, symbol });
        if ((found.studies?.length ?? 0) > 0) this.#snapshotStudies.set(symbol, found.studies ?? []);
        else this.#snapshotStudies.delete(symbol);
      }
      this.#recompute();
      this.#urgencyChanged();
      if (studiesTouched.length > 0) this.#studiesChanged(studiesTouched);
    }
  }

  /** Alerts whose version is remembered (for tests of the cap). */
  get trackedVersions(): number {
    return this.#versions.size;
  }

  /**
   * Applies an `alerts.changes` event, unless its alert version is not newer than the one already applied: the
   * relay re-publishes after a crash and consumers re-read after a rebalance, and an old "active" must not bring
   * back the demand of an alert cancelled since.
   */
  apply(event: AlertChangeEvent): void {
    const { id, symbol, version } = event.alert;
    // An earnings alert is due by the calendar: it needs no price stream (nor a slot of the symbol cap).
    const status = event.alert.condition.kind === "earnings" ? "inactive" : event.alert.status;
    const applied = this.#versions.get(id);
    if (applied !== undefined && version <= applied) return;
    this.#versions.delete(id);
    this.#versions.set(id, version);
    if (this.#versions.size > this.#versionCap) this.#forgetOldVersions(id);
    // Demand changes only when a symbol gains its first or loses its last event-known active alert.
    let symbolsChanged = false;
    const before = this.#activeAlerts.get(id);
    if (before !== undefined) symbolsChanged = this.#countActive(before, -1);
    if (status === "active") {
      this.#activeAlerts.set(id, symbol);
      symbolsChanged = this.#countActive(symbol, +1) || symbolsChanged;
    } else this.#activeAlerts.delete(id);
    if (symbolsChanged) this.#recompute();
    this.#trackStudy(id, symbol, status === "active" ? studyKeyOf(event.alert.condition) : null);
    if (status === "active") {
      this.#tighten(event);
      return;
    }
    // The snapshot may hold the symbol because of this alert: ask again unless an event-known alert keeps it.
    if (this.#snapshot.has(symbol) && !this.#activeCountBySymbol.has(symbol)) this.#scheduleRecheck([symbol]);
  }

  /** Records which study (if any) an alert watches now; tells the listeners when a symbol's set changed. */
  #trackStudy(id: string, symbol: string, key: StudyKey | null): void {
    const before = this.#alertStudies.get(id);
    if (before?.key === key && before?.symbol === symbol) return;
    const changed = new Set<string>();
    if (before) {
      this.#alertStudies.delete(id);
      const counts = this.#studyCounts.get(before.symbol);
      const left = (counts?.get(before.key) ?? 1) - 1;
      if (left > 0) counts?.set(before.key, left);
      else {
        counts?.delete(before.key);
        if (counts?.size === 0) this.#studyCounts.delete(before.symbol);
        changed.add(before.symbol);
      }
    }
    if (key !== null) {
      this.#alertStudies.set(id, { symbol, key });
      let counts = this.#studyCounts.get(symbol);
      if (!counts) {
        counts = new Map();
        this.#studyCounts.set(symbol, counts);
      }
      const count = (counts.get(key) ?? 0) + 1;
      counts.set(key, count);
      if (count === 1) changed.add(symbol);
    }
    if (changed.size > 0) this.#studiesChanged([...changed]);
  }

  #studiesChanged(symbols: readonly string[]): void {
    for (const listener of this.#studiesListeners) listener(symbols);
  }

  /** Adds or removes one active alert of `symbol`; true when the symbol appeared or disappeared. */
  #countActive(symbol: string, delta: 1 | -1): boolean {
    const count = (this.#activeCountBySymbol.get(symbol) ?? 0) + delta;
    if (count > 0) this.#activeCountBySymbol.set(symbol, count);
    else this.#activeCountBySymbol.delete(symbol);
    return count === 0 || (count === 1 && delta === 1);
  }

  /** Drops the least recently changed versions of alerts that are not active (nor `current`), down to 90% of the cap. */
  #forgetOldVersions(current: string): void {
    const target = Math.floor(this.#versionCap * 0.9);
    for (const id of this.#versions.keys()) {
      if (this.#versions.size <= target) return;
      if (id !== current && !this.#activeAlerts.has(id)) this.#versions.delete(id);
    }
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#recheckTimer);
    clearTimeout(this.#urgencyTimer);
  }

  /**
   * An active alert was created or changed: its levels count at once where they are nearer than what the
   * snapshot said (a level that moved away, or a count, waits for the next snapshot, read shortly after).
   */
  #tighten(event: AlertChangeEvent): void {
    const { alert } = event;
    const known = this.#urgency.get(alert.symbol);
    const current: SymbolDemand = known ?? {
      symbol: alert.symbol,
      alerts: this.#activeCountBySymbol.get(alert.symbol) ?? 1,
      nearestAbove: null,
      nearestBelow: null,
    };
    const { upper, lower } = standingLevels(alert);
    const next: SymbolDemand = {
      ...current,
      // The active alerts events told of are at least how many there are.
      alerts: Math.max(current.alerts, this.#activeCountBySymbol.get(alert.symbol) ?? 0),
      nearestAbove:
        upper !== null && upper > 0 && (current.nearestAbove === null || upper < current.nearestAbove)
          ? upper
          : current.nearestAbove,
      nearestBelow:
        lower !== null && lower >= 0 && (current.nearestBelow === null || lower > current.nearestBelow)
          ? lower
          : current.nearestBelow,
    };
    this.#urgency.set(alert.symbol, next);
    this.#urgencyChanged();
    this.#scheduleUrgencyRecheck(alert.symbol);
  }

  #urgencyChanged(): void {
    for (const listener of this.#urgencyListeners) listener();
  }

  #scheduleUrgencyRecheck(symbol: string): void {
    this.#urgencySymbols.add(symbol);
    if (this.#urgencyTimer || this.#stopped) return;
    this.#urgencyTimer = setTimeout(() => {
      this.#urgencyTimer = undefined;
      const symbols = [...this.#urgencySymbols];
      this.#urgencySymbols.clear();
      this.refreshSymbols(symbols).catch((error: unknown) =>
        this.#log.warn(
          { err: error, symbols: symbols.length },
          "demand recheck failed after an alert change; the periodic snapshot follows",
        ),
      );
    }, this.#urgencyRecheckDelayMs);
    this.#urgencyTimer.unref?.();
  }

  #scheduleRecheck(symbols: readonly string[]): void {
    for (const symbol of symbols) this.#recheckSymbols.add(symbol);
    if (this.#recheckTimer || this.#stopped) return;
    this.#recheckTimer = setTimeout(() => {
      this.#recheckTimer = undefined;
      const asked = [...this.#recheckSymbols];
      this.#recheckSymbols.clear();
      this.refreshSymbols(asked).catch((error: unknown) => {
        this.#log.warn(
          { err: error, symbols: asked.length },
          "demand recheck failed after an alert change; retrying",
        );
        this.#scheduleRecheck(asked);
      });
    }, this.#recheckDelayMs);
  }

  #recompute(): void {
    const next = new Set(this.#snapshot);
    for (const symbol of this.#activeCountBySymbol.keys()) next.add(symbol);
    const added = [...next].filter((s) => !this.#current.has(s));
    const removed = [...this.#current].filter((s) => !next.has(s));
    this.#current = next;
    if (added.length === 0 && removed.length === 0) return;
    this.#log.info({ added, removed, demanded: next.size }, "demand changed");
    for (const listener of this.#listeners) listener({ added, removed });
  }
}
