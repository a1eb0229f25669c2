import { createServer, type Server } from "node:http";
import type { Registry } from "@tickerbell/config";

export interface OpsServerOptions {
  port: number;
  metrics: Registry;
  /** True once the process can do its job (connected to its platform and the bus). */
  ready: () => boolean;
}

/** `/healthz` (the process answers), `/readyz` (it can work) and `/metrics` for a bot process. */
export function startOpsServer({ port, metrics, ready }: OpsServerOptions): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
    } else if (path === "/readyz") {
      const ok = ready();
      res
        .writeHead(ok ? 200 : 503, { "content-type": "application/json" })
        .end(JSON.stringify({ status: ok ? "ready" : "starting" }));
    } else if (path === "/metrics") {
      metrics
        .metrics()
        .then((text) => res.writeHead(200, { "content-type": metrics.contentType }).end(text))
        .catch(() => res.writeHead(500).end());
    } else {
      res
        .writeHead(404, { "content-type": "application/json" })
        .end('{"error":{"code":"not_found","message":"no such endpoint"}}');
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, () => resolve(server));
  });
}
