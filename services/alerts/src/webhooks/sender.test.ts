import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AddressGuard, parseAllowList } from "./address-guard.ts";
import { WebhookDeliveryError, WebhookSender } from "./sender.ts";

// A receiver that takes the request and never answers: the delivery gives up (retryably) instead of hanging.
let silent: Server;
beforeAll(async () => {
  silent = createServer(() => {});
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
});
afterAll(async () => {
  silent.closeAllConnections();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

describe("WebhookSender", () => {
  it("gives up on a receiver that never answers, as a retryable timeout", async () => {
    const sender = new WebhookSender({
      guard: new AddressGuard({ allow: parseAllowList(["127.0.0.1"]) }),
      timeoutMs: 200,
    });
    const port = (silent.address() as AddressInfo).port;
    const failure = await sender
      .send({
        url: `http://127.0.0.1:${port}/`,
        secret: "s",
        body: "{}",
        event: "webhook.test",
        deliveryId: "d",
      })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WebhookDeliveryError);
    expect(failure).toMatchObject({ code: "timeout", retryable: true, status: null });
  });
});
