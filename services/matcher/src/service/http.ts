// The matcher's operator endpoints: liveness, readiness and Prometheus metrics.
import type { Registry } from "@tickerbell/config";
import { Hono } from "hono";

export interface Readiness {
  /** Subscribed to the bus and the alerts of the owned partitions are loaded. */
  readonly ready: boolean;
}

export function createOpsApp(deps: { matcher: Readiness; metrics: Registry }): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", (c) =>
    deps.matcher.ready ? c.json({ status: "ready" }) : c.json({ status: "loading" }, 503),
  );
  app.get("/metrics", async (c) => {
    c.header("content-type", deps.metrics.contentType);
    return c.body(await deps.metrics.metrics());
  });
  app.onError((_error, c) => c.json({ error: { code: "internal", message: "internal error" } }, 500));
  return app;
}
