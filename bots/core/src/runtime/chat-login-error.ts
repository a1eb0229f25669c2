import { ActionableError } from "@tickerbell/config";

/** Why a chat platform did not let the bot in at start. */
export type ChatLoginFailure = "token-refused" | "unreachable";

/**
 * A bot could not start on its platform: the platform refused the token (it answered 401), or it could not be
 * reached at all. The message is one sentence a person can act on, naming the variable to fix; it never quotes
 * the token (the platform clients' own errors can carry it in the request URL).
 */
export class ChatLoginError extends ActionableError {
  readonly platform: "telegram" | "discord";
  readonly failure: ChatLoginFailure;

  constructor(
    platform: "telegram" | "discord",
    failure: ChatLoginFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ChatLoginError";
    this.platform = platform;
    this.failure = failure;
  }
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** The system error code of a failed connection (ECONNREFUSED, ENOTFOUND…), looking through `cause`s. */
export function networkErrorCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && typeof e === "object" && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && NETWORK_CODES.has(code)) return code;
    // undici's fetch fails with a TypeError whose cause (sometimes an AggregateError) holds the system error.
    const inner = (e as { errors?: unknown[] }).errors?.[0];
    e = (e as { cause?: unknown }).cause ?? inner;
  }
  return undefined;
}

/**
 * What a failed start becomes: a ChatLoginError when the platform refused the token (`refused`: the platform
 * client's own reading of its 401) or could not be reached (a network error code); anything else as it was.
 */
export function chatLoginErrorOf(
  error: unknown,
  platform: "telegram" | "discord",
  sentences: { refused: boolean; refusedMessage: string; unreachableMessage: (code: string) => string },
): unknown {
  if (sentences.refused) {
    return new ChatLoginError(platform, "token-refused", sentences.refusedMessage, { cause: error });
  }
  const code = networkErrorCode(error);
  if (code)
    return new ChatLoginError(platform, "unreachable", sentences.unreachableMessage(code), { cause: error });
  return error;
}
