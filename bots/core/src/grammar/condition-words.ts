// The words that say which way a condition goes, shared by every reader of a condition (prices, moving averages,
// RSI, volume).

export const ABOVE: ReadonlySet<string> = new Set([
  "above",
  "over",
  ">",
  ">=",
  "=>",
  "gt",
  "gte",
  "hits",
  "reaches",
]);
export const BELOW: ReadonlySet<string> = new Set(["below", "under", "<", "<=", "=<", "lt", "lte"]);
export const CROSS: ReadonlySet<string> = new Set(["cross", "crosses", "crossing", "at", "=", "=="]);
