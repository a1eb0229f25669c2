import { badRequest } from "./api-error.ts";
import type { MessageEntity } from "./types.ts";

/** Text as the user sees it: markup removed, formatting carried by entities (offsets in UTF-16 code units). */
export interface FormattedText {
  text: string;
  entities: MessageEntity[];
}

/**
 * Applies `parse_mode` the way the Bot API does, refusing markup the real server would refuse with the same
 * "can't parse entities" errors, so a bot that forgets to escape user input fails here and not in production.
 */
export function formatText(raw: string, parseMode: string | undefined, entities: unknown): FormattedText {
  if (parseMode === undefined || parseMode === "") {
    return { text: raw, entities: Array.isArray(entities) ? (entities as MessageEntity[]) : [] };
  }
  switch (parseMode.toLowerCase()) {
    case "html":
      return parseHtml(raw);
    case "markdownv2":
      return parseMarkdownV2(raw);
    case "markdown":
      return parseLegacyMarkdown(raw);
    default:
      throw badRequest("unsupported parse_mode");
  }
}

function cantParse(detail: string): Error {
  return badRequest(`can't parse entities: ${detail}`);
}

function byteOffset(source: string, index: number): number {
  return Buffer.byteLength(source.slice(0, index), "utf8");
}

const HTML_TAG_ENTITY: Readonly<Record<string, string>> = {
  b: "bold",
  strong: "bold",
  i: "italic",
  em: "italic",
  u: "underline",
  ins: "underline",
  s: "strikethrough",
  strike: "strikethrough",
  del: "strikethrough",
  "tg-spoiler": "spoiler",
  span: "spoiler",
  a: "text_link",
  code: "code",
  pre: "pre",
  blockquote: "blockquote",
  "tg-emoji": "custom_emoji",
};

const NAMED_HTML_ENTITIES: Readonly<Record<string, string>> = { lt: "<", gt: ">", amp: "&", quot: '"' };

interface OpenTag {
  name: string;
  start: number;
  attributes: Map<string, string>;
}

function parseHtml(source: string): FormattedText {
  let text = "";
  const entities: MessageEntity[] = [];
  const open: OpenTag[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (ch === "&") {
      const match = /^&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/i.exec(source.slice(i, i + 12));
      const name = match?.[1];
      if (match && name !== undefined) {
        const decoded = name.startsWith("#x")
          ? String.fromCodePoint(Number.parseInt(name.slice(2), 16))
          : name.startsWith("#")
            ? String.fromCodePoint(Number.parseInt(name.slice(1), 10))
            : NAMED_HTML_ENTITIES[name.toLowerCase()];
        if (decoded !== undefined) {
          text += decoded;
          i += match[0].length;
          continue;
        }
      }
      text += ch;
      i += 1;
      continue;
    }
    if (ch !== "<") {
      text += ch;
      i += 1;
      continue;
    }
    const close = source.indexOf(">", i);
    if (close < 0) throw cantParse(`Unclosed start tag at byte offset ${byteOffset(source, i)}`);
    const tag = source.slice(i + 1, close);
    if (tag.startsWith("/")) {
      const name = tag.slice(1).trim().toLowerCase();
      const top = open.pop();
      if (top === undefined) throw cantParse(`Unexpected end tag at byte offset ${byteOffset(source, i)}`);
      if (top.name !== name) {
        throw cantParse(
          `Unmatched end tag at byte offset ${byteOffset(source, i)}, expected "</${top.name}>", found "</${name}>"`,
        );
      }
      closeHtmlTag(top, text, entities, open);
    } else {
      const nameMatch = /^([a-z-]+)/i.exec(tag);
      const name = (nameMatch?.[1] ?? "").toLowerCase();
      if (HTML_TAG_ENTITY[name] === undefined) {
        throw cantParse(`Unsupported start tag "${name}" at byte offset ${byteOffset(source, i)}`);
      }
      const attributes = new Map<string, string>();
      for (const attr of tag
        .slice(name.length)
        .matchAll(/([a-z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))/gi)) {
        attributes.set(attr[1]!.toLowerCase(), attr[2] ?? attr[3] ?? attr[4] ?? "");
      }
      if (name === "span" && attributes.get("class") !== "tg-spoiler") {
        throw cantParse(`Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(source, i)}`);
      }
      if (name === "a" && !attributes.has("href")) {
        throw cantParse(`Tag "a" must have attribute "href" at byte offset ${byteOffset(source, i)}`);
      }
      open.push({ name, start: text.length, attributes });
    }
    i = close + 1;
  }
  const unclosed = open.pop();
  if (unclosed !== undefined) {
    throw cantParse(`Can't find end tag corresponding to start tag "${unclosed.name}"`);
  }
  return { text, entities: sortEntities(entities) };
}

