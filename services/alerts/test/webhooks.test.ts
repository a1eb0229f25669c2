// Outbound webhooks against a local receiver that checks every signature: delivery, de-duplication, retries,
// disabling (and the owner's notice), the test delivery, and the address refusals (private ranges, a redirect to
// loopback, a DNS answer that changes). DNS is a fake resolver (an external system's test double); the HTTP is
// real, on 127.0.0.2 (the receiver) and 127.0.0.1 (a trap nothing may reach).
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { InMemoryBus } from "@tickerbell/bus";
import { createLogger } from "@tickerbell/config";
import { type Notification, TOPIC_CATALOG, WebhookPayloadSchema } from "@tickerbell/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HostResolver, ResolvedAddress } from "../src/webhooks/address-guard.ts";
import { parseAllowList } from "../src/webhooks/address-guard.ts";
import { type AlertWorkers, startAlertWorkers } from "../src/workers.ts";
import { anotherPriceAlert, sql, startPostgresHarness } from "./harness.ts";

interface Received {
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
  signatureValid: boolean;
}

/** A receiver as an integrator would write it: verifies the signature over `<timestamp>.<body>`. */
class Receiver {
  readonly received: Received[] = [];
  readonly secrets = new Map<string, string>();
  /** Per path: answers to give in turn (the last one repeats); default 200. */
  readonly script = new Map<string, Array<{ status: number; location?: string }>>();
  server!: Server;
  port = 0;

  async listen(host: string): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const path = req.url ?? "/";
        const secret = this.secrets.get(path) ?? "";
        const timestamp = String(req.headers["x-tickerbell-timestamp"] ?? "");
        const expected = `v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
        const given = String(req.headers["x-tickerbell-signature"] ?? "");
        const signatureValid =
          given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
        this.received.push({ path, headers: req.headers, body, signatureValid });
        const answers = this.script.get(path) ?? [];
        const answer = answers.length > 1 ? answers.shift()! : (answers[0] ?? { status: 200 });
        res.writeHead(answer.status, answer.location ? { location: answer.location } : {});
        res.end();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, host, resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** DNS whose answers the test changes. */
class FakeDns implements HostResolver {
  readonly answers = new Map<string, string[]>();
  async resolve(hostname: string): Promise<ResolvedAddress[]> {
    const addresses = this.answers.get(hostname);
    if (!addresses) throw Object.assign(new Error(`queryA ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  }
}

const receiver = new Receiver();
const trap = new Receiver();
const dns = new FakeDns();
let h: Awaited<ReturnType<typeof startPostgresHarness>>;
let bus: InMemoryBus<typeof TOPIC_CATALOG>;
let workers: AlertWorkers;
let userId: string;
const as = "webhook-user";

beforeAll(async () => {
  await receiver.listen("127.0.0.2");
  await trap.listen("127.0.0.1");
  dns.answers.set("hooks.test", ["127.0.0.2"]);
  dns.answers.set("localhost", ["127.0.0.1"]);
  dns.answers.set("rebind.test", ["127.0.0.2"]);
  dns.answers.set("inner.test", ["10.1.2.3"]);
  dns.answers.set("mixed.test", ["127.0.0.2", "169.254.169.254"]);
  h = await startPostgresHarness({
    // hooks.test by name, and 127.0.0.2 by address: the receiver is on the operator's own machine.
    webhooks: { resolver: dns, allow: parseAllowList(["hooks.test", "127.0.0.2"]), timeoutMs: 5_000 },
  });
  const logger = createLogger({ service: "webhooks-test", level: "silent" });
  bus = new InMemoryBus({ catalog: TOPIC_CATALOG, logger });
  workers = await startAlertWorkers({
    service: h.service,
    bus,
    logger,
    expirySweepMs: null,
    webhookRetry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
    webhookDisableAfter: 2,
  });
  const resolved = await h.api("POST", "/v1/users/resolve", { body: { platformUserId: as } });
  userId = resolved.body.user.id;
});

afterAll(async () => {
  await workers?.stop();
  await bus?.close();
  await h?.close();
  await receiver.close();
  await trap.close();
});

