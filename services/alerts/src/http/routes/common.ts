import { createRoute, OpenAPIHono, type RouteConfig, z } from "@hono/zod-openapi";
import { CommandIdSchema, ErrorBodySchema, PlatformUserIdSchema } from "@tickerbell/contracts";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../auth.ts";
import { EXAMPLE_PLATFORM_USER } from "../openapi.ts";
import { validationProblem } from "../problems.ts";

/**
 * Every resource router: zod failures become one 400 shape, raised for app.onError to render. `guards` run before
 * each of its routes: who may call (requireBot), and for whom (actAs).
 */
export function resourceRouter(...guards: MiddlewareHandler<AppEnv>[]): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationProblem(result.error, result.target);
    },
  });
  if (guards.length > 0) router.use(...guards);
  return router;
}

export const bearer = [{ bearerAuth: [] }];

/** What createRoute takes: a route whose path is a literal, so its handler's parameters are typed. */
type RouteOf<P extends string> = Omit<RouteConfig, "path"> & { path: P };

/** A route called with a bearer token. */
export function tokenRoute<P extends string, R extends RouteOf<P>>(route: R) {
  return createRoute({ ...route, security: bearer });
}

/** What userRoute makes of a route: its own request parts keep their types beside the headers. */
type WithUserHeaders<R> = R & {
  security: typeof bearer;
  request: (R extends { request: infer Q } ? Q : unknown) & { headers: typeof BotHeadersSchema };
};

/**
 * A route a bot calls for one of its users: its bearer token, and the user it acts for in the headers; with
 * `actingForDestination`, also the header that reaches a community chat's alerts (see ActingHeadersSchema).
 */
export function userRoute<P extends string, R extends RouteOf<P>>(
  route: R,
  options: { actingForDestination?: boolean } = {},
) {
  const headers = options.actingForDestination ? ActingHeadersSchema : BotHeadersSchema;
  const config = { ...route, security: bearer, request: { ...route.request, headers } };
  return createRoute(config as WithUserHeaders<R>);
}

/** Documents the header bot routes act through; the actAsPlatformUser middleware enforces it. */
export const BotHeadersSchema = z.object({
  "x-platform-user-id": PlatformUserIdSchema.describe(
    "The chat user the bot acts for, on the bot token's own platform (in the standalone, the console chat's user is `local`)",
  ).meta({ example: EXAMPLE_PLATFORM_USER }),
  "x-command-id": CommandIdSchema.optional().describe(
    "The chat command this request is part of: requests with the same id count once against the user's command allowance",
  ),
});

/** The bot headers, and the one through which a bot acts on a community chat's alerts for a user it vouches for. */
export const ActingHeadersSchema = BotHeadersSchema.extend({
  "x-acting-for-destination": z
    .string()
    .optional()
    .describe(
      "`<platform>:<chatId>` of a Discord channel or Telegram group the bot has checked the user may manage alerts in (Manage Channels, the server's alert role, a group admin): the call then also reaches the community alerts posted there, whoever created them. DM alerts stay their owner's.",
    )
    .meta({ example: "discord:1098765432109876543" }),
});

const DESCRIPTIONS: Record<number, string> = {
  400: "Invalid request: the details list every problem",
  401: "Missing or unknown bearer token",
  403: "The token is not allowed to use this endpoint",
  404: "Not found (or not yours)",
  409: "Refused in the current state",
  429: "Too many attempts or commands: details.retryAfterSeconds (and Retry-After) say when to try again",
  503: "Not able to answer yet (e.g. still catching up); retry",
};

export function errorResponses(...statuses: (keyof typeof DESCRIPTIONS)[]) {
  const out: Record<
    number,
    { description: string; content: { "application/json": { schema: typeof ErrorBodySchema } } }
  > = {};
  for (const status of [400, 401, 403, ...statuses]) {
    out[status] = {
      description: DESCRIPTIONS[status]!,
      content: { "application/json": { schema: ErrorBodySchema } },
    };
  }
  return out;
}

export function jsonBody<T extends z.ZodType>(
  schema: T,
  description: string,
  examples?: Record<string, { summary: string; value: unknown }>,
) {
  return {
    required: true,
    description,
    content: { "application/json": { schema, ...(examples ? { examples } : {}) } },
  };
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}
