export * from "./completion.ts";
export * from "./console-chat.ts";
export * from "./console-notifier.ts";
