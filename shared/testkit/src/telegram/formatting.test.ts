import { describe, expect, it } from "vitest";
import { BotApiError } from "./api-error.ts";
import { formatText } from "./formatting.ts";

function refusal(raw: string, parseMode: string): string {
  try {
    formatText(raw, parseMode, undefined);
  } catch (error) {
    if (error instanceof BotApiError) return error.description;
    throw error;
  }
  throw new Error(`Expected ${JSON.stringify(raw)} to be refused in ${parseMode}`);
}

describe("formatText with parse_mode HTML", () => {
  it("strips tags into entities and decodes the supported HTML entities", () => {
    expect(
      formatText(
        '<b>Up <i>5%</i></b> &amp; <a href="https://x.test/a">chart</a> &#36;1 &#x41;',
        "HTML",
        undefined,
      ),
    ).toEqual({
      text: "Up 5% & chart $1 A",
      entities: [
        { type: "bold", offset: 0, length: 5 },
        { type: "italic", offset: 3, length: 2 },
        { type: "text_link", offset: 8, length: 5, url: "https://x.test/a" },
      ],
    });
  });

  it("folds <pre><code class=language-x> into one pre entity with a language", () => {
    expect(formatText('<pre><code class="language-ts">let x</code></pre>', "HTML", undefined)).toEqual({
      text: "let x",
      entities: [{ type: "pre", offset: 0, length: 5, language: "ts" }],
    });
  });

  it("counts entity offsets in UTF-16 code units and error offsets in UTF-8 bytes", () => {
    expect(formatText("📈 <b>NVDA</b>", "HTML", undefined).entities).toEqual([
      { type: "bold", offset: 3, length: 4 },
    ]);
    expect(refusal("é <x>", "HTML")).toBe(
      'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 3',
    );
  });

  it("refuses unclosed, mismatched and stray end tags and a span without the spoiler class", () => {
    expect(refusal("<b>bold", "HTML")).toBe(
      "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\"",
    );
    expect(refusal("<b><i>x</b></i>", "HTML")).toBe(
      'Bad Request: can\'t parse entities: Unmatched end tag at byte offset 7, expected "</i>", found "</b>"',
    );
    expect(refusal("x</b>", "HTML")).toBe(
      "Bad Request: can't parse entities: Unexpected end tag at byte offset 1",
    );
    expect(refusal("price < 5", "HTML")).toMatch(/^Bad Request: can't parse entities: /);
    expect(refusal("<span>x</span>", "HTML")).toMatch(/Tag "span" must have class "tg-spoiler"/);
  });

  it("leaves a lone ampersand as text", () => {
    expect(formatText("AT&T", "HTML", undefined).text).toBe("AT&T");
  });
});

describe("formatText with parse_mode MarkdownV2", () => {
  it("parses bold, italic, underline, strikethrough, spoiler, code and links", () => {
    expect(
      formatText("*b* _i_ __u__ ~s~ ||p|| `c` [l](https://x.test/\\))", "MarkdownV2", undefined),
    ).toEqual({
      text: "b i u s p c l",
      entities: [
        { type: "bold", offset: 0, length: 1 },
        { type: "italic", offset: 2, length: 1 },
        { type: "underline", offset: 4, length: 1 },
        { type: "strikethrough", offset: 6, length: 1 },
        { type: "spoiler", offset: 8, length: 1 },
        { type: "code", offset: 10, length: 1 },
        { type: "text_link", offset: 12, length: 1, url: "https://x.test/)" },
      ],
    });
  });

  it("takes code literally, including characters reserved elsewhere", () => {
    expect(formatText("`a.b-c`", "MarkdownV2", undefined).text).toBe("a.b-c");
    expect(formatText("```ts\nlet x = 1;\n```", "MarkdownV2", undefined).entities).toEqual([
      { type: "pre", offset: 0, length: 11, language: "ts" },
    ]);
  });

  it("refuses unescaped reserved characters and unclosed entities", () => {
    expect(refusal("AAPL +5%", "MarkdownV2")).toBe(
      "Bad Request: can't parse entities: Character '+' is reserved and must be escaped with the preceding '\\'",
    );
    expect(refusal("*bold", "MarkdownV2")).toBe(
      "Bad Request: can't parse entities: Can't find end of Bold entity at byte offset 0",
    );
    expect(formatText("AAPL \\+5%\\!", "MarkdownV2", undefined).text).toBe("AAPL +5%!");
  });
});

describe("formatText with legacy Markdown and without parse_mode", () => {
  it("parses legacy Markdown and refuses an unclosed entity", () => {
    expect(formatText("*AAPL* up [chart](https://x.test)", "Markdown", undefined)).toEqual({
      text: "AAPL up chart",
      entities: [
        { type: "bold", offset: 0, length: 4 },
        { type: "text_link", offset: 8, length: 5, url: "https://x.test" },
      ],
    });
    expect(refusal("snake_case", "Markdown")).toBe(
      "Bad Request: can't parse entities: Can't find end of the entity starting at byte offset 5",
    );
  });

  it("keeps plain text as is, with the entities the bot passed", () => {
    const entities = [{ type: "bold", offset: 0, length: 4 }];
    expect(formatText("<b>AAPL", undefined, entities)).toEqual({ text: "<b>AAPL", entities });
  });

  it("refuses an unknown parse_mode", () => {
    expect(refusal("x", "BBCode")).toBe("Bad Request: unsupported parse_mode");
  });
});
