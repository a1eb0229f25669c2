import { type AddressInfo, createServer, type Socket } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { serve } from "@hono/node-server";
import { type RunningAlertService, startAlertService } from "@tickerbell/alerts";
import { createLogger, createMetricsRegistry } from "@tickerbell/config";
import {
  AlertListSchema,
  AlertSchema,
  DemandSchema,
  ResolveUserResponseSchema,
  WatchlistSchema,
} from "@tickerbell/contracts";
import { createTestDatabase, type TestDatabase } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { AlertsApi, ApiError, ServiceUnavailableError } from "../src/index.ts";

// The typed client against the real alert service on PostgreSQL, served on a real port: answers, refusals with
// the service's own codes, the bot tokens' platform scoping, and the ways an answer can fail to come.

const TOKENS = {
  telegram: "telegram-bot-token-client-01",
  internal: "internal-token-client-000001",
} as const;
const logger = createLogger({ service: "alerts-client-test", level: "silent" });

let db: TestDatabase;
let service: RunningAlertService;
let server: ReturnType<typeof serve>;
let baseUrl: string;

beforeAll(async () => {
  db = await createTestDatabase("tb_alerts_client");
  service = await startAlertService({
    database: { kind: "postgres", url: db.url },
    tokens: TOKENS,
    maxOpenAlertsPerUser: 100,
    logger,
    metrics: createMetricsRegistry("alerts"),
  });
  server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: service.app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await service?.close();
  await db?.drop();
});

const asUser = (platformUserId: string) => ({ "x-platform-user-id": platformUserId });
const aboveAlert = {
  symbol: "AAPL",
  condition: { kind: "price", direction: "above", target: 250 },
  market: { last: 190 },
  origin: { platform: "telegram", chatId: "chat-1" },
} as const;

