import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { zodToOpenAPIRegistry } from "@asteasolutions/zod-to-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import {
  AcknowledgeUndeliverableRequestSchema,
  AcknowledgeUndeliverableResponseSchema,
  AlertConditionSchema,
  AlertListSchema,
  AlertSchema,
  BulkAlertActionRequestSchema,
  BulkAlertActionResponseSchema,
  CreateAlertRequestSchema,
  CreatedWebhookSchema,
  CreateWebhookRequestSchema,
  DeliveryRecordSchema,
  ErrorBodySchema,
  FiringListSchema,
  FiringSchema,
  LinkCodeSchema,
  MarketContextSchema,
  OriginSchema,
  RedeemLinkCodeRequestSchema,
  RedeemLinkCodeResponseSchema,
  RepeatSchema,
  ResolveUserRequestSchema,
  ResolveUserResponseSchema,
  UpdateAlertRequestSchema,
  UpdateSettingsRequestSchema,
  UserSchema,
  UserSettingsSchema,
  WatchlistSchema,
  WebhookListSchema,
  WebhookPayloadSchema,
  WebhookSchema,
  WebhookTestResultSchema,
} from "@tickerbell/contracts";
import { Hono } from "hono";
import type { z } from "zod";

/**
 * The schemas the API reference shows as named components: every route that uses one of these very schema
 * objects gets a `$ref` instead of a copy. Named here, where the document is made, rather than in the contracts,
 * which other consumers read without any OpenAPI in mind.
 */
const COMPONENTS: Record<string, z.ZodType> = {
  Alert: AlertSchema,
  AlertList: AlertListSchema,
  AlertCondition: AlertConditionSchema,
  CreateAlertRequest: CreateAlertRequestSchema,
  UpdateAlertRequest: UpdateAlertRequestSchema,
  BulkAlertActionRequest: BulkAlertActionRequestSchema,
  BulkAlertActionResponse: BulkAlertActionResponseSchema,
  MarketContext: MarketContextSchema,
  Origin: OriginSchema,
  Repeat: RepeatSchema,
  Firing: FiringSchema,
  FiringList: FiringListSchema,
  Error: ErrorBodySchema,
  User: UserSchema,
  ResolveUserRequest: ResolveUserRequestSchema,
  ResolveUserResponse: ResolveUserResponseSchema,
  Watchlist: WatchlistSchema,
  LinkCode: LinkCodeSchema,
  RedeemLinkCodeRequest: RedeemLinkCodeRequestSchema,
  RedeemLinkCodeResponse: RedeemLinkCodeResponseSchema,
  UserSettings: UserSettingsSchema,
  UpdateSettingsRequest: UpdateSettingsRequestSchema,
  DeliveryRecord: DeliveryRecordSchema,
  AcknowledgeUndeliverableRequest: AcknowledgeUndeliverableRequestSchema,
  AcknowledgeUndeliverableResponse: AcknowledgeUndeliverableResponseSchema,
  Webhook: WebhookSchema,
  WebhookList: WebhookListSchema,
  CreateWebhookRequest: CreateWebhookRequestSchema,
  CreatedWebhook: CreatedWebhookSchema,
  WebhookTestResult: WebhookTestResultSchema,
  WebhookPayload: WebhookPayloadSchema,
};

/**
 * Gives each shared schema its component name on the schema object itself, as `.openapi(name)` does on a copy:
 * the contracts' schemas are nested in one another, so only the originals make every use a `$ref`. Idempotent.
 */
export function nameComponents(): void {
  for (const [refId, schema] of Object.entries(COMPONENTS)) {
    const meta = zodToOpenAPIRegistry.get(schema);
    if (meta?._internal?.refId === refId) continue;
    zodToOpenAPIRegistry.add(schema, { ...meta, _internal: { ...meta?._internal, refId } });
  }
}

/** The chat user the examples act for: the standalone's console user, so they work there as they are. */
export const EXAMPLE_PLATFORM_USER = "local";

const example = (summary: string, value: unknown) => ({ summary, value });

