// Where a new alert starts: its reference price and levels from the market at creation, or a refusal when the
// condition already holds (an alert that would fire on the very next tick is almost always a typo).

import { type AlertCondition, type MarketContext, MIN_VOLUME_SESSIONS } from "@tickerbell/contracts";
import { extremeSpanWords, extremeStart } from "./extreme.ts";
import { type Levels, percentThresholds } from "./levels.ts";
import { formatPrice } from "./price-notation.ts";
import { type StudyCondition, studyReadingOf, studyWords, volumeReached } from "./studies.ts";

export interface AlertBaseline {
  referencePrice: number;
  thresholds: Levels;
  /** Trailing alerts: the starting peak (`down`) or trough (`up`); extreme alerts: the starting high or low. */
  extreme: number | null;
  /** Session high/low alerts: the instant (epoch ms) the running extreme holds from; null for other kinds. */
  extremeSince?: number | null;
  /** Moving-average `cross` alerts: the side of the average the first firing comes from; absent for other kinds. */
  watch?: "upper" | "lower";
}

export type PlanRefusal = {
  ok: false;
  code:
    | "condition_already_met"
    | "previous_close_unknown"
    | "trailing_offset_too_large"
    | "extreme_range_unknown"
    | "study_unknown"
    | "condition_unsupported";
  message: string;
  details: Record<string, unknown>;
};

export type PlanResult = { ok: true; baseline: AlertBaseline } | PlanRefusal;

function alreadyMet(last: number, what: string, thresholds: Levels, symbol: string | null): PlanRefusal {
  return {
    ok: false,
    code: "condition_already_met",
    message: `${what} (current price ${formatPrice(last, symbol)})`,
    details: { currentPrice: last, thresholds },
  };
}

/**
 * `at` (epoch ms, the moment of creation or edit) is where a session high/low alert's trading day starts.
 * `symbol` writes the prices in a refusal as that symbol's are written (null: as a stock's).
 */
export function planAlert(
  condition: AlertCondition,
  market: MarketContext,
  at: number | null = null,
  symbol: string | null = null,
): PlanResult {
  const last = market.last;
  switch (condition.kind) {
    case "price": {
      const x = condition.target;
      const ok = (thresholds: Levels): PlanResult => ({
        ok: true,
        baseline: { referencePrice: last, thresholds, extreme: null },
      });
      if (condition.direction === "above") {
        const thresholds = { upper: x, lower: null };
        return last >= x
          ? alreadyMet(last, `price is already at or above ${formatPrice(x, symbol)}`, thresholds, symbol)
          : ok(thresholds);
      }
      if (condition.direction === "below") {
        const thresholds = { upper: null, lower: x };
        return last <= x
          ? alreadyMet(last, `price is already at or below ${formatPrice(x, symbol)}`, thresholds, symbol)
          : ok(thresholds);
      }
      // `cross` watches the side price is not on yet.
      const thresholds = last < x ? { upper: x, lower: null } : { upper: null, lower: x };
      return last === x
        ? alreadyMet(last, `price is exactly at ${formatPrice(x, symbol)}`, thresholds, symbol)
        : ok(thresholds);
    }
    case "percent": {
      let reference = last;
      if (condition.basis === "close") {
        if (market.previousClose === undefined) {
          return {
            ok: false,
            code: "previous_close_unknown",
            message:
              "the previous close is not known for this symbol, so a move `from close` cannot be set; use the last price instead",
            details: {},
          };
        }
        reference = market.previousClose;
      }
      const thresholds = percentThresholds(reference, condition.direction, condition.percent);
      if (thresholds.upper !== null && last >= thresholds.upper) {
        return alreadyMet(
          last,
          `price is already ${condition.percent}% or more above ${formatPrice(reference, symbol)}`,
          thresholds,
          symbol,
        );
      }
      if (thresholds.lower !== null && last <= thresholds.lower) {
        return alreadyMet(
          last,
          `price is already ${condition.percent}% or more below ${formatPrice(reference, symbol)}`,
          thresholds,
          symbol,
        );
      }
      return { ok: true, baseline: { referencePrice: reference, thresholds, extreme: null } };
    }
    case "trailing": {
      const { direction, offset } = condition;
      if (direction === "down" && offset.unit === "amount" && offset.value >= last) {
        return {
          ok: false,
          code: "trailing_offset_too_large",
          message: `a trailing stop of ${formatPrice(offset.value, symbol)} below a price of ${formatPrice(last, symbol)} can never fire`,
          details: { currentPrice: last },
        };
      }
      return {
        ok: true,
        baseline: { referencePrice: last, thresholds: { upper: null, lower: null }, extreme: last },
      };
    }
    case "window":
      // Its levels follow the window; a move already under way when it is set is what it reports.
      return {
        ok: true,
        baseline: { referencePrice: last, thresholds: { upper: null, lower: null }, extreme: null },
      };
    case "extreme": {
      const start = extremeStart(condition, market);
      if (start === null) {
        const what =
          condition.span === "session" ? `today's ${condition.side}` : `the 52-week ${condition.side}`;
        return {
          ok: false,
          code: "extreme_range_unknown",
          message: `${what} is not known for this symbol, so a new ${extremeSpanWords(condition.span)} ${condition.side} alert cannot be set`,
          details: {},
        };
      }
      // No level to refuse: beyond the running extreme is by definition not reached yet.
      return {
        ok: true,
        baseline: {
          referencePrice: start,
          thresholds: { upper: null, lower: null },
          extreme: start,
          extremeSince: condition.span === "session" ? at : null,
        },
      };
    }
    case "volume":
    case "average":
    case "rsi":
      return planStudyAlert(condition, market, symbol);
    case "earnings":
      // No level: it is due by the calendar, never by a price, so it cannot already hold.
      return {
        ok: true,
        baseline: { referencePrice: last, thresholds: { upper: null, lower: null }, extreme: null },
      };
  }
}

