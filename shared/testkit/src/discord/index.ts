export { DiscordErrorCode } from "./errors.ts";
export {
  CallbackType,
  type CommandRegistration,
  type DiscordMessageRecord,
  FakeDiscord,
  type FakeDiscordOptions,
  type FakeDiscordStats,
  FakeInteraction,
  type InteractionPlace,
  type InteractionResponseRecord,
  MessageFlag,
  type RequestLogEntry,
  type UserRef,
} from "./fake-discord.ts";
export type { GatewayStats } from "./gateway.ts";
export type { OptionValue, OptionValues } from "./interaction-data.ts";
export { type BucketLimit, DEFAULT_ROUTE_LIMITS } from "./rate-limits.ts";
