/** Discord's permission bits (developer docs, "Bitwise Permission Flags"); the fake uses the ones below. */
export const Permission = {
  CreateInstantInvite: 1n << 0n,
  KickMembers: 1n << 1n,
  BanMembers: 1n << 2n,
  Administrator: 1n << 3n,
  ManageChannels: 1n << 4n,
  ManageGuild: 1n << 5n,
  AddReactions: 1n << 6n,
  ViewAuditLog: 1n << 7n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  SendTtsMessages: 1n << 12n,
  ManageMessages: 1n << 13n,
  EmbedLinks: 1n << 14n,
  AttachFiles: 1n << 15n,
  ReadMessageHistory: 1n << 16n,
  MentionEveryone: 1n << 17n,
  UseExternalEmojis: 1n << 18n,
  ChangeNickname: 1n << 26n,
  ManageRoles: 1n << 28n,
  ManageWebhooks: 1n << 29n,
  UseApplicationCommands: 1n << 31n,
  SendMessagesInThreads: 1n << 38n,
} as const;

/** Every bit Discord defines today (up to USE_EXTERNAL_APPS, 1 << 50): what the owner and administrators get. */
export const ALL_PERMISSIONS = (1n << 51n) - 1n;

/** What the fake gives @everyone in a new guild unless the test says otherwise: a typical community server. */
export const DEFAULT_EVERYONE_PERMISSIONS =
  Permission.CreateInstantInvite |
  Permission.AddReactions |
  Permission.ViewChannel |
  Permission.SendMessages |
  Permission.EmbedLinks |
  Permission.AttachFiles |
  Permission.ReadMessageHistory |
  Permission.UseExternalEmojis |
  Permission.ChangeNickname |
  Permission.UseApplicationCommands |
  Permission.SendMessagesInThreads;

/** A permission set as tests may write it: a bigint (discord.js PermissionFlagsBits), a decimal string or a number. */
export type PermissionInput = bigint | string | number;

export function toPermissionBits(value: PermissionInput, what = "permissions"): bigint {
  if (typeof value === "bigint") {
    if (value < 0n) throw new Error(`FakeDiscord: ${what} must not be negative`);
    return value;
  }
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new Error(`FakeDiscord: ${what} must be a non-negative integer, got ${value}`);
    return BigInt(value);
  }
  if (!/^\d+$/.test(value))
    throw new Error(`FakeDiscord: ${what} must be a decimal bitfield, got "${value}"`);
  return BigInt(value);
}

/** A channel overwrite: type 0 is a role (the guild id being @everyone), type 1 a member. */
export interface Overwrite {
  id: string;
  type: 0 | 1;
  allow: bigint;
  deny: bigint;
}

/** What the permission computation needs to know about one member in one channel. */
export interface PermissionSubject {
  guildId: string;
  ownerId: string;
  userId: string;
  /** The member's role ids (without @everyone). */
  memberRoles: readonly string[];
  /** Permissions of every role of the guild by id, @everyone (id = guild id) included. */
  rolePermissions: ReadonlyMap<string, bigint>;
  /** The channel's overwrites; absent for guild-level permissions. */
  overwrites?: readonly Overwrite[];
}

/** Guild-level permissions: the owner has all; else @everyone | the member's roles, and ADMINISTRATOR means all. */
export function basePermissions(subject: PermissionSubject): bigint {
  if (subject.userId === subject.ownerId) return ALL_PERMISSIONS;
  let permissions = subject.rolePermissions.get(subject.guildId) ?? 0n;
  for (const role of subject.memberRoles) permissions |= subject.rolePermissions.get(role) ?? 0n;
  return (permissions & Permission.Administrator) !== 0n ? ALL_PERMISSIONS : permissions;
}

/**
 * Discord's "Permission Overwrites" algorithm: base permissions, then the channel's @everyone overwrite, then the
 * union of the member's role overwrites (all denies, then all allows), then the member's own overwrite.
 */
export function computePermissions(subject: PermissionSubject): bigint {
  const base = basePermissions(subject);
  if ((base & Permission.Administrator) !== 0n) return ALL_PERMISSIONS;
  const overwrites = subject.overwrites ?? [];
  let permissions = base;
  const everyone = overwrites.find((o) => o.type === 0 && o.id === subject.guildId);
  if (everyone) permissions = (permissions & ~everyone.deny) | everyone.allow;
  let allow = 0n;
  let deny = 0n;
  for (const overwrite of overwrites) {
    if (overwrite.type === 0 && subject.memberRoles.includes(overwrite.id)) {
      allow |= overwrite.allow;
      deny |= overwrite.deny;
    }
  }
  permissions = (permissions & ~deny) | allow;
  const own = overwrites.find((o) => o.type === 1 && o.id === subject.userId);
  if (own) permissions = (permissions & ~own.deny) | own.allow;
  return permissions;
}

/**
 * Whether `permissions` (computed in a text channel) let one do `needed`, with Discord's implicit denials: without
 * VIEW_CHANNEL nothing else in the channel counts, and without SEND_MESSAGES neither do MENTION_EVERYONE,
 * SEND_TTS_MESSAGES, ATTACH_FILES nor EMBED_LINKS.
 */
export function allows(permissions: bigint, needed: bigint): boolean {
  if ((permissions & Permission.Administrator) !== 0n) return true;
  let effective = permissions;
  if ((effective & Permission.ViewChannel) === 0n) effective = 0n;
  if ((effective & Permission.SendMessages) === 0n) {
    effective &= ~(
      Permission.MentionEveryone |
      Permission.SendTtsMessages |
      Permission.AttachFiles |
      Permission.EmbedLinks
    );
  }
  return (effective & needed) === needed;
}
