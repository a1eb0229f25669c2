import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { startAlertService } from "@tickerbell/alerts";
import { createLogger, createMetricsRegistry } from "@tickerbell/config";
import { createTestDatabase, type TestDatabase } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AlertsClient } from "../src/clients/alerts-client.ts";
import type { Fetch } from "../src/clients/http.ts";
import { HttpHeldStore } from "../src/quiet/held-client.ts";
import { SettingsCache } from "../src/quiet/settings-cache.ts";

// The delivery path's copy of the users' settings against the real alert service on PostgreSQL: once synced it
// answers every user without a request (a user absent from it has the defaults), and each later sync reads only
// what changed, also what changed through another bot.

const TOKEN = "telegram-bot-token-settings-copy";
const logger = createLogger({ service: "bot-core-settings-copy", level: "silent" });

let db: TestDatabase;
let service: Awaited<ReturnType<typeof startAlertService>>;
let server: ReturnType<typeof serve>;
let baseUrl: string;
const requests: string[] = [];
const countingFetch: Fetch = async (request) => {
  requests.push(`${request.method} ${new URL(request.url).pathname}`);
  return fetch(request);
};

beforeAll(async () => {
  db = await createTestDatabase("tb_botcore_settings_copy");
  service = await startAlertService({
    database: { kind: "postgres", url: db.url },
    tokens: { telegram: TOKEN },
    maxOpenAlertsPerUser: 100,
    userCommandsPerMinute: 100_000,
    logger,
    metrics: createMetricsRegistry("alerts"),
  });
  server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: service.app.fetch, port: 0, hostname: "127.0.0.1" }, () =>
      resolve(started),
    );
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);
afterAll(async () => {
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  await service?.close();
  await db?.drop();
});

describe("the settings copy", () => {
  it("answers from the copy once synced, with no request per user, and follows changes made elsewhere", async () => {
    const users = new AlertsClient({ baseUrl, token: TOKEN, platform: "telegram" });
    const tokyo = (await users.resolveUser({ platformUserId: "copy-1" })).user.id;
    const quiet = (await users.resolveUser({ platformUserId: "copy-2" })).user.id;
    const plain = (await users.resolveUser({ platformUserId: "copy-3" })).user.id;
    await users.updateSettings("copy-1", { timeZone: "Asia/Tokyo" });
    await users.updateSettings("copy-2", { quietHours: { start: "22:00", end: "07:00" } });

    const copy = new SettingsCache({
      source: new HttpHeldStore({ baseUrl, token: TOKEN, fetch: countingFetch }),
    });
    // Before the first sync it asks (batched), as without a copy.
    expect((await copy.get(tokyo)).timeZone).toBe("Asia/Tokyo");
    expect(requests).toEqual(["POST /v1/settings/lookup"]);

    await copy.sync();
    expect(copy.synced).toBe(true);
    requests.length = 0;
    expect(await copy.get(tokyo)).toEqual({ timeZone: "Asia/Tokyo", quietHours: null, charts: true });
    expect(await copy.get(quiet)).toEqual({
      timeZone: null,
      quietHours: { start: "22:00", end: "07:00" },
      charts: true,
    });
    expect(await copy.get(plain)).toEqual({ timeZone: null, quietHours: null, charts: true });
    expect(await copy.get("0f8fad5b-d9cb-469f-a165-70867728950e")).toEqual({
      timeZone: null,
      quietHours: null,
      charts: true,
    });
    expect(requests).toEqual([]);

    // Changed through another bot process: seen after the next sync, which reads only the recent changes.
    await users.updateSettings("copy-3", { timeZone: "Europe/Berlin" });
    await users.updateSettings("copy-1", { charts: false });
    await users.updateSettings("copy-2", { quietHours: null });
    expect((await copy.get(plain)).timeZone).toBeNull();
    await copy.sync();
    expect(requests).toEqual(["GET /v1/settings/changes"]);
    expect((await copy.get(plain)).timeZone).toBe("Europe/Berlin");
    expect((await copy.get(quiet)).quietHours).toBeNull();
    expect(await copy.get(tokyo)).toEqual({ timeZone: "Asia/Tokyo", quietHours: null, charts: false });
  });
});
