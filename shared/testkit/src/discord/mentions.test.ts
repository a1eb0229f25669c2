import { describe, expect, it } from "vitest";
import { DiscordHttpError } from "./errors.ts";
import { computePings, parseAllowedMentions } from "./mentions.ts";

const ROLE = "800000000000000001";
const OTHER_ROLE = "800000000000000002";
const USER = "100000000000000001";
const guild = {
  mentionableRoles: new Set([ROLE]),
  guildRoles: new Set([ROLE, OTHER_ROLE]),
  canMentionEveryone: false,
};

function refusal(raw: unknown): string {
  try {
    parseAllowedMentions(raw);
  } catch (error) {
    if (error instanceof DiscordHttpError)
      return `${error.status} ${String(error.body.code)} ${JSON.stringify(error.body.errors)}`;
    throw error;
  }
  return "accepted";
}

describe("computePings", () => {
  it("reads user mentions in both forms, @here as @everyone, and ignores roles of other guilds", () => {
    const everyone = { ...guild, canMentionEveryone: true };
    expect(computePings(`<@!${USER}> <@${USER}> @here <@&1>`, undefined, everyone)).toEqual({
      everyone: true,
      roles: [],
      users: [USER],
    });
  });

  it("pings nothing that is only allowed but not written", () => {
    expect(
      computePings("no mentions", parseAllowedMentions({ roles: [ROLE], users: [USER] }), guild),
    ).toEqual({
      everyone: false,
      roles: [],
      users: [],
    });
  });

  it("keeps @everyone silent without parse everyone, even with MENTION_EVERYONE", () => {
    const allowed = parseAllowedMentions({ parse: ["users"] });
    expect(computePings("@everyone", allowed, { ...guild, canMentionEveryone: true }).everyone).toBe(false);
  });

  it("lets a listed user ping while parse leaves users out", () => {
    expect(
      computePings(`<@${USER}>`, parseAllowedMentions({ parse: [], users: [USER] }), guild).users,
    ).toEqual([USER]);
  });
});

describe("parseAllowedMentions", () => {
  it("refuses malformed allowed_mentions with 50035 and says why", () => {
    expect(refusal("everyone")).toMatch(/^400 50035 .*dictionaries/);
    expect(refusal({ parse: "roles" })).toMatch(/^400 50035 .*array of strings/);
    expect(refusal({ parse: ["channels"] })).toMatch(/^400 50035 .*must be one of/);
    expect(refusal({ parse: ["users"], users: [USER] })).toMatch(/mutually exclusive/);
    expect(refusal({ roles: Array.from({ length: 101 }, (_, i) => String(i)) })).toMatch(/100 or fewer/);
    expect(refusal({ parse: [], roles: [ROLE], users: [USER], replied_user: false })).toBe("accepted");
    expect(refusal(undefined)).toBe("accepted");
  });
});
