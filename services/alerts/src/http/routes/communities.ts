import { z } from "@hono/zod-openapi";
import { CommunitySettingsSchema, SnowflakeSchema } from "@tickerbell/contracts";
import type { Community, CommunityService } from "../../domain/community-service.ts";
import { botPlatform, type Caller, requireBot } from "../auth.ts";
import { HttpProblem } from "../problems.ts";
import { errorResponses, jsonBody, jsonResponse, resourceRouter, tokenRoute } from "./common.ts";

const CommunityParams = z.object({
  platform: z.enum(["discord", "telegram"]).describe("The community's platform, the bot token's own"),
  communityId: z
    .string()
    .max(64)
    .describe("A Discord server (guild) id, or a Telegram group's chat id (negative)")
    .meta({ example: "1098765432109876543" }),
});

/** The community the path names, on the bot's own platform, with an id of that platform's shape. */
function communityOf(caller: Caller, params: z.infer<typeof CommunityParams>): Community {
  const own = botPlatform(caller);
  if (params.platform !== own)
    throw new HttpProblem(403, "platform_mismatch", `a ${own} bot can only manage ${own} communities`);
  const valid =
    params.platform === "discord"
      ? SnowflakeSchema.safeParse(params.communityId).success
      : /^-[0-9]{1,19}$/.test(params.communityId);
  if (!valid) {
    throw new HttpProblem(
      400,
      "invalid_community",
      params.platform === "discord"
        ? "a Discord server id is a snowflake: 1 to 20 digits"
        : "a Telegram group's chat id is a negative number, like -1001234567890",
    );
  }
  return { platform: params.platform, communityId: params.communityId };
}

/** Settings of a Discord server or Telegram group; the bot has checked the caller may manage it. */
export function communitiesRoutes(communities: CommunityService) {
  const router = resourceRouter(requireBot);
  const settings = jsonResponse(CommunitySettingsSchema, "The community's settings");

  router.openapi(
    tokenRoute({
      method: "get",
      path: "/{platform}/{communityId}/settings",
      operationId: "getCommunitySettings",
      tags: ["communities"],
      summary: "A Discord server's or Telegram group's settings (alertRoleId null when none is set)",
      request: { params: CommunityParams },
      responses: { 200: settings, ...errorResponses() },
    }),
    async (c) => c.json(await communities.settings(communityOf(c.get("caller"), c.req.valid("param"))), 200),
  );

  router.openapi(
    tokenRoute({
      method: "put",
      path: "/{platform}/{communityId}/settings",
      operationId: "putCommunitySettings",
      tags: ["communities"],
      summary:
        "Set a community's settings: `/settings alert-role @Role` (a server manager, checked by the bot)",
      description:
        "`alertRoleId` names the Discord role whose holders may create channel alerts in the server; null clears it. A Telegram group has no roles: a role there is refused with 400 no_roles_on_platform.",
      request: {
        params: CommunityParams,
        body: jsonBody(CommunitySettingsSchema, "The settings, whole"),
      },
      responses: { 200: settings, ...errorResponses() },
    }),
    async (c) => {
      const community = communityOf(c.get("caller"), c.req.valid("param"));
      return c.json(await communities.update(community, c.req.valid("json")), 200);
    },
  );
  return router;
}
