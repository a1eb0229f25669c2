import { describe, expect, it } from "vitest";
import {
  ALL_PERMISSIONS,
  allows,
  computePermissions,
  type Overwrite,
  Permission,
  toPermissionBits,
} from "./permissions.ts";

const GUILD = "900000000000000001";
const OWNER = "100000000000000001";
const USER = "100000000000000002";
const MODS = "800000000000000001";
const MUTED = "800000000000000002";
const ADMINS = "800000000000000003";

const { ViewChannel: VIEW, SendMessages: SEND, EmbedLinks: EMBED, ManageChannels: MANAGE } = Permission;
const EVERYONE = VIEW | SEND | EMBED;

const roles = new Map<string, bigint>([
  [GUILD, EVERYONE],
  [MODS, MANAGE],
  [MUTED, 0n],
  [ADMINS, Permission.Administrator],
]);

function role(id: string, allow: bigint, deny: bigint): Overwrite {
  return { id, type: 0, allow, deny };
}
function member(id: string, allow: bigint, deny: bigint): Overwrite {
  return { id, type: 1, allow, deny };
}

describe("computePermissions (Discord's Permission Overwrites algorithm)", () => {
  const cases: {
    name: string;
    user?: string;
    memberRoles?: string[];
    overwrites?: Overwrite[];
    expected: bigint;
  }[] = [
    { name: "@everyone's base permissions", expected: EVERYONE },
    { name: "roles add to @everyone", memberRoles: [MODS], expected: EVERYONE | MANAGE },
    { name: "the owner has everything", user: OWNER, expected: ALL_PERMISSIONS },
    {
      name: "the owner keeps everything whatever the overwrites",
      user: OWNER,
      overwrites: [member(OWNER, 0n, VIEW)],
      expected: ALL_PERMISSIONS,
    },
    { name: "an administrator has everything", memberRoles: [ADMINS], expected: ALL_PERMISSIONS },
    {
      name: "no overwrite takes anything from an administrator",
      memberRoles: [ADMINS],
      overwrites: [role(GUILD, 0n, VIEW), member(USER, 0n, VIEW | SEND)],
      expected: ALL_PERMISSIONS,
    },
    {
      name: "an @everyone deny removes a base permission",
      overwrites: [role(GUILD, 0n, SEND)],
      expected: VIEW | EMBED,
    },
    {
      name: "a role allow beats the @everyone deny",
      memberRoles: [MODS],
      overwrites: [role(GUILD, 0n, SEND), role(MODS, SEND, 0n)],
      expected: EVERYONE | MANAGE,
    },
    {
      name: "between two roles, the allow wins over the deny (allows apply after all denies)",
      memberRoles: [MODS, MUTED],
      overwrites: [role(MUTED, 0n, SEND), role(MODS, SEND, 0n)],
      expected: EVERYONE | MANAGE,
    },
    {
      name: "a role overwrite of a role the member lacks does nothing",
      overwrites: [role(MODS, 0n, VIEW)],
      expected: EVERYONE,
    },
    {
      name: "a member deny beats a role allow",
      memberRoles: [MODS],
      overwrites: [role(MODS, SEND, 0n), member(USER, 0n, SEND)],
      expected: VIEW | EMBED | MANAGE,
    },
    {
      name: "a member allow beats a role deny",
      memberRoles: [MUTED],
      overwrites: [role(MUTED, 0n, SEND), member(USER, SEND, 0n)],
      expected: EVERYONE,
    },
    {
      name: "another member's overwrite does nothing",
      overwrites: [member(OWNER, 0n, VIEW)],
      expected: EVERYONE,
    },
    {
      name: "an @everyone allow grants what the base lacks",
      overwrites: [role(GUILD, MANAGE, 0n)],
      expected: EVERYONE | MANAGE,
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const computed = computePermissions({
        guildId: GUILD,
        ownerId: OWNER,
        userId: c.user ?? USER,
        memberRoles: c.memberRoles ?? [],
        rolePermissions: roles,
        overwrites: c.overwrites ?? [],
      });
      expect(computed.toString(2)).toBe(c.expected.toString(2));
    });
  }
});

describe("allows (implicit denials)", () => {
  it("needs VIEW_CHANNEL for anything in the channel", () => {
    expect(allows(SEND | EMBED, SEND)).toBe(false);
    expect(allows(VIEW | SEND, SEND)).toBe(true);
  });

  it("ignores EMBED_LINKS, ATTACH_FILES and MENTION_EVERYONE without SEND_MESSAGES", () => {
    expect(allows(VIEW | EMBED | Permission.AttachFiles, EMBED)).toBe(false);
    expect(allows(VIEW | Permission.MentionEveryone, Permission.MentionEveryone)).toBe(false);
    expect(allows(VIEW | SEND | EMBED, EMBED)).toBe(true);
  });

  it("lets ADMINISTRATOR do anything", () => {
    expect(allows(Permission.Administrator, SEND | EMBED)).toBe(true);
  });
});

describe("toPermissionBits", () => {
  it("reads bigints, decimal strings and numbers, and refuses anything else clearly", () => {
    expect(toPermissionBits(1024n)).toBe(1024n);
    expect(toPermissionBits("2048")).toBe(2048n);
    expect(toPermissionBits(16)).toBe(16n);
    expect(() => toPermissionBits("0x10", "role permissions")).toThrow(
      /role permissions must be a decimal bitfield/,
    );
    expect(() => toPermissionBits(-1)).toThrow(/non-negative integer/);
    expect(() => toPermissionBits(-1n)).toThrow(/must not be negative/);
  });
});
