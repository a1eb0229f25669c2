export * from "./format/format.ts";
export * from "./grammar/commands.ts";
export * from "./grammar/parse.ts";
