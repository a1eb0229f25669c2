export * from "./alerts.ts";
export * from "./common.ts";
export * from "./events.ts";
export * from "./internal.ts";
export * from "./pricing.ts";
export * from "./topic-catalog.ts";
export * from "./topics.ts";
export * from "./users.ts";
