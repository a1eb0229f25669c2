// The market an alert is set at, as the bot brings it to the alert service: the quote's last price and previous
// close, for a new high/low the range it starts from (today's high/low from the quote, the 52-week range from
// the pricing service), and for a volume or indicator alert the study it watches, from the pricing service. A
// range or study that is not known is refused here with a reason a user can act on.
import type { AlertCondition, MarketContext, StudyKey } from "@tickerbell/contracts";
import { studyKeyOf, volumeRefusal, yearRangeRefusal } from "@tickerbell/rules";
import { averageName, rsiName } from "../format/format.ts";
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

/**
 * The market for setting `condition` on `symbol`: asks for the 52-week range, or the study, only when the
 * condition needs it.
 */
export async function marketFor(
  condition: AlertCondition,
  symbol: string,
  quote: Quote,
  prices: Pick<PriceLookup, "range" | "studies">,
): Promise<MarketResult> {
  const key = studyKeyOf(condition);
  if (key !== null) return studiedMarket(condition, key, symbol, quote, prices);
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

/** `its 50-day SMA`, `its daily RSI(14)`, `its volume by this time of day`: the study, as a refusal names it. */
function studyName(condition: AlertCondition): string {
  if (condition.kind === "average") return `its ${averageName(condition)}`;
  if (condition.kind === "rsi") return `its ${rsiName(condition)}`;
  return "its volume against the usual by this time of day";
}

/**
 * A volume or indicator alert starts from its study now (the alert service refuses one already met from it, and
 * a moving-average cross watches the side price is not on): read from the pricing service, refused with the
 * pricing service's reason when the study has no value yet (too little history, no volume).
 */
async function studiedMarket(
  condition: AlertCondition,
  key: StudyKey,
  symbol: string,
  quote: Quote,
  prices: Pick<PriceLookup, "studies">,
): Promise<MarketResult> {
  const noVolume = condition.kind === "volume" ? volumeRefusal(symbol) : null;
  if (noVolume !== null) return { ok: false, text: noVolume };
  const answer = prices.studies ? await prices.studies(symbol, [key]) : null;
  if (answer === null)
    return {
      ok: false,
      text: `I can't read ${symbol}'s ${studyName(condition).replace(/^its /, "")} right now, so I can't set that alert; try again shortly.`,
    };
  // The pricing service says what is short in its own words: `a 50-day simple average needs 50 daily bars; 23
  // recorded`, `volume needs 5 recorded sessions; 3 so far`.
  const gap = answer.missing.find((g) => g.key === key);
  if (gap !== undefined)
    return {
      ok: false,
      text: `I can't watch ${symbol}'s ${studyName(condition).replace(/^its /, "")} yet: ${gap.message}.`,
    };
  const known =
    condition.kind === "volume"
      ? answer.studies.volume !== undefined
      : answer.studies.values?.[key] !== undefined;
  if (!known)
    return {
      ok: false,
      text: `I don't know ${symbol}'s ${studyName(condition).replace(/^its /, "")} yet, so I can't set that alert; try again shortly.`,
    };
  return { ok: true, market: { ...marketOf(quote), studies: answer.studies } };
}
