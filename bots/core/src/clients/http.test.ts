import { createServer, type Socket } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { JsonClient, ServiceUnavailableError } from "./http.ts";

// A service that accepts the connection and never answers: the call must give up after its timeout however
// the garbage collector runs meanwhile (an AbortSignal.timeout handed to fetch through a Request it copies is
// held only weakly: once collected, the timeout never fired and a command waited for ever).
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

const server = createServer((socket) => sockets.add(socket));
const sockets = new Set<Socket>();
let baseUrl = "";
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  baseUrl = `http://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

describe("JsonClient against a service that never answers", () => {
  it("gives up after its timeout even when garbage is collected while it waits", async () => {
    const client = new JsonClient({ service: "the pricing service", baseUrl, token: "t", timeoutMs: 300 });
    const started = performance.now();
    const call = client.call("GET", "/v1/quote/AAPL", z.unknown());
    const outcome = call.then(
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
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });
});

describe("JsonClient cancelled by its caller", () => {
  it("closes the connection when the caller's signal aborts, and when it was aborted before the call", async () => {
    const client = new JsonClient({
      service: "the pricing service",
      baseUrl,
      token: "t",
      timeoutMs: 600_000,
    });
    const closedBefore = () => [...sockets].filter((s) => s.closed || s.readableEnded).length;
    const settledWithin = (call: Promise<unknown>) =>
      Promise.race([
        call.then(
          () => "answered",
          (error: unknown) => error,
        ),
        new Promise((resolve) => setTimeout(() => resolve("still waiting"), 5_000)),
      ]);

    const cancel = new AbortController();
    const call = client.call("GET", "/v1/bars/AAPL", z.unknown(), { signal: cancel.signal });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const before = closedBefore();
    cancel.abort();
    expect(await settledWithin(call)).toBeInstanceOf(ServiceUnavailableError);
    // The service sees its end of the connection closed (the socket it accepted for this call ends).
    while (closedBefore() === before) await new Promise((resolve) => setTimeout(resolve, 20));

    const cancelled = AbortSignal.abort();
    expect(
      await settledWithin(client.call("GET", "/v1/bars/MSFT", z.unknown(), { signal: cancelled })),
    ).toBeInstanceOf(ServiceUnavailableError);
  }, 20_000);
});