function formatStudy(value: number): string {
  return Math.abs(value) >= 1000 ? Math.round(value).toLocaleString("en-US") : String(roundTo2(value));
}

function roundTo2(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * Volume and indicator alerts start from the study the bot read from pricing (`market.studies`): without it
 * there is nothing to compare with, and one already met at that value is refused like a price alert. A cross
 * of a moving average watches the side price is not on.
 */
function planStudyAlert(condition: StudyCondition, market: MarketContext, symbol: string | null): PlanResult {
  const last = market.last;
  const none: Levels = { upper: null, lower: null };
  const ok = (watch?: "upper" | "lower"): PlanResult => ({
    ok: true,
    baseline: {
      referencePrice: last,
      thresholds: none,
      extreme: null,
      ...(watch === undefined ? {} : { watch }),
    },
  });
  const reading = studyReadingOf(condition, market.studies);
  if (reading === null) {
    const why =
      condition.kind === "volume"
        ? `today's volume against its typical volume is not known (it needs at least ${MIN_VOLUME_SESSIONS} recorded sessions)`
        : `the ${studyWords(condition)} is not known (not enough recorded bars yet)`;
    return {
      ok: false,
      code: "study_unknown",
      message: `${why}, so this alert cannot be set`,
      details: { study: condition.kind === "volume" ? "volume" : studyWords(condition) },
    };
  }
  const value = reading.value;
  const met = (message: string): PlanResult => ({
    ok: false,
    code: "condition_already_met",
    message,
    details: { currentPrice: last, study: { key: reading.key, value, typical: reading.typical } },
  });
  switch (condition.kind) {
    case "volume": {
      const volume = market.studies!.volume!;
      if (volumeReached(condition.multiple, volume))
        return met(
          `today's volume is already ${roundTo2(volume.today / volume.typical)}x its typical volume by this time (${formatStudy(volume.today)} against ${formatStudy(volume.typical)})`,
        );
      return ok();
    }
    case "average": {
      const words = studyWords(condition);
      const at = `(${words} ${formatPrice(value, symbol)}, price ${formatPrice(last, symbol)})`;
      if (condition.direction === "above")
        return last >= value ? met(`price is already at or above its ${words} ${at}`) : ok();
      if (condition.direction === "below")
        return last <= value ? met(`price is already at or below its ${words} ${at}`) : ok();
      if (last === value) return met(`price is exactly at its ${words} ${at}`);
      return ok(last < value ? "upper" : "lower");
    }
    case "rsi": {
      const words = studyWords(condition);
      if (condition.direction === "above" && value >= condition.level)
        return met(`the ${words} is already at or above ${condition.level} (it is ${roundTo2(value)})`);
      if (condition.direction === "below" && value <= condition.level)
        return met(`the ${words} is already at or below ${condition.level} (it is ${roundTo2(value)})`);
      return ok();
    }
  }
}
