import { z } from "@hono/zod-openapi";
import { AddToWatchlistRequestSchema, SymbolSchema, WatchlistSchema } from "@tickerbell/contracts";
import type { UserService } from "../../domain/user-service.ts";
import { type ActAsPlatformUser, requireBot } from "../auth.ts";
import { EXAMPLES } from "../openapi.ts";
import { errorResponses, jsonBody, jsonResponse, resourceRouter, userRoute } from "./common.ts";

export function watchlistRoutes(users: UserService, actAs: ActAsPlatformUser) {
  const router = resourceRouter(requireBot, actAs);
  const watchlist = jsonResponse(WatchlistSchema, "The whole watchlist, sorted by symbol");

  router.openapi(
    userRoute({
      method: "get",
      path: "/",
      operationId: "getWatchlist",
      tags: ["watchlist"],
      summary: "The user's watchlist",
      responses: { 200: watchlist, ...errorResponses(429) },
    }),
    async (c) => c.json({ items: await users.watchlist(c.get("userId")) }, 200),
  );

  router.openapi(
    userRoute({
      method: "post",
      path: "/",
      operationId: "addToWatchlist",
      tags: ["watchlist"],
      summary: "Add tickers (already present ones are kept as they are)",
      request: {
        body: jsonBody(AddToWatchlistRequestSchema, "Tickers to add", EXAMPLES.addToWatchlist),
      },
      responses: { 200: watchlist, ...errorResponses(409, 429) },
    }),
    async (c) => {
      const { symbols } = c.req.valid("json");
      return c.json({ items: await users.addToWatchlist(c.get("userId"), symbols) }, 200);
    },
  );

  router.openapi(
    userRoute({
      method: "delete",
      path: "/{symbol}",
      operationId: "removeFromWatchlist",
      tags: ["watchlist"],
      summary: "Remove a ticker",
      request: { params: z.object({ symbol: SymbolSchema }) },
      responses: { 200: watchlist, ...errorResponses(404, 429) },
    }),
    async (c) => {
      const { symbol } = c.req.valid("param");
      return c.json({ items: await users.removeFromWatchlist(c.get("userId"), symbol) }, 200);
    },
  );
  return router;
}
