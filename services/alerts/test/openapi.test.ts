import SwaggerParser from "@apidevtools/swagger-parser";
import {
  AddToWatchlistRequestSchema,
  CreateAlertRequestSchema,
  UpdateAlertRequestSchema,
} from "@tickerbell/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgresHarness } from "./harness.ts";

/**
 * The OpenAPI document the interactive reference (/docs) renders: valid against the OpenAPI 3.0 schema, every
 * operation named once, every $ref resolving, shared schemas as components, examples that the API accepts, and
 * `servers` naming where the document was fetched from.
 */

let h: Awaited<ReturnType<typeof startPostgresHarness>>;
// biome-ignore lint/suspicious/noExplicitAny: an OpenAPI document read as JSON
let spec: any;
beforeAll(async () => {
  h = await startPostgresHarness();
  const res = await h.service.app.request("http://127.0.0.1:8081/openapi.json");
  expect(res.status).toBe(200);
  spec = await res.json();
});
afterAll(async () => {
  await h?.close();
});

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

/** Every operation of the document, with where it is. */
function operations(): { where: string; op: Record<string, unknown> }[] {
  return Object.entries(spec.paths as Record<string, Record<string, Record<string, unknown>>>).flatMap(
    ([path, item]) =>
      Object.entries(item)
        .filter(([method]) => METHODS.includes(method))
        .map(([method, op]) => ({ where: `${method.toUpperCase()} ${path}`, op })),
  );
}

/** Every `$ref` string anywhere in the document. */
function refs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) refs(item, out);
  else if (node !== null && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key === "$ref" && typeof value === "string") out.push(value);
      else refs(value, out);
    }
  }
  return out;
}

function resolvePointer(pointer: string): unknown {
  expect(pointer.startsWith("#/"), `${pointer} is a local reference`).toBe(true);
  return pointer
    .slice(2)
    .split("/")
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], spec);
}

describe("the OpenAPI document", () => {
  it("is a valid OpenAPI 3.0 document (schema and references checked by swagger-parser)", async () => {
    // validate() dereferences in place: hand it a copy.
    await expect(SwaggerParser.validate(structuredClone(spec))).resolves.toBeDefined();
    expect(spec.openapi).toMatch(/^3\.0\./);
  });

  it("names every operation with a unique operationId", () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThanOrEqual(28);
    const ids = ops.map(({ where, op }) => {
      expect(op.operationId, where).toMatch(/^[a-z][A-Za-z]+$/);
      return op.operationId as string;
    });
    expect(new Set(ids).size).toBe(ids.length);
    const byPath = Object.fromEntries(ops.map(({ where, op }) => [where, op.operationId]));
    expect(byPath["POST /v1/alerts"]).toBe("createAlert");
    expect(byPath["GET /v1/alerts"]).toBe("listAlerts");
    expect(byPath["DELETE /v1/alerts/{id}"]).toBe("cancelAlert");
  });

  it("shares schemas as components, and every $ref resolves", () => {
    const schemas = spec.components.schemas as Record<string, unknown>;
    for (const name of [
      "Alert",
      "AlertList",
      "CreateAlertRequest",
      "UpdateAlertRequest",
      "Error",
      "Watchlist",
      "Webhook",
      "CreatedWebhook",
      // What a webhook receives: no route answers it, integrators read it here.
      "WebhookPayload",
    ])
      expect(schemas[name], name).toBeDefined();
    const all = refs(spec);
    expect(all).toContain("#/components/schemas/Alert");
    expect(all).toContain("#/components/schemas/Error");
    for (const ref of new Set(all)) expect(resolvePointer(ref), ref).toBeDefined();
    // Responses of one alert point at the one Alert component rather than repeating it.
    const create = spec.paths["/v1/alerts"].post;
    expect(create.responses["201"].content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/Alert",
    });
    expect(create.responses["409"].content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/Error",
    });
  });

  it("shows the charts setting: true by default (a reader takes a missing one as true), changed on its own", () => {
    const schemas = spec.components.schemas as Record<
      string,
      { properties: Record<string, unknown>; required?: string[] }
    >;
    expect(schemas.UserSettings?.properties.charts).toMatchObject({ type: "boolean", default: true });
    expect(schemas.UpdateSettingsRequest?.properties.charts).toMatchObject({ type: "boolean" });
    expect(schemas.UpdateSettingsRequest?.required ?? []).not.toContain("charts");
  });

  it("gives examples the API accepts", () => {
    const body = (path: string, method: string) =>
      spec.paths[path][method].requestBody.content["application/json"];
    const create = body("/v1/alerts", "post");
    const createExamples = Object.values(create.examples as Record<string, { value: unknown }>);
    expect(createExamples.length).toBeGreaterThanOrEqual(3);
    for (const { value } of createExamples)
      expect(CreateAlertRequestSchema.safeParse(value).success).toBe(true);
    for (const { value } of Object.values(
      body("/v1/alerts/{id}", "patch").examples as Record<string, { value: unknown }>,
    ))
      expect(UpdateAlertRequestSchema.safeParse(value).success).toBe(true);
    for (const { value } of Object.values(
      body("/v1/watchlist", "post").examples as Record<string, { value: unknown }>,
    ))
      expect(AddToWatchlistRequestSchema.safeParse(value).success).toBe(true);
    // The acting user header comes with an example, which the reference page fills in.
    const header = spec.paths["/v1/alerts"].post.parameters.find(
      (p: { name: string }) => p.name === "x-platform-user-id",
    );
    expect(header.example ?? header.schema.example).toBeDefined();
  });

  it("documents the community destination routes, the destination list and the acting header", () => {
    expect(spec.paths["/v1/destinations/pause"].post.operationId).toBe("pauseDestination");
    expect(spec.paths["/v1/destinations/move"].post.operationId).toBe("moveDestination");
    const listParams = spec.paths["/v1/alerts"].get.parameters.map((p: { name: string }) => p.name);
    expect(listParams).toContain("destination");
    for (const method of ["get", "patch", "delete"]) {
      const names = spec.paths["/v1/alerts/{id}"][method].parameters.map((p: { name: string }) => p.name);
      expect(names).toContain("x-acting-for-destination");
    }
    const bulk = spec.paths["/v1/alerts/bulk"].post.parameters.map((p: { name: string }) => p.name);
    expect(bulk).toContain("x-acting-for-destination");
  });

  it("names the server it was fetched from", async () => {
    expect(spec.servers).toEqual([expect.objectContaining({ url: "http://127.0.0.1:8081" })]);
    const other = (await (await h.service.app.request("http://localhost:9999/openapi.json")).json()) as {
      servers: { url: string }[];
    };
    expect(other.servers[0]?.url).toBe("http://localhost:9999");
    // Behind a reverse proxy (an ingress terminating TLS), the address the browser used.
    const proxied = (await (
      await h.service.app.request("http://alerts:8081/openapi.json", {
        headers: { "x-forwarded-proto": "https", "x-forwarded-host": "alerts.example.org" },
      })
    ).json()) as { servers: { url: string }[] };
    expect(proxied.servers[0]?.url).toBe("https://alerts.example.org");
  });
});
