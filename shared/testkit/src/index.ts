export * from "./kafka/index.ts";
export * from "./postgres.ts";