/** Adds a webhook for `path` on the receiver; the receiver learns its secret. */
async function addWebhook(path: string, host = "hooks.test", user = as) {
  const url = `http://${host}:${receiver.port}${path}`;
  const res = await h.api("POST", "/v1/webhooks", { as: user, body: { url } });
  expect(res.status, res.text).toBe(201);
  receiver.secrets.set(path, res.body.secret);
  return res.body.webhook as { id: string; url: string };
}

let generation = 0;
async function fire(): Promise<Notification> {
  const alert = await h.api("POST", "/v1/alerts", {
    as,
    body: anotherPriceAlert({ note: `n${generation}` }),
  });
  generation += 1;
  expect(alert.status, alert.text).toBe(201);
  const a = alert.body;
  const notification: Notification = {
    v: 1,
    type: "triggered",
    triggerId: `${a.id}:0`,
    alertId: a.id,
    generation: 0,
    userId,
    origin: a.origin,
    symbol: a.symbol,
    condition: a.condition,
    price: 200.5,
    referencePrice: 190,
    moveAbs: 10.5,
    movePercent: 5.53,
    note: a.note,
    repeating: false,
    firedAt: new Date().toISOString(),
    level: 200,
    side: "upper",
  };
  await publish(notification);
  return notification;
}

async function publish(notification: Notification): Promise<void> {
  await bus.publish("notifications.telegram", [{ value: notification }]);
  await workers.webhooks.caughtUp();
}

async function webhookNamed(id: string) {
  const list = await h.api("GET", "/v1/webhooks", { as });
  return list.body.items.find((w: { id: string }) => w.id === id);
}

async function removeAll() {
  const list = await h.api("GET", "/v1/webhooks", { as });
  for (const w of list.body.items) await h.api("DELETE", `/v1/webhooks/${w.id}`, { as });
}

