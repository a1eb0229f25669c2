export * from "./api-error.ts";
export type { FakeMemberOptions } from "./chat-members.ts";
export * from "./fake-telegram.ts";
export * from "./formatting.ts";
export type * from "./types.ts";
