import type { Logger } from "@tickerbell/config";
import { matchPairs, type PairListing } from "../domain/pair-search.ts";
import type { SymbolMatch } from "../domain/ports.ts";
import type { FinnhubRestClient } from "./rest-client.ts";

/** Exchanges whose pairs search finds (Finnhub's names, as its `exchange` parameter takes them). */
export const DEFAULT_PAIR_EXCHANGES = {
  crypto: ["binance", "coinbase", "kraken"],
  forex: ["oanda"],
} as const;

const DAY_MS = 24 * 3600_000;
/** After a failed load, search goes on without pairs and tries again this much later. */
const RETRY_MS = 5 * 60_000;

export interface PairDirectoryOptions {
  rest: Pick<FinnhubRestClient, "cryptoSymbols" | "forexSymbols">;
  exchanges?: { crypto: readonly string[]; forex: readonly string[] };
  /** How long a loaded list is used before it is read again (default a day). */
  refreshMs?: number;
  log?: Logger;
  now?: () => number;
}

/**
 * The crypto and forex pairs search finds. Finnhub's /search covers stocks only, and its pair lists are one long
 * list per exchange, so each list is read once a day (background share of the REST budget) and matched locally:
 * a search costs no call once the lists are in. Concurrent searches share a load in flight; a failed exchange
 * is left out until it is retried a few minutes later, and never fails the search.
 */
export class PairDirectory {
  readonly #rest: PairDirectoryOptions["rest"];
  readonly #exchanges: { crypto: readonly string[]; forex: readonly string[] };
  readonly #refreshMs: number;
  readonly #log: Logger | undefined;
  readonly #now: () => number;
  #listings: PairListing[] = [];
  #validUntil = 0;
  #loading: Promise<void> | null = null;

  constructor(options: PairDirectoryOptions) {
    this.#rest = options.rest;
    this.#exchanges = options.exchanges ?? DEFAULT_PAIR_EXCHANGES;
    this.#refreshMs = options.refreshMs ?? DAY_MS;
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
  }

  async search(query: string): Promise<SymbolMatch[]> {
    if (this.#now() >= this.#validUntil) await this.#load();
    return matchPairs(this.#listings, query);
  }

  #load(): Promise<void> {
    this.#loading ??= this.#loadAll().finally(() => {
      this.#loading = null;
    });
    return this.#loading;
  }

  async #loadAll(): Promise<void> {
    const lists = await Promise.allSettled([
      ...this.#exchanges.crypto.map((e) => this.#rest.cryptoSymbols(e, "background")),
      ...this.#exchanges.forex.map((e) => this.#rest.forexSymbols(e, "background")),
    ]);
    const failed = lists.filter((r) => r.status === "rejected");
    const listings = lists.flatMap((r) => (r.status === "fulfilled" ? r.value : []));
    // Keep what an earlier load had when this one brought nothing (Finnhub busy): stale pairs beat none.
    if (listings.length > 0 || this.#listings.length === 0) this.#listings = listings;
    this.#validUntil = this.#now() + (failed.length > 0 ? RETRY_MS : this.#refreshMs);
    if (failed.length > 0) {
      const reason = failed[0]?.status === "rejected" ? String(failed[0].reason) : "";
      this.#log?.warn(
        { failed: failed.length, reason },
        "could not read every exchange's pair list; retrying later",
      );
    }
  }
}
