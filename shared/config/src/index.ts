export * from "./deadline.ts";
export * from "./env.ts";
export * from "./logger.ts";
export * from "./metrics.ts";
export * from "./periodic.ts";
export * from "./process.ts";
export * from "./retry.ts";
