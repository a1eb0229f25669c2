export * from "./discord/index.ts";
export * from "./finnhub/index.ts";
export * from "./history/recorded-bars.ts";
export * from "./kafka/index.ts";
export * from "./postgres.ts";
export * from "./telegram/index.ts";
