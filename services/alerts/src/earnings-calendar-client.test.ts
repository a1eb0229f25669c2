import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { PricingEarningsCalendar } from "./earnings-calendar-client.ts";

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** A pricing service at a local port: `answer` decides each reply (or never replies). */
async function pricingAt(answer: (reply: (status: number, body: string) => void) => void): Promise<string> {
  server = createServer((_req, res) => answer((status, body) => res.writeHead(status).end(body)));
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

describe("PricingEarningsCalendar", () => {
  it("gives up on a pricing service that never answers, after its timeout", async () => {
    const calendar = new PricingEarningsCalendar({ baseUrl: await pricingAt(() => {}), timeoutMs: 200 });
    await expect(calendar.upcoming("AAPL")).rejects.toThrow(/could not reach the pricing service for AAPL/);
  });

  it("says what the pricing service answered when it refuses", async () => {
    const calendar = new PricingEarningsCalendar({
      baseUrl: await pricingAt((reply) => reply(503, '{"error":{"code":"rate_limited"}}')),
    });
    await expect(calendar.upcoming("AAPL")).rejects.toThrow(/answered 503 to AAPL's earnings calendar/);
  });
});
