import fc from "fast-check";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Answer, priceAlert, startPostgresHarness } from "./harness.ts";

/**
 * Characters PostgreSQL cannot store (U+0000, lone surrogates) or that a chat must never show (control, bidi
 * override/isolate, line/paragraph separators), through the HTTP API on real PostgreSQL: what the user types is
 * refused with a 400 naming the character and where it is; identifiers are refused with a 400 naming the field;
 * display names (the platform's text, sent with every command) are cleaned and stored, never refused.
 */

let h: Awaited<ReturnType<typeof startPostgresHarness>>;
let db: pg.Client;
let alertId: string;
const USER = "typist";

beforeAll(async () => {
  h = await startPostgresHarness();
  db = new pg.Client({ connectionString: h.db.url });
  await db.connect();
  const created = await h.api("POST", "/v1/alerts", { as: USER, body: priceAlert({ note: "original" }) });
  expect(created.status, created.text).toBe(201);
  alertId = created.body.id;
});
afterAll(async () => {
  await db?.end();
  await h?.close();
});

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
/** Every code point a text field refuses: C0, DEL and C1, bidi overrides and isolates, line/paragraph separators. */
const REFUSED = [
  ...range(0x00, 0x1f),
  ...range(0x7f, 0x9f),
  ...range(0x202a, 0x202e),
  ...range(0x2066, 0x2069),
  0x2028,
  0x2029,
];
/** The ones a display name turns into a space rather than dropping (they separate words). */
const SPACE_LIKE = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x85, 0x2028, 0x2029]);
const hex = (cp: number) => `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;

/**
 * Text people write: Latin, accents, Cyrillic, CJK, Hangul, Arabic, Hebrew, Devanagari, emoji (with ZWJ, skin
 * tones, flags), starting with a letter; at most 8 UTF-16 units a part.
 */
const ordinaryText = (maxParts: number) =>
  fc
    .array(
      fc.oneof(
        fc.constantFrom(
          "a",
          "Z",
          "7",
          " ",
          "é",
          "ß",
          "Жук",
          "中文",
          "日本語",
          "한국어",
          "مرحبا",
          "שלום",
          "हिन्दी",
          "🚀",
          "👍🏽",
          "👨‍👩‍👧",
          "🇺🇸",
          "$",
          "%",
          ".",
          "'",
          '"',
          "<b>",
        ),
        // Anything else outside the refused classes and the surrogate range.
        fc
          .integer({ min: 0x20, max: 0x10ffff })
          .filter((cp) => !REFUSED.includes(cp) && (cp < 0xd800 || cp > 0xdfff))
          .map((cp) => String.fromCodePoint(cp)),
      ),
      { minLength: 1, maxLength: maxParts },
    )
    .map((parts) => `n${parts.join("")}`);
/** Fits a note (200) with a character inserted. */
const noteText = ordinaryText(20);
/** Fits a display name (100) with a character inserted. */
const nameText = ordinaryText(10);

function expectRefusedCharacter(res: Answer, path: string, cp: number, position?: number) {
  expect(res.status, res.text).toBe(400);
  expect(res.body.error.code).toBe("validation_failed");
  const issue = res.body.error.details.issues.find((i: { path: string }) => i.path === path);
  expect(issue, res.text).toBeDefined();
  expect(issue.message).toContain(`contains ${hex(cp)}`);
  expect(res.body.error.message).toContain(`${path}: contains ${hex(cp)}`);
  if (position !== undefined) expect(issue.message).toContain(`at position ${position}`);
}

async function storedNote(): Promise<string | null> {
  return (await db.query("select note from alerts where id = $1", [alertId])).rows[0].note;
}

async function storedDisplayName(platformUserId: string): Promise<string | null | undefined> {
  const { rows } = await db.query(
    "select display_name from platform_identities where platform = 'telegram' and platform_user_id = $1",
    [platformUserId],
  );
  return rows[0]?.display_name;
}

describe("identifiers from the platforms", () => {
  it("refuses a NUL in origin.chatId with a 400 naming the field", async () => {
    const res = await h.api("POST", "/v1/alerts", {
      as: USER,
      body: priceAlert({ origin: { platform: "telegram", chatId: "chat\u0000-1" } }),
    });
    expectRefusedCharacter(res, "origin.chatId", 0, 5);
    expect(res.body.error.message).toContain("U+0000 (NULL)");
  });

  it.each([
    ["a bidi override", "12\u202e34", 0x202e],
    ["a line separator", "12\u202834", 0x2028],
    ["a C1 control", "12\u009b34", 0x9b],
  ])("refuses %s in origin.chatId", async (_name, chatId, cp) => {
    const res = await h.api("POST", "/v1/alerts", {
      as: USER,
      body: priceAlert({ origin: { platform: "telegram", chatId } }),
    });
    expectRefusedCharacter(res, "origin.chatId", cp, 3);
  });

  it.each([
    ["platformUserId", "/v1/users/resolve", { platformUserId: "a\u0000b" }, "platformUserId"],
    ["a link code", "/v1/link-codes/redeem", { code: "ABCD\u0000EFG" }, "code"],
    ["a symbol", "/v1/watchlist", { symbols: ["AA\u0000PL"] }, "symbols.0"],
    ["a triggerId", "/v1/deliveries/undeliverable/ack", { triggerIds: ["\u0000"] }, "triggerIds.0"],
  ])("refuses a NUL in %s with a 400, never a 500", async (_name, path, body, field) => {
    const res = await h.api("POST", path, { as: USER, body });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
    expect(res.body.error.details.issues.map((i: { path: string }) => i.path)).toContain(field);
  });
});

describe("notes (what the user types)", () => {
  it.each([
    ["a NUL", "buy\u0000 now", 0x0000, "NULL", 4],
    ["a right-to-left override", "sell\u202eyub", 0x202e, "RIGHT-TO-LEFT OVERRIDE", 5],
    ["a line separator", "one\u2028two", 0x2028, "LINE SEPARATOR", 4],
    ["a first-strong isolate", "🚀\u2068x", 0x2068, "FIRST STRONG ISOLATE", 2],
    ["a trailing line feed", "note\n", 0x0a, "LINE FEED", 5],
  ])("create refuses %s, naming the character and where it is", async (_name, note, cp, name, position) => {
    const res = await h.api("POST", "/v1/alerts", { as: USER, body: priceAlert({ note }) });
    expectRefusedCharacter(res, "note", cp, position);
    expect(res.body.error.message).toContain(
      `note: contains ${hex(cp)} (${name}) at position ${position}; control and bidi characters are not allowed`,
    );
  });

  it.each([
    ["a NUL", "buy\u0000 now", 0x0000, 4],
    ["a right-to-left override", "sell\u202eyub", 0x202e, 5],
    ["a line separator", "one\u2028two", 0x2028, 4],
  ])("PATCH refuses %s and leaves the note as it was", async (_name, note, cp, position) => {
    const res = await h.api("PATCH", `/v1/alerts/${alertId}`, { as: USER, body: { note } });
    expectRefusedCharacter(res, "note", cp, position);
    expect(await storedNote()).toBe("original");
  });

  it("refuses every refused code point anywhere in otherwise valid text, on create and on PATCH", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...REFUSED),
        noteText,
        fc.nat(),
        fc.boolean(),
        async (cp, text, at, patch) => {
          const points = [...text];
          const index = at % (points.length + 1);
          const note = [...points.slice(0, index), String.fromCodePoint(cp), ...points.slice(index)].join("");
          const res = patch
            ? await h.api("PATCH", `/v1/alerts/${alertId}`, { as: USER, body: { note } })
            : await h.api("POST", "/v1/alerts", { as: USER, body: priceAlert({ note }) });
          expectRefusedCharacter(res, "note", cp, index + 1);
        },
      ),
      // Every code point at least once, then random ones.
      {
        numRuns: REFUSED.length + 150,
        examples: REFUSED.map(
          (cp, i) => [cp, "note text", i, i % 2 === 0] as [number, string, number, boolean],
        ),
      },
    );
    expect(await storedNote()).toBe("original");
  });

  it("accepts ordinary text (emoji, non-Latin scripts) unchanged", async () => {
    await fc.assert(
      fc.asyncProperty(noteText, async (text) => {
        const note = text.trim();
        const res = await h.api("PATCH", `/v1/alerts/${alertId}`, { as: USER, body: { note } });
        expect(res.status, res.text).toBe(200);
        expect(res.body.note).toBe(note);
        expect(await storedNote()).toBe(note);
      }),
      { numRuns: 100 },
    );
  });
});

describe("display names (the platform's text)", () => {
  let next = 0;
  const someone = () => `dn-${next++}`;

  it("stores a display name with a NUL and a bidi override cleaned, and answers as usual", async () => {
    const id = someone();
    const res = await h.api("POST", "/v1/users/resolve", {
      body: { platformUserId: id, displayName: "An\u0000n \u202eSmith\u202c" },
    });
    expect(res.status, res.text).toBe(201);
    expect(await storedDisplayName(id)).toBe("Ann Smith");
    const again = await h.api("POST", "/v1/users/resolve", {
      body: { platformUserId: id, displayName: "Ann\u2028Smith\u0000" },
    });
    expect(again.status, again.text).toBe(200);
    expect(await storedDisplayName(id)).toBe("Ann Smith");
  });

  it("stores a lone surrogate's name without it", async () => {
    const id = someone();
    const res = await h.api("POST", "/v1/users/resolve", {
      body: { platformUserId: id, displayName: "Bo\ud800b" },
    });
    expect(res.status, res.text).toBe(201);
    expect(await storedDisplayName(id)).toBe("Bob");
  });

  it("stores no name when nothing is left once cleaned", async () => {
    const id = someone();
    const first = await h.api("POST", "/v1/users/resolve", {
      body: { platformUserId: id, displayName: "Cy" },
    });
    expect(first.status, first.text).toBe(201);
    const res = await h.api("POST", "/v1/users/resolve", {
      body: { platformUserId: id, displayName: "\u0000\u202e\u2066 \n" },
    });
    expect(res.status, res.text).toBe(200);
    expect(await storedDisplayName(id)).toBeNull();
  });

  it("cleans every refused code point anywhere in a name, and keeps ordinary names unchanged", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.option(fc.constantFrom(...REFUSED), { nil: undefined }),
        nameText,
        fc.nat(),
        async (cp, text, at) => {
          const points = [...text];
          const index = at % (points.length + 1);
          const inserted = cp === undefined ? "" : String.fromCodePoint(cp);
          const displayName = [...points.slice(0, index), inserted, ...points.slice(index)].join("");
          const replacement = cp !== undefined && SPACE_LIKE.has(cp) ? " " : "";
          const expected =
            [...points.slice(0, index), replacement, ...points.slice(index)].join("").trim() || null;
          const id = someone();
          const res = await h.api("POST", "/v1/users/resolve", { body: { platformUserId: id, displayName } });
          expect(res.status, res.text).toBe(201);
          expect(await storedDisplayName(id)).toBe(expected);
        },
      ),
      {
        numRuns: REFUSED.length + 150,
        examples: REFUSED.map((cp, i) => [cp, "Dee Name", i] as [number, string, number]),
      },
    );
  });
});
