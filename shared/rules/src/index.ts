export * from "./asset-class.ts";
export * from "./earnings.ts";
export * from "./levels.ts";
export * from "./market-hours.ts";
export * from "./plan.ts";
export * from "./runtime.ts";
export * from "./step.ts";
export * from "./wall-clock.ts";
