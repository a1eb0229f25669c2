export * from "./assignment.ts";
export { BusValidationError, DLQ_HEADERS } from "./codec.ts";
export * from "./in-memory-bus.ts";
export * from "./kafka-bus.ts";
export * from "./metrics.ts";
export * from "./partitioner.ts";
export * from "./port.ts";
export * from "./tuning-env.ts";
