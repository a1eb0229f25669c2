// Where a new alert starts: its reference price and levels from the market at creation, or a refusal when the
// condition already holds (an alert that would fire on the very next tick is almost always a typo).
import type { AlertCondition, MarketContext } from "@tickerbell/contracts";
import { extremeSpanWords, extremeStart } from "./extreme.ts";
import { type Levels, percentThresholds } from "./levels.ts";

export interface AlertBaseline {
  referencePrice: number;
  thresholds: Levels;
  /** Trailing alerts: the starting peak (`down`) or trough (`up`); extreme alerts: the starting high or low. */
  extreme: number | null;
  /** Session high/low alerts: the instant (epoch ms) the running extreme holds from; null for other kinds. */
  extremeSince?: number | null;
}

export type PlanRefusal = {
  ok: false;
  code:
    | "condition_already_met"
    | "previous_close_unknown"
    | "trailing_offset_too_large"
    | "extreme_range_unknown"
    | "condition_unsupported";
  message: string;
  details: Record<string, unknown>;
};

export type PlanResult = { ok: true; baseline: AlertBaseline } | PlanRefusal;

function formatPrice(value: number): string {
  return value >= 1 ? value.toFixed(2) : String(value);
}

function alreadyMet(last: number, what: string, thresholds: Levels): PlanRefusal {
  return {
    ok: false,
    code: "condition_already_met",
    message: `${what} (current price ${formatPrice(last)})`,
    details: { currentPrice: last, thresholds },
  };
}

/** `at` (epoch ms, the moment of creation or edit) is where a session high/low alert's trading day starts. */
export function planAlert(
  condition: AlertCondition,
  market: MarketContext,
  at: number | null = null,
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
          ? alreadyMet(last, `price is already at or above ${formatPrice(x)}`, thresholds)
          : ok(thresholds);
      }
      if (condition.direction === "below") {
        const thresholds = { upper: null, lower: x };
        return last <= x
          ? alreadyMet(last, `price is already at or below ${formatPrice(x)}`, thresholds)
          : ok(thresholds);
      }
      // `cross` watches the side price is not on yet.
      const thresholds = last < x ? { upper: x, lower: null } : { upper: null, lower: x };
      return last === x
        ? alreadyMet(last, `price is exactly at ${formatPrice(x)}`, thresholds)
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
          `price is already ${condition.percent}% or more above ${formatPrice(reference)}`,
          thresholds,
        );
      }
      if (thresholds.lower !== null && last <= thresholds.lower) {
        return alreadyMet(
          last,
          `price is already ${condition.percent}% or more below ${formatPrice(reference)}`,
          thresholds,
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
          message: `a trailing stop of ${formatPrice(offset.value)} below a price of ${formatPrice(last)} can never fire`,
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
      return {
        ok: false,
        code: "condition_unsupported",
        message: "volume and indicator alerts cannot be set yet",
        details: {},
      };
    case "earnings":
      // No level: it is due by the calendar, never by a price, so it cannot already hold.
      return {
        ok: true,
        baseline: { referencePrice: last, thresholds: { upper: null, lower: null }, extreme: null },
      };
  }
}
