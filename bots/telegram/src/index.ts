export * from "./keyboards.ts";
export * from "./telegram-bot.ts";
export * from "./telegram-notifier.ts";
