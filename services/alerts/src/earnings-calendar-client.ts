import { EarningsCalendarSchema, type EarningsEvent } from "@tickerbell/contracts";
import type { EarningsCalendarSource } from "./domain/earnings-scheduler.ts";

export interface PricingEarningsCalendarOptions {
  /** The pricing service, e.g. `http://pricing:8082`. */
  baseUrl: string;
  fetch?: (request: Request) => Promise<Response>;
  timeoutMs?: number;
}

/** The pricing service's earnings calendar over HTTP (it owns the Finnhub budget and caches for hours). */
export class PricingEarningsCalendar implements EarningsCalendarSource {
  readonly #options: PricingEarningsCalendarOptions;

  constructor(options: PricingEarningsCalendarOptions) {
    this.#options = options;
  }

  async upcoming(symbol: string): Promise<EarningsEvent[]> {
    const { baseUrl, timeoutMs = 10_000 } = this.#options;
    const url = `${baseUrl.replace(/\/$/, "")}/v1/earnings/${encodeURIComponent(symbol)}`;
    // The timer holds the controller, so the call gives up whatever the garbage collector does: a timeout signal
    // reaches the global fetch through the Request it copies only weakly, and once collected it never fires.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    try {
      let res: Response;
      try {
        res = await (this.#options.fetch
          ? this.#options.fetch(new Request(url, { signal: deadline.signal }))
          : fetch(url, { signal: deadline.signal }));
      } catch (error) {
        throw new Error(`could not reach the pricing service for ${symbol}'s earnings calendar`, {
          cause: error,
        });
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw new Error(`the pricing service answered ${res.status} to ${symbol}'s earnings calendar`);
      }
      const parsed = EarningsCalendarSchema.safeParse(await res.json().catch(() => null));
      if (!parsed.success)
        throw new Error(`the pricing service sent an unreadable earnings calendar for ${symbol}`);
      return parsed.data.events;
    } finally {
      clearTimeout(timer);
    }
  }
}
