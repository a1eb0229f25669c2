// Which study (computed by the pricing service from recorded bars, sent on the symbol's ticks) an alert reads.
import type { AlertCondition, StudyKey } from "@tickerbell/contracts";

/** The study a volume or indicator alert watches (`volume`, `sma50`, `rsi14:1h`); null for the other kinds. */
export function studyKeyOf(condition: AlertCondition): StudyKey | null {
  switch (condition.kind) {
    case "volume":
      return "volume";
    case "average":
      return `${condition.average}${condition.period}`;
    case "rsi":
      return `rsi${condition.period}:${condition.interval}`;
    default:
      return null;
  }
}
