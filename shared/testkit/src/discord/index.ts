export { DiscordErrorCode } from "./errors.ts";
export {
  CallbackType,
  type ChannelSpec,
  type CommandRegistration,
  type DiscordMessageRecord,
  FakeDiscord,
  type FakeDiscordOptions,
  type FakeDiscordStats,
  FakeInteraction,
  type GuildSpec,
  type InteractionPlace,
  type InteractionResponseRecord,
  MessageFlag,
  type OverwriteSpec,
  type RequestLogEntry,
  type RoleSpec,
  type UserRef,
} from "./fake-discord.ts";
export type { GatewayStats } from "./gateway.ts";
export type { OptionValue, OptionValues } from "./interaction-data.ts";
export type { MessagePings } from "./mentions.ts";
export {
  ALL_PERMISSIONS,
  computePermissions,
  DEFAULT_EVERYONE_PERMISSIONS,
  Permission,
  type PermissionInput,
} from "./permissions.ts";
export { type BucketLimit, DEFAULT_ROUTE_LIMITS } from "./rate-limits.ts";
