import {
  MoveDestinationRequestSchema,
  MoveDestinationResponseSchema,
  PauseDestinationRequestSchema,
  PauseDestinationResponseSchema,
} from "@tickerbell/contracts";
import type { AlertService } from "../../domain/alert-service.ts";
import { botPlatform, requireBot } from "../auth.ts";
import { HttpProblem } from "../problems.ts";
import { errorResponses, jsonBody, jsonResponse, resourceRouter, tokenRoute } from "./common.ts";

/** What a bot reports about a Discord channel or Telegram group as a whole, for every alert posted there. */
export function destinationsRoutes(alerts: AlertService) {
  const router = resourceRouter(requireBot);

  const onOwnPlatform = (caller: Parameters<typeof botPlatform>[0], platform: string) => {
    const own = botPlatform(caller);
    if (platform !== own)
      throw new HttpProblem(403, "platform_mismatch", `a ${own} bot can only report on ${own} chats`);
  };

  router.openapi(
    tokenRoute({
      method: "post",
      path: "/pause",
      operationId: "pauseDestination",
      tags: ["destinations"],
      summary: "Pause every active alert posted in a Discord channel or Telegram group",
      description:
        "For when the channel is gone, the bot lost access to it, or the bot was removed from the group. Each alert paused gets its alerts.changes event. Idempotent: a repeat pauses nothing more and answers an empty list. Answers each alert paused just now with its creator's user id on the platform, so the bot can tell them. DM alerts are never touched.",
      request: {
        body: jsonBody(PauseDestinationRequestSchema, "The chat, on the bot token's platform, and why"),
      },
      responses: {
        200: jsonResponse(PauseDestinationResponseSchema, "The alerts paused just now"),
        ...errorResponses(),
      },
    }),
    async (c) => {
      const { platform, chatId, reason } = c.req.valid("json");
      onOwnPlatform(c.get("caller"), platform);
      const paused = await alerts.pauseDestination({ platform, chatId });
      return c.json({ reason, paused }, 200);
    },
  );

  router.openapi(
    tokenRoute({
      method: "post",
      path: "/move",
      operationId: "moveDestination",
      tags: ["destinations"],
      summary: "Move a Telegram group's alerts to its new chat id (migrated to a supergroup)",
      description:
        "Every alert posted in `from` is posted in `to` from now on; each open one gets an alerts.changes event, as an edit does. Idempotent: a repeat finds nothing left in `from` and answers an empty list.",
      request: { body: jsonBody(MoveDestinationRequestSchema, "The group's old and new chat ids") },
      responses: {
        200: jsonResponse(MoveDestinationResponseSchema, "The open alerts moved just now"),
        ...errorResponses(),
      },
    }),
    async (c) => {
      const { platform, from, to } = c.req.valid("json");
      onOwnPlatform(c.get("caller"), platform);
      const moved = await alerts.moveDestination({ platform, chatId: from }, to);
      return c.json({ moved }, 200);
    },
  );
  return router;
}
