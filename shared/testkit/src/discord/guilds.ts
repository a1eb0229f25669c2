import type { Json } from "./errors.ts";
import { computePermissions, type Overwrite } from "./permissions.ts";

// The guild model of the fake: its state, and the JSON shapes Discord's API gives it.

export interface RoleState {
  id: string;
  name: string;
  permissions: bigint;
  mentionable: boolean;
  position: number;
}

export interface MemberState {
  userId: string;
  roles: string[];
  joinedAt: number;
}

/** A guild created by the test (guilds only named in `{ guildId }` keep the old implicit, permissive behaviour). */
export interface GuildState {
  id: string;
  name: string;
  ownerId: string;
  roles: Map<string, RoleState>;
  members: Map<string, MemberState>;
  botPresent: boolean;
}

/** A user's permissions in a channel with these overwrites (0 for someone not in the guild). */
export function memberPermissions(
  guild: GuildState,
  userId: string,
  overwrites: readonly Overwrite[],
): bigint {
  const member = guild.members.get(userId);
  if (!member) return 0n;
  return computePermissions({
    guildId: guild.id,
    ownerId: guild.ownerId,
    userId,
    memberRoles: member.roles,
    rolePermissions: new Map([...guild.roles.values()].map((role) => [role.id, role.permissions])),
    overwrites,
  });
}

export function overwriteJson(overwrite: Overwrite): Json {
  return {
    id: overwrite.id,
    type: overwrite.type,
    allow: overwrite.allow.toString(),
    deny: overwrite.deny.toString(),
  };
}

export function roleJson(role: RoleState): Json {
  return {
    id: role.id,
    name: role.name,
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position: role.position,
    permissions: role.permissions.toString(),
    managed: false,
    mentionable: role.mentionable,
    flags: 0,
  };
}

/** A guild object as GET /guilds/:id answers it (GUILD_CREATE adds channels and members). */
export function guildJson(guild: GuildState): Json {
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    owner_id: guild.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 1,
    explicit_content_filter: 0,
    roles: [...guild.roles.values()].map(roleJson),
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: 0,
    application_id: null,
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    vanity_url_code: null,
    description: null,
    banner: null,
    premium_tier: 0,
    preferred_locale: "en-US",
    public_updates_channel_id: null,
    nsfw_level: 0,
    premium_progress_bar_enabled: false,
  };
}
