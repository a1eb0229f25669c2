// /webhook add|list|remove|test through the command handler, its real HTTP client and the real alert service on
// PostgreSQL, with a local receiver that checks signatures. DNS is a fake resolver (an external system's double).
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { parseAllowList, startAlertService } from "@tickerbell/alerts";
import { createLogger, createMetricsRegistry } from "@tickerbell/config";
import { createTestDatabase, type TestDatabase } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AlertsClient } from "../src/clients/alerts-client.ts";
import { CommandHandler } from "../src/handler/command-handler.ts";
import type { ChatContext, PriceLookup } from "../src/handler/ports.ts";

const TOKEN = "telegram-bot-token-webhooks-0001";
const logger = createLogger({ service: "bot-core-webhooks", level: "silent" });
const prices: PriceLookup = {
  quote: async (symbol) => ({ symbol, price: 190, previousClose: 188, ts: Date.now() }),
  search: async () => [],
};

let db: TestDatabase;
let service: Awaited<ReturnType<typeof startAlertService>>;
let api: ReturnType<typeof serve>;
let receiver: Server;
let receiverPort = 0;
let bot: CommandHandler;
const received: Array<{ body: string; timestamp: string; signature: string }> = [];

const dm = (user: string): ChatContext => ({ platform: "telegram", platformUserId: user, chatId: user });

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString("utf8");
    });
    req.on("end", () => {
      received.push({
        body,
        timestamp: String(req.headers["x-tickerbell-timestamp"]),
        signature: String(req.headers["x-tickerbell-signature"]),
      });
      res.writeHead(req.url === "/broken" ? 500 : 200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverPort = (receiver.address() as AddressInfo).port;

  db = await createTestDatabase("tb_botcore_webhooks");
  service = await startAlertService({
    database: { kind: "postgres", url: db.url },
    tokens: { telegram: TOKEN },
    maxOpenAlertsPerUser: 100,
    userCommandsPerMinute: 100_000,
    webhooks: {
      allow: parseAllowList(["hooks.test"]),
      resolver: {
        resolve: async (host) => {
          if (host === "hooks.test" || host === "localhost") return [{ address: "127.0.0.1", family: 4 }];
          throw Object.assign(new Error(`ENOTFOUND ${host}`), { code: "ENOTFOUND" });
        },
      },
    },
    logger,
    metrics: createMetricsRegistry("alerts"),
  });
  api = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: service.app.fetch, port: 0, hostname: "127.0.0.1" }, () =>
      resolve(started),
    );
  });
  const baseUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  bot = new CommandHandler({
    alerts: new AlertsClient({ baseUrl, token: TOKEN, platform: "telegram" }),
    prices,
    logger,
  });
}, 60_000);

afterAll(async () => {
  if (api) await new Promise<void>((resolve) => api.close(() => resolve()));
  if (receiver) await new Promise<void>((resolve) => receiver.close(() => resolve()));
  await service?.close();
  await db?.drop();
});

describe("/webhook", () => {
  it("adds one (secret shown once), lists it, tests it with a signed delivery, removes it", async () => {
    const url = `http://hooks.test:${receiverPort}/ok`;
    const added = await bot.handleText(dm("alice"), `/webhook add ${url}`);
    expect(added.text).toContain(`✅ Webhook added: ${url}`);
    const secret = /whsec_[A-Za-z0-9_-]+/.exec(added.text)?.[0];
    expect(secret).toBeDefined();
    expect(added.text).toContain("/webhook test 1");

    const listed = await bot.handleText(dm("alice"), "/webhooks");
    expect(listed.text).toContain(`1. ${url} · on, nothing delivered yet`);
    expect(listed.text).not.toContain("whsec_");

    const tested = await bot.handleText(dm("alice"), "/webhook test 1");
    expect(tested.text).toBe(`✅ ${url} took the test delivery (HTTP 200).`);
    const [delivery] = received;
    const expected = createHmac("sha256", secret!)
      .update(`${delivery!.timestamp}.${delivery!.body}`)
      .digest("hex");
    expect(delivery!.signature).toBe(`v1=${expected}`);
    expect(JSON.parse(delivery!.body)).toMatchObject({ v: 1, type: "webhook.test" });

    expect((await bot.handleText(dm("alice"), "/webhook remove 1")).text).toBe(`Removed the webhook ${url}.`);
    expect((await bot.handleText(dm("alice"), "/webhook list")).text).toMatch(
      /^You have no webhooks\. Add one:/,
    );
  });

  it("explains every refusal", async () => {
    const cases: Array<[string, RegExp]> = [
      ["/webhook add http://localhost:8080/x", /localhost resolves to 127\.0\.0\.1, a loopback address/],
      ["/webhook add http://169.254.169.254/latest", /link-local \(cloud metadata\)/],
      ["/webhook add ftp://example.com/x", /starts with https:\/\//],
      ["/webhook add", /Add which URL\?/],
      ["/webhook frobnicate", /I can add, list, remove or test webhooks/],
      ["/webhook remove 3", /You have no webhooks\./],
      ["/webhook test x!", /is not a webhook number/],
    ];
    for (const [command, reply] of cases) {
      expect((await bot.handleText(dm("bob"), command)).text, command).toMatch(reply);
    }
    const group: ChatContext = { platform: "telegram", platformUserId: "bob", chatId: "-100123" };
    const inGroup = await bot.handleText(group, `/webhook add http://hooks.test:${receiverPort}/ok`);
    expect(inGroup.text).toMatch(/private chat/);
    expect((await bot.handleText(dm("bob"), "/webhook list")).text).toMatch(/^You have no webhooks/);
  });

  it("tells the owner once, with their next command, that a failing webhook was turned off", async () => {
    const url = `http://hooks.test:${receiverPort}/broken`;
    await bot.handleText(dm("carol"), `/webhook add ${url}`);
    const [webhook] = await new AlertsClient({
      baseUrl: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
      token: TOKEN,
      platform: "telegram",
    }).listWebhooks("carol");
    // Two deliveries failed after their retries (what the deliverer records; its own suite drives it end to end).
    for (const triggerId of [`${webhook!.id}:1`, `${webhook!.id}:2`]) {
      await service.webhookDelivery.repository.recordOutcome(
        {
          webhookId: webhook!.id,
          triggerId,
          status: "failed",
          attempts: 5,
          error: "http_500: the receiver answered 500",
        },
        new Date(),
        2,
      );
    }
    const next = await bot.handleText(dm("carol"), "/watchlist");
    expect(next.text).toMatch(
      new RegExp(
        `^⚠️ I turned off your webhook ${url.replace(/[.:/]/g, "\\$&")} \\(http_500\\) after repeated failed deliveries`,
      ),
    );
    expect((await bot.handleText(dm("carol"), "/watchlist")).text).not.toContain("turned off");
    expect((await bot.handleText(dm("carol"), "/webhook list")).text).toContain(
      "turned off after 2 failed deliveries (http_500: the receiver answered 500); /webhook test 1 turns it on again",
    );
    const retest = await bot.handleText(dm("carol"), "/webhook test 1");
    expect(retest.text).toMatch(/^❌ The test delivery to .* failed: http_500/);
  });
});
