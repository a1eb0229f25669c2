import {
  ClaimHeldRequestSchema,
  ClaimHeldResponseSchema,
  HeldUserListSchema,
  HoldNotificationsRequestSchema,
  HoldNotificationsResponseSchema,
  LookupSettingsRequestSchema,
  LookupSettingsResponseSchema,
  MAX_HELD_BATCH,
  MAX_SETTINGS_CHANGES_PAGE,
  SettingsChangesQuerySchema,
  SettingsChangesResponseSchema,
  UpdateSettingsRequestSchema,
  UserSettingsSchema,
} from "@tickerbell/contracts";
import type { SettingsService } from "../../domain/settings-service.ts";
import { type ActAsPlatformUser, botPlatform, requireBot } from "../auth.ts";
import { errorResponses, jsonBody, jsonResponse, resourceRouter, tokenRoute, userRoute } from "./common.ts";

/** `/v1/settings`: the user's own settings (acting for a user), and the delivery side's lookup (the bot's own). */
export function settingsRoutes(settings: SettingsService, actAs: ActAsPlatformUser) {
  const router = resourceRouter(requireBot);

  router.openapi(
    userRoute({
      method: "get",
      path: "/",
      operationId: "getSettings",
      middleware: [actAs] as const,
      tags: ["settings"],
      summary: "The user's settings: time zone (null: UTC), quiet hours (null: off) and charts (true: on)",
      responses: { 200: jsonResponse(UserSettingsSchema, "The settings"), ...errorResponses(429) },
    }),
    async (c) => c.json(await settings.get(c.get("userId")), 200),
  );

  router.openapi(
    userRoute({
      method: "patch",
      path: "/",
      operationId: "updateSettings",
      middleware: [actAs] as const,
      tags: ["settings"],
      summary: "Change the user's settings",
      description:
        "timeZone is an IANA name (answered in its canonical spelling); quietHours {start, end} are HH:MM in that zone and may wrap midnight. Null resets a setting (UTC, no quiet hours). charts: false sends triggered alerts' DMs without a chart even when the operator has charts on.",
      request: { body: jsonBody(UpdateSettingsRequestSchema, "What to change") },
      responses: { 200: jsonResponse(UserSettingsSchema, "The settings now"), ...errorResponses(429) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      return c.json(await settings.update(c.get("userId"), body), 200);
    },
  );

  router.openapi(
    tokenRoute({
      method: "post",
      path: "/lookup",
      operationId: "lookUpSettings",
      tags: ["settings"],
      summary: "The settings of many users the bot is notifying",
      description:
        "Every userId is answered; a user without an identity on the token's platform reads as the defaults.",
      request: { body: jsonBody(LookupSettingsRequestSchema, "The users") },
      responses: {
        200: jsonResponse(LookupSettingsResponseSchema, "Each one's settings"),
        ...errorResponses(),
      },
    }),
    async (c) => {
      const { userIds } = c.req.valid("json");
      return c.json({ settings: await settings.lookup(botPlatform(c.get("caller")), userIds) }, 200);
    },
  );

  router.openapi(
    tokenRoute({
      method: "get",
      path: "/changes",
      operationId: "listSettingsChanges",
      tags: ["settings"],
      summary: "The settings of the token's platform's users, in the order they last changed",
      description: `After a position (\`since\`, and \`afterUserId\` for ties), up to ${MAX_SETTINGS_CHANGES_PAGE} at a time. A bot keeps a copy of them all this way, so it asks nothing per notification; a user absent from it has the defaults.`,
      request: { query: SettingsChangesQuerySchema },
      responses: {
        200: jsonResponse(SettingsChangesResponseSchema, "The changes, oldest first"),
        ...errorResponses(),
      },
    }),
    async (c) => {
      const { since, afterUserId } = c.req.valid("query");
      return c.json(await settings.changes(botPlatform(c.get("caller")), since, afterUserId), 200);
    },
  );
  return router;
}

/**
 * `/v1/held`: notifications a bot holds during its users' quiet hours. The bot's own business (its platform
 * comes from its token): it holds, lists who has held ones, and claims a user's for the digest; recording them
 * in the delivery log releases them.
 */
export function heldRoutes(settings: SettingsService) {
  const router = resourceRouter(requireBot);

  router.openapi(
    tokenRoute({
      method: "put",
      path: "/",
      operationId: "holdNotifications",
      tags: ["held"],
      summary: "Hold notifications until the user's quiet hours end (idempotent per triggerId)",
      description: `Up to ${MAX_HELD_BATCH}, each taken or refused on its own and answered in order: held, already_held, already_delivered (the delivery log has it), or refused (no such alert notifying on the token's platform).`,
      request: { body: jsonBody(HoldNotificationsRequestSchema, "The notifications") },
      responses: {
        200: jsonResponse(HoldNotificationsResponseSchema, "One result per notification, in order"),
        ...errorResponses(),
      },
    }),
    async (c) => {
      const { notifications } = c.req.valid("json");
      const results = await settings.hold(botPlatform(c.get("caller")), notifications);
      return c.json({ results }, 200);
    },
  );

  router.openapi(
    tokenRoute({
      method: "get",
      path: "/",
      operationId: "listHeld",
      tags: ["held"],
      summary:
        "Users of the token's platform with held notifications, longest waiting first, with their settings",
      responses: { 200: jsonResponse(HeldUserListSchema, "The users"), ...errorResponses() },
    }),
    async (c) => c.json({ users: await settings.heldUsers(botPlatform(c.get("caller"))) }, 200),
  );

  router.openapi(
    tokenRoute({
      method: "post",
      path: "/claim",
      operationId: "claimHeld",
      tags: ["held"],
      summary: "Claim one user's held notifications for the digest",
      description: `Oldest first, at most ${MAX_HELD_BATCH}; none already claimed by a lease that is still running. Record them in the delivery log once the digest is sent.`,
      request: { body: jsonBody(ClaimHeldRequestSchema, "Whose, and for how long") },
      responses: {
        200: jsonResponse(ClaimHeldResponseSchema, "The claimed notifications"),
        ...errorResponses(),
      },
    }),
    async (c) => {
      const { userId, leaseSeconds } = c.req.valid("json");
      const notifications = await settings.claim(
        botPlatform(c.get("caller")),
        userId,
        leaseSeconds,
        MAX_HELD_BATCH,
      );
      return c.json({ notifications }, 200);
    },
  );
  return router;
}
