export * from "./chart-data.ts";
export * from "./deadline.ts";
export * from "./render.ts";
export * from "./sparkline.ts";
export * from "./threaded-render.ts";
export * from "./time-labels.ts";
export * from "./windows.ts";
