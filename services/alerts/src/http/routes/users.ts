import { ResolveUserRequestSchema, ResolveUserResponseSchema } from "@tickerbell/contracts";
import type { UserService } from "../../domain/user-service.ts";
import { botPlatform, requireBot } from "../auth.ts";
import { errorResponses, jsonBody, jsonResponse, resourceRouter, tokenRoute } from "./common.ts";

export function usersRoutes(users: UserService) {
  const router = resourceRouter(requireBot);

  router.openapi(
    tokenRoute({
      method: "post",
      path: "/resolve",
      operationId: "resolveUser",
      tags: ["users"],
      summary: "Resolve or register the user behind a chat identity (idempotent)",
      request: { body: jsonBody(ResolveUserRequestSchema, "The chat user, on the bot token's platform") },
      responses: {
        200: jsonResponse(ResolveUserResponseSchema, "The existing user"),
        201: jsonResponse(ResolveUserResponseSchema, "A user registered just now"),
        ...errorResponses(),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const platform = botPlatform(c.get("caller"));
      const result = await users.resolve({ platform, platformUserId: body.platformUserId }, body.displayName);
      return result.created ? c.json(result, 201) : c.json(result, 200);
    },
  );
  return router;
}
