// The market an alert is set at, as the bot brings it to the alert service: the quote's last price and previous
// close, and for a new high/low the range it starts from (today's high/low from the quote, the 52-week range from
// the pricing service). A range that is not known is refused here with a reason a user can act on.
import type { AlertCondition, MarketContext } from "@tickerbell/contracts";
import { yearRangeRefusal } from "@tickerbell/rules";
import type { PriceLookup, Quote, YearRange } from "./ports.ts";

export type MarketResult = { ok: true; market: MarketContext } | { ok: false; text: string };

/** The market context of a quote, with today's range and, when given, the 52-week range. */
export function marketOf(quote: Quote, range: YearRange | null = null): MarketContext {
  return {
    last: quote.price,
    ...(quote.previousClose === null ? {} : { previousClose: quote.previousClose }),
    ...(quote.high == null ? {} : { sessionHigh: quote.high }),
    ...(quote.low == null ? {} : { sessionLow: quote.low }),
    ...(range === null ? {} : { high52w: range.high52w, low52w: range.low52w }),
  };
}

/** The market for setting `condition` on `symbol`: asks for the 52-week range only when the condition needs it. */
export async function marketFor(
  condition: AlertCondition,
  symbol: string,
  quote: Quote,
  prices: Pick<PriceLookup, "range">,
): Promise<MarketResult> {
  if (condition.kind !== "extreme") return { ok: true, market: marketOf(quote) };
  if (condition.span === "session") {
    if (quote.high == null || quote.low == null)
      return {
        ok: false,
        text: `I don't have ${symbol}'s high and low for today yet, so I can't watch for a new session ${condition.side}; try again once it has traded today.`,
      };
    return { ok: true, market: marketOf(quote) };
  }
  const pair = yearRangeRefusal(symbol);
  if (pair !== null) return { ok: false, text: pair };
  const range = prices.range ? await prices.range(symbol) : null;
  if (range === null)
    return {
      ok: false,
      text: `I don't know ${symbol}'s 52-week range, so I can't watch for a new 52-week ${condition.side}; a new session ${condition.side} works (new ${condition.side}).`,
    };
  return { ok: true, market: marketOf(quote, range) };
}