function closeHtmlTag(tag: OpenTag, text: string, entities: MessageEntity[], stillOpen: OpenTag[]): void {
  const length = text.length - tag.start;
  if (length === 0) return;
  const parent = stillOpen[stillOpen.length - 1];
  if (tag.name === "code" && parent?.name === "pre") {
    // <pre><code class="language-x"> is one pre entity carrying the language.
    const language = /^language-(.+)$/.exec(tag.attributes.get("class") ?? "")?.[1];
    if (language !== undefined) parent.attributes.set("language", language);
    return;
  }
  const entity: MessageEntity = { type: HTML_TAG_ENTITY[tag.name]!, offset: tag.start, length };
  const href = tag.attributes.get("href");
  if (tag.name === "a" && href !== undefined) entity.url = href;
  const language = tag.attributes.get("language");
  if (tag.name === "pre" && language !== undefined) entity.language = language;
  const emojiId = tag.attributes.get("emoji-id");
  if (tag.name === "tg-emoji" && emojiId !== undefined) entity.custom_emoji_id = emojiId;
  entities.push(entity);
}

const MARKDOWN_V2_RESERVED = new Set("_*[]()~`>#+-=|{}.!");

const MARKDOWN_V2_ENTITY: Readonly<Record<string, string>> = {
  "*": "bold",
  _: "italic",
  __: "underline",
  "~": "strikethrough",
  "||": "spoiler",
  "`": "code",
  "```": "pre",
  "[": "text_link",
};

const ENTITY_DISPLAY_NAME: Readonly<Record<string, string>> = {
  bold: "Bold",
  italic: "Italic",
  underline: "Underline",
  strikethrough: "Strikethrough",
  spoiler: "Spoiler",
  code: "Code",
  pre: "Pre",
  text_link: "TextUrl",
};

interface OpenMarker {
  marker: string;
  start: number;
  sourceIndex: number;
}

