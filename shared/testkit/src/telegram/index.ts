export * from "./api-error.ts";
export * from "./fake-telegram.ts";
export * from "./formatting.ts";
export type * from "./types.ts";
