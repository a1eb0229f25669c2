import type { Logger } from "@tickerbell/config";
import type { AlertChangeEvent } from "@tickerbell/contracts";
import type { DemandSnapshotSource } from "./ports.ts";

export interface DemandChange {
  added: string[];
  removed: string[];
}

export type DemandListener = (change: DemandChange) => void;

export interface DemandTrackerOptions {
  /** Wait after an alert stopped being active before re-reading the snapshot (batches bursts; default 250 ms). */
  recheckDelayMs?: number;
}

/**
 * Which symbols need prices. The alert service's snapshot (active alerts and watchlists) is the authority;
 * `alerts.changes` events add demand at once, and an alert that stops being active triggers a fresh snapshot,
 * because only the alert service knows whether a watchlist or another alert still wants that symbol.
 */
export class DemandTracker {
  readonly #snapshotSource: DemandSnapshotSource;
  readonly #log: Logger;
  readonly #recheckDelayMs: number;
  readonly #listeners = new Set<DemandListener>();
  #snapshot = new Set<string>();
  /** Active alerts seen in events since start, by id. */
  readonly #activeAlerts = new Map<string, string>();
  #current = new Set<string>();
  #recheckTimer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;
  #stopped = false;

  constructor(snapshotSource: DemandSnapshotSource, log: Logger, options: DemandTrackerOptions = {}) {
    this.#snapshotSource = snapshotSource;
    this.#log = log;
    this.#recheckDelayMs = options.recheckDelayMs ?? 250;
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
        const symbols = await this.#snapshotSource.fetchDemand();
        this.#snapshot = new Set(symbols.map((s) => s.toUpperCase()));
        this.#recompute();
      } finally {
        this.#refreshing = undefined;
      }
    })();
    return this.#refreshing;
  }

  apply(event: AlertChangeEvent): void {
    const { id, symbol, status } = event.alert;
    if (status === "active") {
      this.#activeAlerts.set(id, symbol);
      this.#recompute();
      return;
    }
    const wasKnownActive = this.#activeAlerts.delete(id);
    if (wasKnownActive) this.#recompute();
    // The snapshot may hold the symbol because of this alert: ask again unless an event-known alert keeps it.
    if (this.#snapshot.has(symbol) && ![...this.#activeAlerts.values()].includes(symbol))
      this.#scheduleRecheck();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#recheckTimer);
  }

  #scheduleRecheck(): void {
    if (this.#recheckTimer || this.#stopped) return;
    this.#recheckTimer = setTimeout(() => {
      this.#recheckTimer = undefined;
      this.refresh().catch((error: unknown) => {
        this.#log.warn({ err: error }, "demand snapshot failed after an alert change; retrying");
        this.#scheduleRecheck();
      });
    }, this.#recheckDelayMs);
  }

  #recompute(): void {
    const next = new Set(this.#snapshot);
    for (const symbol of this.#activeAlerts.values()) next.add(symbol);
    const added = [...next].filter((s) => !this.#current.has(s));
    const removed = [...this.#current].filter((s) => !next.has(s));
    this.#current = next;
    if (added.length === 0 && removed.length === 0) return;
    this.#log.info({ added, removed, demanded: next.size }, "demand changed");
    for (const listener of this.#listeners) listener({ added, removed });
  }
}
