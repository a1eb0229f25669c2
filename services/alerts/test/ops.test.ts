import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { priceAlert, startPostgresHarness } from "./harness.ts";

let h: Awaited<ReturnType<typeof startPostgresHarness>>;
beforeAll(async () => {
  h = await startPostgresHarness();
});
afterAll(async () => {
  await h?.close();
});

const ENDPOINTS = [
  ["post", "/v1/users/resolve"],
  ["get", "/v1/watchlist"],
  ["post", "/v1/watchlist"],
  ["delete", "/v1/watchlist/{symbol}"],
  ["post", "/v1/alerts"],
  ["get", "/v1/alerts"],
  ["get", "/v1/alerts/{id}"],
  ["patch", "/v1/alerts/{id}"],
  ["delete", "/v1/alerts/{id}"],
  ["post", "/v1/link-codes"],
  ["post", "/v1/link-codes/redeem"],
  ["get", "/v1/internal/alerts"],
  ["get", "/v1/internal/demand"],
] as const;

describe("operations endpoints", () => {
  it("healthz answers ok and readyz checks the database", async () => {
    expect((await h.api("GET", "/healthz", { token: null })).body).toEqual({ status: "ok" });
    expect((await h.api("GET", "/readyz", { token: null })).body).toEqual({ status: "ready" });
  });

  it("exports Prometheus metrics with request counts and process metrics", async () => {
    await h.api("POST", "/v1/alerts", { as: "metrics", body: priceAlert() });
    const res = await h.api("GET", "/metrics", { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    expect(res.text).toMatch(
      /alerts_http_requests_total\{method="POST",route="\/v1\/alerts\/?",status="201",service="alerts"\} 1/,
    );
    expect(res.text).toContain("alerts_http_request_duration_seconds_bucket");
    expect(res.text).toContain("process_cpu_user_seconds_total");
  });

  it("documents every endpoint in /openapi.json, from the zod schemas", async () => {
    const res = await h.api("GET", "/openapi.json", { token: null });
    expect(res.status).toBe(200);
    const spec = res.body;
    expect(spec.openapi).toMatch(/^3\./);
    expect(spec.components.securitySchemes.bearerAuth).toEqual({ type: "http", scheme: "bearer" });
    for (const [method, path] of ENDPOINTS) {
      expect(spec.paths[path]?.[method], `${method} ${path}`).toBeDefined();
      expect(spec.paths[path][method].security).toEqual([{ bearerAuth: [] }]);
    }
    // Shared schemas are components: follow a $ref to what it names.
    const deref = (schema: { $ref?: string }) =>
      schema.$ref ? spec.components.schemas[schema.$ref.replace("#/components/schemas/", "")] : schema;
    const create = spec.paths["/v1/alerts"].post;
    const body = deref(create.requestBody.content["application/json"].schema);
    expect(body.required).toEqual(expect.arrayContaining(["symbol", "condition", "market", "origin"]));
    expect(body.additionalProperties).toBe(false);
    expect(create.responses["201"]).toBeDefined();
    expect(deref(create.responses["409"].content["application/json"].schema).properties.error).toBeDefined();
    const header = create.parameters.find((p: { name: string }) => p.name === "x-platform-user-id");
    expect(header).toMatchObject({ in: "header", required: true });
    // The list is paged: limit and cursor in, nextCursor out, and `open` among the statuses.
    const list = spec.paths["/v1/alerts"].get;
    const query = Object.fromEntries(
      list.parameters
        .filter((p: { in: string }) => p.in === "query")
        .map((p: { name: string; schema: unknown }) => [p.name, p.schema]),
    );
    expect(query.limit).toMatchObject({ minimum: 1, maximum: 500, default: 100 });
    expect(query.cursor).toMatchObject({ type: "string" });
    expect(query.status.enum).toContain("open");
    expect(list.description).toMatch(/nextCursor/);
    const page = deref(list.responses["200"].content["application/json"].schema);
    expect(page.properties.nextCursor).toBeDefined();
    expect(page.required).toEqual(expect.arrayContaining(["alerts", "nextCursor"]));
  });

  it("serves the interactive API reference with its script from this service, nothing from a CDN", async () => {
    const res = await h.api("GET", "/docs", { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.text).toContain("/openapi.json");
    const sources = [...res.text.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"/gi)].map(
      (m) => m[1],
    );
    expect(sources).toEqual([expect.stringMatching(/^\/docs\/api-reference-[\d.]+\.js$/)]);
    // Scalar's services stay out of it: no request proxy, no telemetry, no fonts from elsewhere.
    expect(res.text).not.toMatch(/https?:\/\//i);
    expect(res.text).toMatch(/"proxyUrl":\s*""/);
    expect(res.text).toMatch(/"telemetry":\s*false/);
    expect(res.text).toMatch(/"withDefaultFonts":\s*false/);
    const script = await h.api("GET", sources[0]!, { token: null });
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toContain("javascript");
    expect(script.text).toContain("createApiReference");
  });
});

it("readyz answers 503 once the database is gone", async () => {
  const other = await startPostgresHarness();
  await other.service.close();
  const res = await other.api("GET", "/readyz", { token: null });
  expect(res.status).toBe(503);
  expect(res.body.status).toBe("unavailable");
  await other.db.drop();
});
