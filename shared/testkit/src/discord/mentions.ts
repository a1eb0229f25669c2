import { type FieldProblem, invalidFormBody, type Json } from "./errors.ts";

/** Who a message actually notified: what tests assert ("exactly this role, never @everyone"). */
export interface MessagePings {
  /** @everyone or @here notified the channel. */
  everyone: boolean;
  roles: string[];
  users: string[];
}

/** The `allowed_mentions` of a message body, checked as Discord checks it (50035 when malformed). */
export interface AllowedMentions {
  parse: Set<string>;
  roles: string[];
  users: string[];
}

const PARSE_TYPES = ["roles", "users", "everyone"];
const MAX_LISTED = 100;

export function parseAllowedMentions(raw: unknown): AllowedMentions | undefined {
  if (raw === undefined || raw === null) return undefined;
  const problems: FieldProblem[] = [];
  const json = typeof raw === "object" && !Array.isArray(raw) ? (raw as Json) : undefined;
  if (!json) {
    throw invalidFormBody([
      {
        path: "allowed_mentions",
        code: "MODEL_TYPE_CONVERT",
        message: "Only dictionaries may be used in a ModelType",
      },
    ]);
  }
  const list = (key: string): string[] => {
    const value = json[key];
    if (value === undefined) return [];
    if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
      problems.push({
        path: `allowed_mentions.${key}`,
        code: "BASE_TYPE_ARRAY",
        message: "Must be an array of strings",
      });
      return [];
    }
    return value as string[];
  };
  const parse = list("parse");
  const roles = list("roles");
  const users = list("users");
  for (const [i, type] of parse.entries()) {
    if (!PARSE_TYPES.includes(type)) {
      problems.push({
        path: `allowed_mentions.parse.${i}`,
        code: "BASE_TYPE_CHOICES",
        message: `Value must be one of ${PARSE_TYPES.map((t) => `'${t}'`).join(", ")}.`,
      });
    }
  }
  for (const [key, ids] of [
    ["roles", roles],
    ["users", users],
  ] as const) {
    if (parse.includes(key) && ids.length > 0) {
      problems.push({
        path: "allowed_mentions",
        code: "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
        message: `parse:["${key}"] and ${key}: [ids...] are mutually exclusive.`,
      });
    }
    if (ids.length > MAX_LISTED) {
      problems.push({
        path: `allowed_mentions.${key}`,
        code: "BASE_TYPE_MAX_LENGTH",
        message: `Must be ${MAX_LISTED} or fewer in length.`,
      });
    }
  }
  if (problems.length > 0) throw invalidFormBody(problems);
  return { parse: new Set(parse), roles, users };
}

/** What the author may notify where the message is posted. */
export interface MentionContext {
  /** The guild's roles that anyone may mention (role.mentionable); empty in a DM. */
  mentionableRoles: ReadonlySet<string>;
  /** Every role of the guild; a mention of anything else is plain text. */
  guildRoles: ReadonlySet<string>;
  /** The author has MENTION_EVERYONE in the channel: @everyone/@here and every role may notify. */
  canMentionEveryone: boolean;
}

/**
 * The mentions in `content` that notify someone: each must be written in the content, allowed by `allowed_mentions`
 * (absent: everything is), and, for roles and @everyone/@here, permitted to the author.
 */
export function computePings(
  content: string,
  allowed: AllowedMentions | undefined,
  context: MentionContext,
): MessagePings {
  const parses = (type: string) => allowed === undefined || allowed.parse.has(type);
  const users = unique([...content.matchAll(/<@!?(\d+)>/g)].map((m) => m[1] ?? "")).filter(
    (id) => parses("users") || (allowed?.users.includes(id) ?? false),
  );
  const roles = unique([...content.matchAll(/<@&(\d+)>/g)].map((m) => m[1] ?? "")).filter(
    (id) =>
      context.guildRoles.has(id) &&
      (parses("roles") || (allowed?.roles.includes(id) ?? false)) &&
      (context.mentionableRoles.has(id) || context.canMentionEveryone),
  );
  const everyone = /@(everyone|here)\b/.test(content) && parses("everyone") && context.canMentionEveryone;
  return { everyone, roles, users };
}

function unique(ids: string[]): string[] {
  return [...new Set(ids)];
}
