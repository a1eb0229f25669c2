import { describe, expect, it } from "vitest";
import {
  cleanText,
  communityKeyOf,
  DestinationKeySchema,
  describeCodePoint,
  destinationKindOf,
  findUnsafeCharacter,
  isCommunityDestination,
  OriginSchema,
  plainText,
} from "./common.ts";

describe("plainText", () => {
  const note = plainText().trim().min(1);

  it("names the character and its position in code points, counted from 1", () => {
    const result = note.safeParse("🚀 sell\u202eyub");
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe(
      "contains U+202E (RIGHT-TO-LEFT OVERRIDE) at position 7; control and bidi characters are not allowed",
    );
  });

  it("sees the text before trimming, so a trailing line feed is refused", () => {
    expect(note.safeParse("note\n").error?.issues[0]?.message).toContain("U+000A (LINE FEED) at position 5");
  });

  it("calls a lone surrogate invalid Unicode", () => {
    expect(note.safeParse("a\ud800").error?.issues[0]?.message).toBe(
      "contains U+D800 (UNPAIRED SURROGATE) at position 2; text must be valid Unicode",
    );
  });

  it.each(["earnings 🚀", "中文 日本語 한국어", "مرحبا שלום", "👨‍👩‍👧 🇺🇸", "naïve café"])(
    "accepts %j",
    (text) => {
      expect(note.parse(text)).toBe(text);
    },
  );

  it("guards origin.chatId", () => {
    expect(OriginSchema.safeParse({ platform: "telegram", chatId: "1\u00002" }).success).toBe(false);
  });
});

describe("findUnsafeCharacter", () => {
  it.each([0x00, 0x1f, 0x7f, 0x85, 0x9f, 0x2028, 0x2029, 0x202a, 0x202e, 0x2066, 0x2069, 0xdc00])(
    "finds U+%s",
    (cp) => {
      expect(findUnsafeCharacter(`ab${String.fromCharCode(cp)}`)).toEqual({ codePoint: cp, position: 3 });
    },
  );

  it.each([0x20, 0x7e, 0xa0, 0x200d, 0x2027, 0x202f, 0x2065, 0x206a, 0xfeff, 0x1f680])(
    "leaves U+%s alone",
    (cp) => {
      expect(findUnsafeCharacter(`ab${String.fromCodePoint(cp)}`)).toBeNull();
    },
  );

  it("names C1 controls without a table entry generically", () => {
    expect(describeCodePoint(0x90)).toBe("U+0090 (C1 CONTROL)");
  });
});

describe("cleanText", () => {
  it.each([
    ["An\u0000n \u202eSmith\u202c", "Ann Smith"],
    ["Ann\nSmith", "Ann Smith"],
    ["Bo\ud800b", "Bob"],
    ["\u0000\u202e\u2066 \n", ""],
    ["  Zoë 🚀  ", "Zoë 🚀"],
  ])("cleans %j to %j", (raw, clean) => {
    expect(cleanText(raw)).toBe(clean);
  });
});

describe("OriginSchema destinations", () => {
  const channel = {
    platform: "discord",
    chatId: "1100000000000000001",
    kind: "channel",
    communityId: "1100000000000000002",
  } as const;
  const firstMessage = (value: unknown) => OriginSchema.safeParse(value).error?.issues[0]?.message;

  it("reads an origin without a kind as a DM", () => {
    const dm = OriginSchema.parse({ platform: "telegram", chatId: "42" });
    expect(dm).toEqual({ platform: "telegram", chatId: "42" });
    expect(destinationKindOf(dm)).toBe("dm");
    expect(isCommunityDestination(dm)).toBe(false);
    expect(communityKeyOf(dm)).toBeNull();
  });

  it("keeps a channel's server and role, keyed by the server", () => {
    const origin = OriginSchema.parse({ ...channel, mentionRoleId: "1100000000000000003" });
    expect(origin).toEqual({ ...channel, mentionRoleId: "1100000000000000003" });
    expect(isCommunityDestination(origin)).toBe(true);
    expect(communityKeyOf(origin)).toBe("discord:1100000000000000002");
  });

  it("keys a Telegram group by its chat id", () => {
    const origin = OriginSchema.parse({ platform: "telegram", chatId: "-1001234567890", kind: "group" });
    expect(communityKeyOf(origin)).toBe("telegram:-1001234567890");
  });

  it.each([
    [
      { ...channel, platform: "telegram" },
      "a channel alert is posted in a Discord server channel, not on telegram",
    ],
    [
      { ...channel, communityId: undefined },
      "a channel alert needs communityId, the id of the Discord server",
    ],
    [{ ...channel, communityId: "guild" }, "a Discord id is a snowflake"],
    [{ ...channel, chatId: "general" }, "a Discord channel id is a snowflake"],
    [{ ...channel, mentionRoleId: "@everyone" }, "a Discord id is a snowflake"],
    [
      { platform: "discord", chatId: "-100", kind: "group" },
      "a group alert is posted in a Telegram group, not on discord",
    ],
    [
      { platform: "telegram", chatId: "12345", kind: "group" },
      "a Telegram group's chat id is a negative number",
    ],
    [
      { platform: "telegram", chatId: "-100", kind: "group", communityId: "1" },
      "a Telegram group alert has no communityId",
    ],
    [
      { platform: "telegram", chatId: "-100", kind: "group", mentionRoleId: "1" },
      "only a Discord channel alert can mention a role",
    ],
    [
      { platform: "discord", chatId: "1", mentionRoleId: "1" },
      "only a Discord channel alert can mention a role",
    ],
    [{ platform: "discord", chatId: "1", communityId: "1" }, "a direct-message alert has no server"],
    [{ platform: "discord", chatId: "1", kind: "server" }, undefined],
  ])("refuses %j", (value, message) => {
    const result = OriginSchema.safeParse(value);
    expect(result.success).toBe(false);
    if (message !== undefined) expect(firstMessage(value)).toContain(message);
  });
});

describe("DestinationKeySchema", () => {
  it("splits <platform>:<chatId> at the first colon", () => {
    expect(DestinationKeySchema.parse("telegram:-1001234567890")).toEqual({
      platform: "telegram",
      chatId: "-1001234567890",
    });
  });

  it.each(["discord", ":1", "slack:1", "discord:"])("refuses %j with the shape it wants", (key) => {
    expect(DestinationKeySchema.safeParse(key).error?.issues[0]?.message).toContain(
      "a destination is <platform>:<chatId>",
    );
  });
});