describe("adding webhooks", () => {
  it("refuses addresses inside the operator's network, with the reason", async () => {
    const refused: Array<[string, RegExp]> = [
      ["http://127.0.0.1/hook", /loopback/],
      ["http://localhost:8080/hook", /localhost resolves to 127\.0\.0\.1, a loopback address/],
      ["http://[::1]/hook", /loopback/],
      ["http://[::ffff:127.0.0.1]/hook", /loopback/],
      ["http://169.254.169.254/latest/meta-data", /link-local \(cloud metadata\)/],
      ["http://10.0.0.5/hook", /private/],
      ["http://192.168.1.10/hook", /private/],
      ["http://100.64.0.1/hook", /carrier-grade NAT/],
      ["http://[fd00:ec2::254]/hook", /unique local/],
      ["http://[fe80::1]/hook", /link-local/],
      ["http://[64:ff9b::a00:1]/hook", /private/],
      ["http://inner.test/hook", /inner\.test resolves to 10\.1\.2\.3, a private address/],
      ["http://mixed.test/hook", /169\.254\.169\.254/],
    ];
    for (const [url, message] of refused) {
      const res = await h.api("POST", "/v1/webhooks", { as, body: { url } });
      expect(res.status, url).toBe(400);
      expect(res.body.error.code, url).toBe("address_refused");
      expect(res.body.error.message, url).toMatch(message);
    }
  });

  it("refuses what is not an http(s) URL, and names that do not resolve", async () => {
    for (const [url, message] of [
      ["ftp://example.com/x", /https:\/\/ or http:\/\//],
      ["not a url", /is not a URL/],
      ["https://user:pw@example.com/", /user name or password/],
    ] as const) {
      const res = await h.api("POST", "/v1/webhooks", { as, body: { url } });
      expect(res.status, url).toBe(400);
      expect(JSON.stringify(res.body.error), url).toMatch(message);
    }
    const res = await h.api("POST", "/v1/webhooks", { as, body: { url: "https://nowhere.test/x" } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      code: "dns_failed",
      message: expect.stringMatching(/nowhere\.test/),
    });
  });

  it("shows the secret once, never in the list, and caps webhooks per user", async () => {
    const created = await h.api("POST", "/v1/webhooks", {
      as: "capped",
      body: { url: `http://hooks.test:${receiver.port}/cap0` },
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    for (let i = 1; i < 5; i++) await addWebhook(`/cap${i}`, "hooks.test", "capped");
    const list = await h.api("GET", "/v1/webhooks", { as: "capped" });
    expect(list.body.items).toHaveLength(5);
    expect(JSON.stringify(list.body)).not.toContain("whsec_");
    const sixth = await h.api("POST", "/v1/webhooks", {
      as: "capped",
      body: { url: `http://hooks.test:${receiver.port}/cap5` },
    });
    expect(sixth.status).toBe(409);
    expect(sixth.body.error.code).toBe("webhook_limit_reached");
    // Another user cannot see or remove them.
    const other = await h.api("DELETE", `/v1/webhooks/${created.body.webhook.id}`, { as });
    expect(other.status).toBe(404);
  });
});

describe("delivering firings", () => {
  it("POSTs every firing once, signed, in the versioned schema", async () => {
    await removeAll();
    const webhook = await addWebhook("/ok");
    const n = await fire();
    const [got] = receiver.at("/ok");
    expect(receiver.at("/ok")).toHaveLength(1);
    expect(got!.signatureValid).toBe(true);
    expect(got!.headers["x-tickerbell-event"]).toBe("alert.triggered");
    expect(got!.headers["x-tickerbell-delivery"]).toBe(`${webhook.id}:${n.triggerId}`);
    const payload = WebhookPayloadSchema.parse(JSON.parse(got!.body));
    expect(payload).toMatchObject({
      v: 1,
      type: "alert.triggered",
      id: `${webhook.id}:${n.triggerId}`,
      webhookId: webhook.id,
      alert: { id: n.alertId, symbol: "AAPL", note: n.note, platform: "telegram" },
      firing: { triggerId: n.triggerId, price: 200.5, level: 200, side: "upper" },
    });
    // The same firing again (a replay, a re-emission): the webhook's delivery log has it.
    await publish({ ...n, again: true });
    expect(receiver.at("/ok")).toHaveLength(1);
    expect((await webhookNamed(webhook.id)).lastDeliveryAt).not.toBeNull();
  });

  it("retries a failing receiver with backoff until it takes the delivery", async () => {
    await removeAll();
    receiver.script.set("/flaky", [{ status: 503 }, { status: 500 }, { status: 204 }]);
    const webhook = await addWebhook("/flaky");
    await fire();
    const got = receiver.at("/flaky");
    expect(got).toHaveLength(3);
    expect(got.every((r) => r.signatureValid)).toBe(true);
    expect(new Set(got.map((r) => r.headers["x-tickerbell-delivery"])).size).toBe(1);
    expect(await webhookNamed(webhook.id)).toMatchObject({ status: "active", consecutiveFailures: 0 });
  });

  it("does not retry a refusal (4xx), disables after repeated failures and tells the owner", async () => {
    await removeAll();
    receiver.script.set("/gone", [{ status: 410 }]);
    const webhook = await addWebhook("/gone");
    await fire();
    expect(receiver.at("/gone")).toHaveLength(1);
    expect(await webhookNamed(webhook.id)).toMatchObject({
      status: "active",
      consecutiveFailures: 1,
      lastError: expect.stringMatching(/^http_410/),
    });
    await fire();
    expect(receiver.at("/gone")).toHaveLength(2);
    expect(await webhookNamed(webhook.id)).toMatchObject({ status: "disabled", consecutiveFailures: 2 });
    // Disabled: the next firing is not sent.
    await fire();
    expect(receiver.at("/gone")).toHaveLength(2);

    // The owner hears about it with their next command, once.
    const notices = await h.api("GET", "/v1/deliveries/undeliverable", { as });
    expect(notices.body.webhooks).toEqual([
      expect.objectContaining({ webhookId: webhook.id, url: webhook.url, lastError: expect.any(String) }),
    ]);
    const ack = await h.api("POST", "/v1/deliveries/undeliverable/ack", {
      as,
      body: { webhookIds: [webhook.id] },
    });
    expect(ack.body.acknowledged).toBe(1);
    expect((await h.api("GET", "/v1/deliveries/undeliverable", { as })).body.webhooks).toBeUndefined();

    // A test delivery that succeeds brings it back.
    receiver.script.set("/gone", [{ status: 200 }]);
    const test = await h.api("POST", `/v1/webhooks/${webhook.id}/test`, { as });
    expect(test.status).toBe(200);
    expect(test.body).toMatchObject({
      ok: true,
      status: 200,
      webhook: { status: "active", consecutiveFailures: 0 },
    });
    const sent = receiver.at("/gone").at(-1)!;
    expect(sent.signatureValid).toBe(true);
    expect(JSON.parse(sent.body)).toMatchObject({ type: "webhook.test", alert: null, firing: null });
  });

  it("gives up on a receiver that keeps failing after its retries, and counts it", async () => {
    await removeAll();
    receiver.script.set("/down", [{ status: 500 }]);
    const webhook = await addWebhook("/down");
    await fire();
    expect(receiver.at("/down")).toHaveLength(3);
    expect(await webhookNamed(webhook.id)).toMatchObject({
      status: "active",
      consecutiveFailures: 1,
      lastError: expect.stringMatching(/^http_500/),
    });
  });
});

describe("retention", () => {
  it("forgets webhook delivery records after the history retention, as the alerts' own", async () => {
    const [{ n: before }] = await sql(h.db.url, "select count(*)::int as n from webhook_deliveries");
    expect(before).toBeGreaterThan(0);
    expect(await h.service.webhookDelivery.purge()).toBe(0);
    h.clock.advance(91 * 86_400_000);
    expect(await h.service.webhookDelivery.purge()).toBe(before);
    h.clock.advance(-91 * 86_400_000);
  });
});

describe("address refusals at delivery", () => {
  it("follows a redirect only to an address it may reach: never to loopback", async () => {
    await removeAll();
    receiver.script.set("/moved", [{ status: 308, location: "/ok-after-redirect" }]);
    receiver.secrets.set("/ok-after-redirect", "");
    const moved = await addWebhook("/moved");
    receiver.secrets.set("/ok-after-redirect", receiver.secrets.get("/moved")!);
    await fire();
    expect(receiver.at("/ok-after-redirect")).toHaveLength(1);
    expect(receiver.at("/ok-after-redirect")[0]!.signatureValid).toBe(true);
    await h.api("DELETE", `/v1/webhooks/${moved.id}`, { as });

    for (const [path, target] of [
      ["/to-loopback", `http://127.0.0.1:${trap.port}/stolen`],
      ["/to-localhost", `http://localhost:${trap.port}/stolen`],
      ["/to-metadata", "http://169.254.169.254/latest/meta-data/"],
    ] as const) {
      receiver.script.set(path, [{ status: 302, location: target }]);
      const webhook = await addWebhook(path);
      await fire();
      expect(receiver.at(path), path).toHaveLength(1); // refused: not retried
      expect(await webhookNamed(webhook.id), path).toMatchObject({
        lastError: expect.stringMatching(/^address_refused/),
      });
      await h.api("DELETE", `/v1/webhooks/${webhook.id}`, { as });
    }
    expect(trap.received).toEqual([]);
  });

  it("checks the DNS answer at every delivery and connects to the address it checked", async () => {
    await removeAll();
    dns.answers.set("rebind.test", ["127.0.0.2"]);
    // rebind.test is not allowed by name: only its answer 127.0.0.2 (allowed by address) lets it in.
    const webhook = await addWebhook("/rebind", "rebind.test");
    await fire();
    // The system resolver knows no rebind.test: the delivery arrived through the address the guard vetted.
    expect(receiver.at("/rebind")).toHaveLength(1);
    expect(receiver.at("/rebind")[0]!.signatureValid).toBe(true);

    dns.answers.set("rebind.test", ["127.0.0.1"]);
    await fire();
    expect(receiver.at("/rebind")).toHaveLength(1);
    expect(trap.received).toEqual([]);
    expect(await webhookNamed(webhook.id)).toMatchObject({
      lastError: expect.stringMatching(
        /^address_refused: the host rebind\.test resolves to 127\.0\.0\.1, a loopback address/,
      ),
    });
  });
});
