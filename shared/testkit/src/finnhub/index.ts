export * from "./fake-finnhub.ts";
