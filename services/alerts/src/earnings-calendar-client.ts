import { withDeadline } from "@tickerbell/config";
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
    return withDeadline(timeoutMs, async (signal) => {
      let res: Response;
      try {
        res = await (this.#options.fetch
          ? this.#options.fetch(new Request(url, { signal }))
          : fetch(url, { signal }));
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
    });
  }
}
