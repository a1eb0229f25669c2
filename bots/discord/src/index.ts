export * from "./commands.ts";
export * from "./discord-bot.ts";
export * from "./discord-notifier.ts";
export * from "./registration.ts";
