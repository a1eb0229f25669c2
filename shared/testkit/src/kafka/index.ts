export * from "./broker.ts";
export * from "./classpath.ts";
export * from "./env.ts";
export * from "./group-offsets.ts";