describe("AlertsApi against the alert service", () => {
  it("makes the document's calls: body, path and query parameters, the acting user's header", async () => {
    const api = new AlertsApi({ baseUrl, token: TOKENS.telegram });
    const user = await api.call("post", "/v1/users/resolve", ResolveUserResponseSchema, {
      body: { platformUserId: "u-1" },
    });
    expect(user.user.id).toEqual(expect.any(String));
    const created = await api.call("post", "/v1/alerts", AlertSchema, {
      header: asUser("u-1"),
      body: aboveAlert,
    });
    expect(created).toMatchObject({ symbol: "AAPL", status: "active" });
    const edited = await api.call("patch", "/v1/alerts/{id}", AlertSchema, {
      path: { id: created.id },
      header: asUser("u-1"),
      body: { note: "a/b?c" },
    });
    expect(edited.note).toBe("a/b?c");
    const list = await api.call("get", "/v1/alerts", AlertListSchema, {
      header: asUser("u-1"),
      query: { status: "open", symbol: "AAPL", limit: 10, cursor: undefined },
    });
    expect(list.alerts.map((a) => a.id)).toEqual([created.id]);
    const watchlist = await api.call("post", "/v1/watchlist", WatchlistSchema, {
      header: asUser("u-1"),
      body: { symbols: ["BRK.B"] },
    });
    const removed = await api.call("delete", "/v1/watchlist/{symbol}", WatchlistSchema, {
      path: { symbol: watchlist.items[0]!.symbol },
      header: asUser("u-1"),
    });
    expect(removed.items).toEqual([]);
    const internal = new AlertsApi({ baseUrl, token: TOKENS.internal });
    expect((await internal.call("get", "/v1/internal/demand", DemandSchema)).symbols).toContain("AAPL");
  });

  it("reads a refusal as ApiError: method, route, status and the service's code, message and details", async () => {
    const api = new AlertsApi({ baseUrl, token: TOKENS.telegram });
    const first = await api.call("post", "/v1/alerts", AlertSchema, {
      header: asUser("u-2"),
      body: aboveAlert,
    });
    const twin = await api
      .call("post", "/v1/alerts", AlertSchema, { header: asUser("u-2"), body: aboveAlert })
      .catch((error: unknown) => error);
    expect(twin).toBeInstanceOf(ApiError);
    expect(twin).toMatchObject({
      service: "the alert service",
      method: "POST",
      path: "/v1/alerts",
      status: 409,
      code: "duplicate_alert",
      details: { existingAlertId: first.id },
    });
    const missing = await api
      .call("get", "/v1/alerts/{id}", AlertSchema, {
        path: { id: "00000000-0000-4000-8000-000000000000" },
        header: asUser("u-2"),
      })
      .catch((error: unknown) => error);
    expect(missing).toMatchObject({ name: "ApiError", path: "/v1/alerts/{id}", status: 404 });
    // The internal routes are not a bot's: its token is refused there, and an unknown token everywhere.
    await expect(api.call("get", "/v1/internal/demand", DemandSchema)).rejects.toMatchObject({
      name: "ApiError",
      status: 403,
    });
    const stranger = new AlertsApi({ baseUrl, token: "not-a-token-of-this-service" });
    await expect(
      stranger.call("get", "/v1/watchlist", WatchlistSchema, { header: asUser("u-2") }),
    ).rejects.toMatchObject({ name: "ApiError", status: 401 });
  });

  it("calls the service's own handler in process, with the same answers and refusals", async () => {
    const api = new AlertsApi({
      baseUrl: "http://alerts.in-process",
      token: TOKENS.telegram,
      fetch: service.app.fetch,
    });
    const list = await api.call("get", "/v1/watchlist", WatchlistSchema, { header: asUser("u-3") });
    expect(list.items).toEqual([]);
    await expect(
      api.call("post", "/v1/watchlist", WatchlistSchema, { header: asUser("u-3"), body: { symbols: [] } }),
    ).rejects.toMatchObject({ name: "ApiError", status: 400, code: "validation_failed" });
  });

  it("tells an unreachable service and an answer off the contract apart from a refusal", async () => {
    const closed = new AlertsApi({ baseUrl: "http://127.0.0.1:9", token: TOKENS.telegram });
    await expect(
      closed.call("get", "/v1/watchlist", WatchlistSchema, { header: asUser("u-4") }),
    ).rejects.toMatchObject({
      name: "ServiceUnavailableError",
      reason: "unreachable",
      method: "GET",
      path: "/v1/watchlist",
    });
    // A proxy in front of the service answering its own error page.
    const proxied = new AlertsApi({
      baseUrl,
      token: TOKENS.telegram,
      fetch: () => new Response("<html>Bad gateway</html>", { status: 502 }),
    });
    await expect(
      proxied.call("get", "/v1/watchlist", WatchlistSchema, { header: asUser("u-4") }),
    ).rejects.toMatchObject({
      name: "ServiceUnavailableError",
      reason: "off_contract",
      status: 502,
    });
    // An answer that is JSON but not what the contract's schema reads.
    const strict = z.object({
      items: z.array(z.object({ symbol: z.literal("never"), addedAt: z.string() })),
    });
    const api = new AlertsApi({ baseUrl, token: TOKENS.telegram });
    await api.call("post", "/v1/watchlist", WatchlistSchema, {
      header: asUser("u-4"),
      body: { symbols: ["MSFT"] },
    });
    await expect(api.call("get", "/v1/watchlist", strict, { header: asUser("u-4") })).rejects.toMatchObject({
      name: "ServiceUnavailableError",
      reason: "off_contract",
    });
  });

  it("is typed from the document: routes, methods, parameters and bodies the service does not have do not compile", () => {
    const api = new AlertsApi({ baseUrl, token: TOKENS.telegram });
    const never = () => {
      // @ts-expect-error: no such route
      void api.call("get", "/v1/nothing", WatchlistSchema);
      // @ts-expect-error: the watchlist is not patched
      void api.call("patch", "/v1/watchlist", WatchlistSchema, { header: asUser("u") });
      // @ts-expect-error: a bot route needs the user it acts for
      void api.call("get", "/v1/watchlist", WatchlistSchema, {});
      // @ts-expect-error: the alert's id is a path parameter
      void api.call("get", "/v1/alerts/{id}", AlertSchema, { header: asUser("u") });
      const notAList = { header: asUser("u"), body: { symbols: "AAPL" } };
      // @ts-expect-error: symbols is a list
      void api.call("post", "/v1/watchlist", WatchlistSchema, notAList);
      // @ts-expect-error: the schema read must produce what the route answers
      void api.call("get", "/v1/watchlist", AlertSchema, { header: asUser("u") });
    };
    expect(typeof never).toBe("function");
  });
});

// A service that accepts the connection and never answers: the call must give up after its timeout however the
// garbage collector runs meanwhile (an AbortSignal.timeout handed to fetch through a Request it copies is held only
// weakly: once collected, the timeout never fired and a command waited for ever).
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

describe("AlertsApi against a service that never answers", () => {
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => sockets.add(socket));
  let silentUrl = "";
  beforeAll(async () => {
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it("gives up after its timeout even when garbage is collected while it waits", async () => {
    const api = new AlertsApi({ baseUrl: silentUrl, token: TOKENS.telegram, timeoutMs: 300 });
    const outcome = api.call("get", "/v1/watchlist", WatchlistSchema, { header: asUser("u-5") }).then(
      () => "answered",
      (error: unknown) => error,
    );
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      collectGarbage();
    }
    const settled = await Promise.race([
      outcome,
      new Promise((resolve) => setTimeout(() => resolve("still waiting"), 5_000)),
    ]);
    expect(settled).toBeInstanceOf(ServiceUnavailableError);
    expect(settled).toMatchObject({ reason: "timeout" });
  });
});
