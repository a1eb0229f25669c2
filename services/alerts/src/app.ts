import { OpenAPIHono } from "@hono/zod-openapi";
import { Counter, Histogram, type Logger, type Registry, scrubSecrets } from "@tickerbell/config";
import { type ErrorBody, WebhookPayloadSchema } from "@tickerbell/contracts";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import type { AlertService } from "./domain/alert-service.ts";
import type { CommandRateLimiter } from "./domain/command-rate-limit.ts";
import type { CommunityService } from "./domain/community-service.ts";
import type { DeliveryService } from "./domain/delivery-service.ts";
import { DomainError, type DomainErrorKind } from "./domain/errors.ts";
import type { RuntimeService } from "./domain/runtime-service.ts";
import type { SettingsService } from "./domain/settings-service.ts";
import type { UserService } from "./domain/user-service.ts";
import { type AppEnv, actAsPlatformUser, authenticate, type TokenDirectory } from "./http/auth.ts";
import { apiReferenceRoutes, nameComponents, serversFor } from "./http/openapi.ts";
import { HttpProblem } from "./http/problems.ts";
import { alertsRoutes } from "./http/routes/alerts.ts";
import { communitiesRoutes } from "./http/routes/communities.ts";
import { deliveriesRoutes } from "./http/routes/deliveries.ts";
import { destinationsRoutes } from "./http/routes/destinations.ts";
import { firingsRoutes } from "./http/routes/firings.ts";
import { internalRoutes } from "./http/routes/internal.ts";
import { linkCodesRoutes } from "./http/routes/link-codes.ts";
import { heldRoutes, settingsRoutes } from "./http/routes/settings.ts";
import { usersRoutes } from "./http/routes/users.ts";
import { watchlistRoutes } from "./http/routes/watchlist.ts";
import { webhooksRoutes } from "./http/routes/webhooks.ts";
import type { WebhookService } from "./webhooks/webhook-service.ts";

export interface AppDependencies {
  alerts: AlertService;
  /** The matcher's runtime state (the snapshot barrier of GET /v1/internal/alerts). */
  runtime: RuntimeService;
  users: UserService;
  deliveries: DeliveryService;
  /** Per-user settings and the notifications held during quiet hours. */
  settings: SettingsService;
  /** Each user's outbound webhooks. */
  webhooks: WebhookService;
  /** Settings of Discord servers and Telegram groups (the alert role). */
  communities: CommunityService;
  /** Per-user allowance of commands (bot requests that act for a user). */
  commands: CommandRateLimiter;
  tokens: TokenDirectory;
  /** True when the database answers. */
  databaseReachable(): Promise<boolean>;
  metrics: Registry;
  logger: Logger;
}

const STATUS_OF: Record<DomainErrorKind, ContentfulStatusCode> = {
  invalid: 400,
  not_found: 404,
  conflict: 409,
  forbidden: 403,
  rate_limited: 429,
  unavailable: 503,
};

const OPENAPI_INFO = {
  openapi: "3.0.3",
  info: {
    title: "Tickerbell alert service",
    version: "1",
    description:
      "Users, watchlists, price alerts and the bots' delivery log. Bot endpoints take the bot's bearer token and act for the chat user named in X-Platform-User-Id on that bot's platform; /v1/internal takes the internal token. Errors are always {error: {code, message, details}}.",
  },
};

// Before any route is declared: routes that use a named schema refer to its component.
nameComponents();

/** The largest request body accepted (1 MiB). */
export const MAX_BODY_BYTES = 1024 * 1024;

function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  // Refusals may quote the request (an unknown route's path, an unknown field's name): a secret sent there
  // is not sent back.
  return {
    error: {
      code,
      message: scrubSecrets(message),
      ...(details === undefined ? {} : { details: scrubbed(details) }),
    },
  };
}

function scrubbed(value: unknown): unknown {
  if (typeof value === "string") return scrubSecrets(value);
  if (Array.isArray(value)) return value.map(scrubbed);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [scrubSecrets(k), scrubbed(v)]));
  }
  return value;
}

