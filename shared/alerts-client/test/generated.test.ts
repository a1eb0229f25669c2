import { readFileSync } from "node:fs";
import { startAlertService } from "@tickerbell/alerts";
import { createLogger, createMetricsRegistry } from "@tickerbell/config";
import { createTestDatabase } from "@tickerbell/testkit";
import { describe, expect, it } from "vitest";
import { GENERATED_FILE, generatedSource, type OpenApiDocument } from "../src/codegen.ts";

// The committed types are the alert service's document as it is now: a route added or changed there without
// `npm run generate -w @tickerbell/alerts-client` fails here (and the new call does not type-check until then).

describe("src/openapi.gen.ts", () => {
  it("is what the alert service's /openapi.json generates", async () => {
    const db = await createTestDatabase("tb_alerts_client_gen");
    const service = await startAlertService({
      database: { kind: "postgres", url: db.url },
      tokens: {},
      maxOpenAlertsPerUser: 100,
      logger: createLogger({ service: "alerts-client-generated-test", level: "silent" }),
      metrics: createMetricsRegistry("alerts"),
    });
    try {
      const answer = await service.app.request("http://127.0.0.1/openapi.json");
      const fresh = generatedSource((await answer.json()) as OpenApiDocument);
      const committed = readFileSync(GENERATED_FILE, "utf8");
      expect(
        committed === fresh,
        "src/openapi.gen.ts is stale: run `npm run generate -w @tickerbell/alerts-client` and commit it",
      ).toBe(true);
    } finally {
      await service.close();
      await db.drop();
    }
  });
});
