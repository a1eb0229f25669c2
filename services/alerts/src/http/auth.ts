import { createHash, timingSafeEqual } from "node:crypto";
import { CommandIdSchema, type Platform, PlatformUserIdSchema } from "@tickerbell/contracts";
import { createMiddleware } from "hono/factory";
import type { CommandRateLimiter } from "../domain/command-rate-limit.ts";
import { DomainError } from "../domain/errors.ts";
import type { UserService } from "../domain/user-service.ts";
import { HttpProblem, validationProblem } from "./problems.ts";

export type Caller = { kind: "bot"; platform: Platform } | { kind: "internal" };

export interface ApiTokens {
  discord?: string | undefined;
  telegram?: string | undefined;
  console?: string | undefined;
  internal?: string | undefined;
}

export type AppEnv = {
  Variables: {
    caller: Caller;
    /** Bot routes: the user behind `X-Platform-User-Id` on the caller's platform. */
    userId: string;
    platformUserId: string;
  };
};

const digest = (value: string) => createHash("sha256").update(value).digest();

/** Maps a presented bearer token to who is calling. Compares digests in constant time. */
export class TokenDirectory {
  readonly #entries: { digest: Buffer; caller: Caller }[] = [];

  constructor(tokens: ApiTokens) {
    for (const platform of ["discord", "telegram", "console"] as const) {
      const token = tokens[platform];
      if (token) this.#entries.push({ digest: digest(token), caller: { kind: "bot", platform } });
    }
    if (tokens.internal)
      this.#entries.push({ digest: digest(tokens.internal), caller: { kind: "internal" } });
  }

  identify(presented: string): Caller | null {
    const d = digest(presented);
    let found: Caller | null = null;
    for (const entry of this.#entries) if (timingSafeEqual(entry.digest, d)) found = entry.caller;
    return found;
  }
}

export function authenticate(tokens: TokenDirectory) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const caller = match ? tokens.identify(match[1]!) : null;
    if (!caller) {
      c.header("WWW-Authenticate", 'Bearer realm="tickerbell-alerts"');
      throw new HttpProblem(401, "unauthorized", "a valid bearer token is required");
    }
    c.set("caller", caller);
    await next();
  });
}

export const requireInternal = createMiddleware<AppEnv>(async (c, next) => {
  if (c.get("caller").kind !== "internal") {
    throw new HttpProblem(403, "forbidden", "this endpoint is for internal services only");
  }
  await next();
});

export const requireBot = createMiddleware<AppEnv>(async (c, next) => {
  if (c.get("caller").kind !== "bot") {
    throw new HttpProblem(403, "forbidden", "this endpoint is for chat bots, acting for one of their users");
  }
  await next();
});

export function botPlatform(caller: Caller): Platform {
  if (caller.kind !== "bot") throw new HttpProblem(403, "forbidden", "this endpoint is for chat bots");
  return caller.platform;
}

/**
 * Bot routes act for the identity in `X-Platform-User-Id` on the token's own platform only, so a bot can
 * never reach a user through another platform's identity. First contact registers the user. Every command
 * spends one of that user's commands (linked identities share one allowance): the requests that carry the same
 * `X-Command-Id` are one command; a request without one is a command of its own.
 */
export function actAsPlatformUser(users: UserService, commands: CommandRateLimiter) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const platform = botPlatform(c.get("caller"));
    const parsed = PlatformUserIdSchema.safeParse(c.req.header("x-platform-user-id") ?? "");
    if (!parsed.success) {
      const problem = validationProblem(parsed.error, "header");
      throw new HttpProblem(
        400,
        "invalid_platform_user",
        `the X-Platform-User-Id header must name the chat user: ${parsed.error.issues[0]?.message}`,
        problem.details,
      );
    }
    const commandId = c.req.header("x-command-id");
    const command = commandId === undefined ? undefined : CommandIdSchema.safeParse(commandId);
    if (command !== undefined && !command.success) {
      throw new HttpProblem(
        400,
        "invalid_command_id",
        `the X-Command-Id header must name one command: ${command.error.issues[0]?.message}`,
      );
    }
    const userId = await users.resolveId({ platform, platformUserId: parsed.data });
    const allowance = commands.take(userId, command?.data);
    if (!allowance.allowed) {
      const retryAfterSeconds = Math.max(1, Math.ceil(allowance.retryAfterMs / 1000));
      throw new DomainError(
        "rate_limited",
        "rate_limited",
        `Too many commands; try again in ${retryAfterSeconds} seconds`,
        { retryAfterSeconds },
      );
    }
    c.set("userId", userId);
    c.set("platformUserId", parsed.data);
    await next();
  });
}

/** The middleware bot routes that act for a user run; built once per app so every router shares one limiter. */
export type ActAsPlatformUser = ReturnType<typeof actAsPlatformUser>;
