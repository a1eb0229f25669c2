export * from "./candle-history.ts";
export * from "./fake-finnhub.ts";