export function createApp(deps: AppDependencies): OpenAPIHono<AppEnv> {
  const { logger } = deps;
  const app = new OpenAPIHono<AppEnv>();
  const requests = new Counter({
    name: "alerts_http_requests_total",
    help: "HTTP requests by route and status",
    labelNames: ["method", "route", "status"],
    registers: [deps.metrics],
  });
  const duration = new Histogram({
    name: "alerts_http_request_duration_seconds",
    help: "HTTP request duration by route",
    labelNames: ["method", "route"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [deps.metrics],
  });

  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    const route = c.req.routePath;
    requests.inc({ method: c.req.method, route, status: String(c.res.status) });
    duration.observe({ method: c.req.method, route }, (performance.now() - started) / 1000);
    logger.debug({ method: c.req.method, path: c.req.path, status: c.res.status }, "request");
  });

  // One error handler for the whole app: refusals become {error: {code, message, details}}, and anything
  // unexpected is logged and answered with a generic 500 that reveals nothing.
  app.onError((err, c: Context) => {
    if (err instanceof DomainError) {
      // Every refusal for going too fast says when to come back, for clients that honour Retry-After.
      const wait = err.details?.retryAfterSeconds;
      if (err.kind === "rate_limited" && typeof wait === "number") c.header("Retry-After", String(wait));
      return c.json(errorBody(err.code, err.message, err.details), STATUS_OF[err.kind]);
    }
    if (err instanceof HttpProblem) return c.json(errorBody(err.code, err.message, err.details), err.status);
    if (err instanceof HTTPException) {
      const status = err.status;
      const malformed = status === 400 && /json/i.test(err.message);
      const code = malformed ? "malformed_json" : status === 415 ? "unsupported_media_type" : "bad_request";
      const message = malformed ? "the request body is not valid JSON" : err.message || "bad request";
      return c.json(errorBody(code, message), status as ContentfulStatusCode);
    }
    logger.error({ err, method: c.req.method, path: c.req.path }, "request failed");
    return c.json(errorBody("internal_error", "something went wrong on our side; please retry"), 500);
  });
  app.notFound((c) => c.json(errorBody("not_found", `no route ${c.req.method} ${c.req.path}`), 404));

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", { type: "http", scheme: "bearer" });
  // What webhooks receive is no route's answer; it is in the document for integrators all the same.
  app.openAPIRegistry.registerComponent(
    "schemas",
    "WebhookPayload",
    z.toJSONSchema(WebhookPayloadSchema, { target: "openapi-3.0", io: "output" }) as Parameters<
      typeof app.openAPIRegistry.registerComponent<"schemas">
    >[2],
  );

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    const ok = await deps.databaseReachable().catch(() => false);
    return ok ? c.json({ status: "ready" }) : c.json({ status: "unavailable", database: "unreachable" }, 503);
  });
  app.get("/metrics", async (c) => {
    c.header("Content-Type", deps.metrics.contentType);
    return c.body(await deps.metrics.metrics());
  });
  app.doc("/openapi.json", (c) => ({
    ...OPENAPI_INFO,
    servers: serversFor(c.req.url, (name) => c.req.header(name)),
  }));
  app.route("/", apiReferenceRoutes());

  // No request needs more than a few hundred KiB (a full page of extremes); anything larger is refused before it
  // is buffered, so one client cannot make the service hold an arbitrarily large body in memory.
  app.use(
    "/v1/*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new HttpProblem(
          413,
          "payload_too_large",
          `the request body is larger than ${MAX_BODY_BYTES} bytes`,
        );
      },
    }),
  );
  app.use("/v1/*", authenticate(deps.tokens));
  app.route("/v1/users", usersRoutes(deps.users));
  const actAs = actAsPlatformUser(deps.users, deps.commands);
  app.route("/v1/watchlist", watchlistRoutes(deps.users, actAs));
  app.route("/v1/alerts", alertsRoutes(deps.alerts, actAs));
  app.route("/v1/destinations", destinationsRoutes(deps.alerts));
  app.route("/v1/communities", communitiesRoutes(deps.communities));
  app.route("/v1/firings", firingsRoutes(deps.alerts, actAs));
  app.route("/v1/link-codes", linkCodesRoutes(deps.users, actAs));
  app.route("/v1/deliveries", deliveriesRoutes(deps.deliveries, actAs, deps.webhooks));
  app.route("/v1/settings", settingsRoutes(deps.settings, actAs));
  app.route("/v1/held", heldRoutes(deps.settings));
  app.route("/v1/webhooks", webhooksRoutes(deps.webhooks, actAs));
  app.route("/v1/internal", internalRoutes(deps.alerts, deps.runtime));
  return app;
}
