// npm run generate -w @tickerbell/alerts-client: writes src/openapi.gen.ts from the OpenAPI document the alert
// service serves at /openapi.json, taken from the service itself, in this process (embedded PGlite in a temporary
// directory: nothing needs to run). Run it after changing a route of the alert service; test/generated.test.ts
// fails until then.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAlertService } from "@tickerbell/alerts";
import { createLogger, createMetricsRegistry } from "@tickerbell/config";
import { GENERATED_FILE, generatedSource, type OpenApiDocument } from "../src/codegen.ts";

const dataDir = mkdtempSync(join(tmpdir(), "tickerbell-openapi-"));
try {
  const service = await startAlertService({
    database: { kind: "pglite", dataDir },
    tokens: {},
    maxOpenAlertsPerUser: 100,
    logger: createLogger({ service: "alerts-client-generate", level: "silent" }),
    metrics: createMetricsRegistry("alerts"),
  });
  try {
    const answer = await service.app.request("http://127.0.0.1/openapi.json");
    if (!answer.ok) throw new Error(`the alert service answered ${answer.status} for /openapi.json`);
    writeFileSync(GENERATED_FILE, generatedSource((await answer.json()) as OpenApiDocument));
    console.log(`wrote ${GENERATED_FILE}`);
  } finally {
    await service.close();
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