export const EXAMPLES = {
  createAlert: {
    above: example("AAPL above 200 (a price alert)", {
      symbol: "AAPL",
      condition: { kind: "price", direction: "above", target: 200 },
      market: { last: 190.5 },
      origin: { platform: "console", chatId: "console" },
      note: "new high",
    }),
    percent: example("MSFT moves 2% from the close, repeating every hour", {
      symbol: "MSFT",
      condition: { kind: "percent", direction: "move", percent: 2, basis: "close" },
      market: { last: 410.2, previousClose: 405 },
      origin: { platform: "console", chatId: "console" },
      repeat: { cooldownSeconds: 3600 },
    }),
    trailing: example("NVDA trails down 5% from its high, until the end of the year", {
      symbol: "NVDA",
      condition: { kind: "trailing", direction: "down", offset: { unit: "percent", value: 5 } },
      market: { last: 120 },
      origin: { platform: "console", chatId: "console" },
      expiresAt: "2026-12-31T21:00:00.000Z",
    }),
  },
  updateAlert: {
    note: example("Change the note", { note: "earnings next week" }),
    pause: example("Pause", { status: "paused" }),
    snooze: example("Snooze for an hour", { snoozeSeconds: 3600 }),
  },
  addToWatchlist: {
    some: example("Watch two tickers", { symbols: ["AAPL", "TSLA"] }),
  },
} as const;

/**
 * The document's `servers`: where it was fetched from, which is where the reference page sends its requests. Behind
 * a reverse proxy that is the address the browser used (X-Forwarded-Proto and -Host; they only steer this field).
 */
export function serversFor(
  requestUrl: string,
  header: (name: string) => string | undefined,
): { url: string; description: string }[] {
  const url = new URL(requestUrl);
  const proto = header("x-forwarded-proto")?.split(",")[0]?.trim();
  const host = header("x-forwarded-host")?.split(",")[0]?.trim();
  const scheme = proto === "http" || proto === "https" ? proto : url.protocol.slice(0, -1);
  const validHost = host && /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/.test(host);
  return [{ url: `${scheme}://${validHost ? host : url.host}`, description: "This alert service" }];
}

/**
 * Scalar's single-file browser app, shipped inside its npm package. Only that file is read, so the images carry it
 * alone (the Dockerfile copies it out of a side install) rather than the package's whole dependency tree; it is found
 * the way Node finds packages, through the node_modules folders from here up.
 */
const SCALAR_PACKAGE = "@scalar/api-reference";
function scalarBundle(): { version: string; path: string } | undefined {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const root = join(dir, "node_modules", SCALAR_PACKAGE);
    const path = join(root, "dist/browser/standalone.js");
    if (existsSync(path)) {
      const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
      return { version: manifest.version, path };
    }
    if (dirname(dir) === dir) return undefined;
  }
}
const SCALAR = scalarBundle();
/** Versioned, so a browser may keep it for long and still gets a new one after an upgrade. */
export const API_REFERENCE_SCRIPT = `/docs/api-reference-${SCALAR?.version ?? "missing"}.js`;
let scalarScript: Buffer | undefined;

/**
 * GET /docs: Scalar's interactive reference of /openapi.json, and its script, served from here. Nothing comes from
 * a CDN and nothing goes to Scalar's services (no fonts, telemetry, request proxy, agent or MCP), so the page
 * works on a machine without internet and a token typed into it only ever goes to this service.
 */
export function apiReferenceRoutes(): Hono {
  const app = new Hono();
  app.get(API_REFERENCE_SCRIPT, (c) => {
    if (!SCALAR) {
      // An install without it (npm ci --omit=dev outside the images): the API works, its reference page cannot.
      return c.text(`the API reference needs ${SCALAR_PACKAGE}, which is not installed`, 503);
    }
    scalarScript ??= readFileSync(SCALAR.path);
    c.header("Content-Type", "text/javascript; charset=utf-8");
    c.header("Cache-Control", "public, max-age=86400, immutable");
    return c.body(new Uint8Array(scalarScript));
  });
  app.get(
    "/docs",
    Scalar({
      url: "/openapi.json",
      cdn: API_REFERENCE_SCRIPT,
      pageTitle: "Tickerbell alert service API",
      withDefaultFonts: false,
      telemetry: false,
      // An empty proxy: requests go straight to the service (same origin), never through a third party.
      proxyUrl: "",
      hideClientButton: true,
      showDeveloperTools: "never",
      agent: { disabled: true },
      mcp: { disabled: true },
      authentication: { preferredSecurityScheme: "bearerAuth" },
      persistAuth: false,
      defaultOpenAllTags: false,
      documentDownloadType: "json",
    }),
  );
  return app;
}