function parseMarkdownV2(source: string): FormattedText {
  let text = "";
  const entities: MessageEntity[] = [];
  const open: OpenMarker[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (ch === "\\") {
      const next = source[i + 1];
      if (next === undefined || next.charCodeAt(0) > 126) {
        throw cantParse(`Character '\\' is reserved and must be escaped with the preceding '\\'`);
      }
      text += next;
      i += 2;
      continue;
    }
    if (ch === "`") {
      // Code and pre take everything literally up to the closing backticks.
      const fence = source.startsWith("```", i) ? "```" : "`";
      const end = findUnescaped(source, fence, i + fence.length);
      if (end < 0) {
        throw cantParse(
          `Can't find end of ${fence === "`" ? "Code" : "Pre"} entity at byte offset ${byteOffset(source, i)}`,
        );
      }
      let body = source.slice(i + fence.length, end).replace(/\\([`\\])/g, "$1");
      let language: string | undefined;
      if (fence === "```") {
        const newline = body.indexOf("\n");
        if (newline >= 0 && /^\S*$/.test(body.slice(0, newline))) {
          language = body.slice(0, newline) || undefined;
          body = body.slice(newline + 1);
        }
      }
      if (body.length > 0) {
        const entity: MessageEntity = {
          type: fence === "`" ? "code" : "pre",
          offset: text.length,
          length: body.length,
        };
        if (language !== undefined) entity.language = language;
        entities.push(entity);
      }
      text += body;
      i = end + fence.length;
      continue;
    }
    if (ch === "]" && open[open.length - 1]?.marker === "[") {
      const link = /^\]\(((?:[^)\\]|\\.)*)\)/.exec(source.slice(i));
      if (!link) throw cantParse(`Can't find end of a URL at byte offset ${byteOffset(source, i)}`);
      const top = open.pop()!;
      if (text.length > top.start) {
        entities.push({
          type: "text_link",
          offset: top.start,
          length: text.length - top.start,
          url: link[1]!.replace(/\\(.)/g, "$1"),
        });
      }
      i += link[0].length;
      continue;
    }
    if (ch === ">" && (i === 0 || source[i - 1] === "\n")) {
      const lineEnd = source.indexOf("\n", i);
      const inner = parseMarkdownV2(source.slice(i + 1, lineEnd < 0 ? source.length : lineEnd));
      const offset = text.length;
      for (const entity of inner.entities) entities.push({ ...entity, offset: entity.offset + offset });
      if (inner.text.length > 0) entities.push({ type: "blockquote", offset, length: inner.text.length });
      text += inner.text;
      i = lineEnd < 0 ? source.length : lineEnd;
      continue;
    }
    const marker = source.startsWith("__", i) ? "__" : source.startsWith("||", i) ? "||" : ch;
    if (MARKDOWN_V2_ENTITY[marker] !== undefined) {
      const top = open[open.length - 1];
      if (top?.marker === marker && marker !== "[") {
        open.pop();
        if (text.length > top.start) {
          entities.push({
            type: MARKDOWN_V2_ENTITY[marker]!,
            offset: top.start,
            length: text.length - top.start,
          });
        }
      } else {
        open.push({ marker, start: text.length, sourceIndex: i });
      }
      i += marker.length;
      continue;
    }
    if (MARKDOWN_V2_RESERVED.has(ch)) {
      throw cantParse(`Character '${ch}' is reserved and must be escaped with the preceding '\\'`);
    }
    text += ch;
    i += 1;
  }
  const unclosed = open.pop();
  if (unclosed !== undefined) {
    const name = ENTITY_DISPLAY_NAME[MARKDOWN_V2_ENTITY[unclosed.marker]!]!;
    throw cantParse(
      `Can't find end of ${name} entity at byte offset ${byteOffset(source, unclosed.sourceIndex)}`,
    );
  }
  return { text, entities: sortEntities(entities) };
}

function findUnescaped(source: string, needle: string, from: number): number {
  for (let i = from; i < source.length; i++) {
    if (source[i] === "\\") {
      i += 1;
      continue;
    }
    if (source.startsWith(needle, i)) return i;
  }
  return -1;
}

const LEGACY_MARKDOWN_ENTITY: Readonly<Record<string, string>> = { "*": "bold", _: "italic", "`": "code" };

/** Telegram's legacy "Markdown": no nesting, `*bold*`, `_italic_`, `` `code` ``, ```` ```pre``` ````, `[text](url)`. */
function parseLegacyMarkdown(source: string): FormattedText {
  let text = "";
  const entities: MessageEntity[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (ch === "\\" && i + 1 < source.length && "_*`[".includes(source[i + 1]!)) {
      text += source[i + 1];
      i += 2;
      continue;
    }
    const fence = source.startsWith("```", i)
      ? "```"
      : LEGACY_MARKDOWN_ENTITY[ch] !== undefined
        ? ch
        : undefined;
    if (fence !== undefined) {
      const end = source.indexOf(fence, i + fence.length);
      if (end < 0) {
        throw cantParse(`Can't find end of the entity starting at byte offset ${byteOffset(source, i)}`);
      }
      const body = source.slice(i + fence.length, end);
      if (body.length > 0) {
        const type = fence === "```" ? "pre" : LEGACY_MARKDOWN_ENTITY[fence]!;
        entities.push({ type, offset: text.length, length: body.length });
      }
      text += body;
      i = end + fence.length;
      continue;
    }
    if (ch === "[") {
      const link = /^\[([^\]]*)\]\(([^)]*)\)/.exec(source.slice(i));
      if (!link)
        throw cantParse(`Can't find end of the entity starting at byte offset ${byteOffset(source, i)}`);
      if (link[1]!.length > 0) {
        entities.push({ type: "text_link", offset: text.length, length: link[1]!.length, url: link[2]! });
      }
      text += link[1];
      i += link[0].length;
      continue;
    }
    text += ch;
    i += 1;
  }
  return { text, entities: sortEntities(entities) };
}

function sortEntities(entities: MessageEntity[]): MessageEntity[] {
  return entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
}
