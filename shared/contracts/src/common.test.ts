import { describe, expect, it } from "vitest";
import { cleanText, describeCodePoint, findUnsafeCharacter, OriginSchema, plainText } from "./common.ts";

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
