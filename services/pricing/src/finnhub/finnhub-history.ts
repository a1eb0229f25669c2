import { hasVolume } from "@tickerbell/rules";
import { type HistorySource, HistoryUnavailableError } from "../domain/backfill.ts";
import type { BarPart } from "../domain/bars.ts";
import { DAY_MS, MINUTE_MS } from "../domain/bars.ts";
import { CallBudgetExhaustedError, FinnhubRateLimitedError, FinnhubRemoteError } from "./errors.ts";
import type { Candle, FinnhubRestClient } from "./rest-client.ts";

/** How often a candle call waits for the budget before it gives up (each wait ends when a call frees up). */
const MAX_BUDGET_WAITS = 5;

/**
 * History from Finnhub's candles (`/stock/candle`, `/crypto/candle` or `/forex/candle` by the symbol's class), as background calls within the key's REST budget: a call waits for
 * the budget rather than take an interactive request's share. A 403 (the free plan) means no history at all.
 */
export class FinnhubHistory implements HistorySource {
  readonly name = "finnhub";
  readonly #rest: FinnhubRestClient;

  constructor(rest: FinnhubRestClient) {
    this.#rest = rest;
  }

  async minutes(symbol: string, from: number, to: number): Promise<BarPart[]> {
    const candles = await this.#candles(symbol, "1", from, to);
    return candles.filter((k) => k.t >= from && k.t < to).map((k) => part(symbol, "1m", k.t, MINUTE_MS, k));
  }

  async days(symbol: string, from: number, to: number): Promise<BarPart[]> {
    const candles = await this.#candles(symbol, "D", from, to);
    return candles
      .map((k) => part(symbol, "1d", k.t - (k.t % DAY_MS), DAY_MS, k))
      .filter((b) => b.t >= from && b.t < to);
  }

  async #candles(symbol: string, resolution: "1" | "D", from: number, to: number): Promise<Candle[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#rest.candles(
          symbol,
          resolution,
          Math.floor(from / 1000),
          Math.ceil(to / 1000),
          "background",
        );
      } catch (error) {
        if (error instanceof FinnhubRemoteError && (error.status === 403 || error.status === 401)) {
          // A plan without crypto or forex candles still back-fills stocks: that class alone goes without.
          if (error.path !== "/stock/candle") return [];
          throw new HistoryUnavailableError(`Finnhub answered ${error.status} to /stock/candle`);
        }
        const waitUntil =
          error instanceof CallBudgetExhaustedError
            ? error.retryAtMs
            : error instanceof FinnhubRateLimitedError
              ? this.#rest.budget.pausedUntil
              : undefined;
        if (waitUntil === undefined || attempt >= MAX_BUDGET_WAITS) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.max(10, waitUntil - Date.now())));
      }
    }
  }
}

function part(symbol: string, resolution: "1m" | "1d", t: number, spanMs: number, k: Candle): BarPart {
  // A candle does not say how many trades it holds: 0, as the contract allows.
  return {
    symbol,
    resolution,
    t,
    o: k.o,
    h: k.h,
    l: k.l,
    c: k.c,
    // Forex has no traded volume: a forex bar claims none, whatever the candle says.
    v: hasVolume(symbol) ? k.v : 0,
    n: 0,
    openTs: t,
    closeTs: t + spanMs - 1,
  };
}
