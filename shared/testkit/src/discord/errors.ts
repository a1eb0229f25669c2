export type Json = Record<string, unknown>;

/** A response the fake answers with instead of success: Discord's status, JSON error body and any extra headers. */
export class DiscordHttpError extends Error {
  readonly status: number;
  readonly body: Json;
  readonly headers: Record<string, string>;

  constructor(status: number, body: Json, headers: Record<string, string> = {}) {
    super(String(body.message ?? status));
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

/** Discord's JSON error codes used by the fake (the numbers are the public API's). */
export const DiscordErrorCode = {
  General: 0,
  UnknownApplication: 10002,
  UnknownChannel: 10003,
  UnknownGuild: 10004,
  UnknownMember: 10007,
  UnknownMessage: 10008,
  UnknownWebhook: 10015,
  UnknownUser: 10013,
  UnknownInteraction: 10062,
  UnknownApplicationCommand: 10063,
  MissingAccess: 50001,
  CannotSendEmptyMessage: 50006,
  CannotSendMessagesToThisUser: 50007,
  CannotSendMessagesInNonTextChannel: 50008,
  MissingPermissions: 50013,
  InvalidFormBody: 50035,
  InteractionAlreadyAcknowledged: 40060,
  InvalidJson: 50109,
} as const;

export function unauthorized(): DiscordHttpError {
  return new DiscordHttpError(401, { message: "401: Unauthorized", code: DiscordErrorCode.General });
}

/** 403 Missing Access (50001): the bot cannot see the channel, or is not in its guild. */
export function missingAccess(): DiscordHttpError {
  return new DiscordHttpError(403, { message: "Missing Access", code: DiscordErrorCode.MissingAccess });
}

/** 403 Missing Permissions (50013): the bot sees the channel but may not do this there. */
export function missingPermissions(): DiscordHttpError {
  return new DiscordHttpError(403, {
    message: "Missing Permissions",
    code: DiscordErrorCode.MissingPermissions,
  });
}

export function notFound(code: number, message: string): DiscordHttpError {
  return new DiscordHttpError(404, { message, code });
}

/** A field-level validation failure, shaped like Discord's `Invalid Form Body` (50035) answer. */
export interface FieldProblem {
  path: string;
  code: string;
  message: string;
}

export function invalidFormBody(problems: FieldProblem[]): DiscordHttpError {
  const errors: Json = {};
  for (const problem of problems) {
    let node = errors;
    for (const key of problem.path.split(".")) {
      const child = (node[key] as Json | undefined) ?? {};
      node[key] = child;
      node = child;
    }
    const list = (node._errors as Json[] | undefined) ?? [];
    list.push({ code: problem.code, message: problem.message });
    node._errors = list;
  }
  return new DiscordHttpError(400, {
    message: "Invalid Form Body",
    code: DiscordErrorCode.InvalidFormBody,
    errors,
  });
}
