import {
  LinkCodeSchema,
  RedeemLinkCodeRequestSchema,
  RedeemLinkCodeResponseSchema,
} from "@tickerbell/contracts";
import type { UserService } from "../../domain/user-service.ts";
import { type ActAsPlatformUser, botPlatform, requireBot } from "../auth.ts";
import { errorResponses, jsonBody, jsonResponse, resourceRouter, userRoute } from "./common.ts";

export function linkCodesRoutes(users: UserService, actAs: ActAsPlatformUser) {
  const router = resourceRouter(requireBot, actAs);

  router.openapi(
    userRoute({
      method: "post",
      path: "/",
      operationId: "createLinkCode",
      tags: ["link codes"],
      summary: "Create a one-time code (8 characters, valid 10 minutes) to link another platform",
      responses: { 201: jsonResponse(LinkCodeSchema, "Show this code to the user"), ...errorResponses(429) },
    }),
    async (c) => c.json(await users.createLinkCode(c.get("userId")), 201),
  );

  router.openapi(
    userRoute({
      method: "post",
      path: "/redeem",
      operationId: "redeemLinkCode",
      tags: ["link codes"],
      summary: "Join the calling identity to the code owner's user",
      description:
        "The caller's former user (identities, alerts, watchlist) merges into the code owner's. Wrong codes are limited to 5 per identity per 10 minutes (429 after that).",
      request: { body: jsonBody(RedeemLinkCodeRequestSchema, "The code") },
      responses: {
        200: jsonResponse(RedeemLinkCodeResponseSchema, "Linked"),
        ...errorResponses(404, 409, 429),
      },
    }),
    async (c) => {
      const { code } = c.req.valid("json");
      const identity = { platform: botPlatform(c.get("caller")), platformUserId: c.get("platformUserId") };
      return c.json(await users.redeemLinkCode(identity, code), 200);
    },
  );
  return router;
}
