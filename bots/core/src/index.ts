export * from "./delivery/memory-log.ts";
export * from "./delivery/pipeline.ts";
export * from "./delivery/ports.ts";
export * from "./delivery/rate-limiter.ts";
export * from "./format/format.ts";
export * from "./grammar/commands.ts";
export * from "./grammar/parse.ts";
