import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newUser, type Stack, startStack } from "./harness.ts";

// The pricing service accepts connections and never answers. Discord's 3-second window must still be met:
// autocomplete answers with no choices before it closes, and a command defers at once, then explains.

let blackHole: Server;
const sockets = new Set<Socket>();
let stack: Stack;

beforeAll(async () => {
  blackHole = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => blackHole.listen(0, "127.0.0.1", resolve));
  const address = blackHole.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  stack = await startStack({ pricingUrl: `http://127.0.0.1:${address.port}` });
});

afterAll(async () => {
  await stack?.close();
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => blackHole?.close(resolve));
});

describe("a pricing service that does not answer", () => {
  it("autocomplete still answers inside the window, with no choices", async () => {
    const sent = stack.fake.autocomplete(newUser(), "price", { ticker: "AA" }, "ticker");
    // The fake refuses a callback that comes after its 3-second window (10062) and records only accepted ones.
    expect(await sent.choices(10_000)).toEqual([]);
    expect(stack.fake.interactionResponses(sent.id)).toHaveLength(1);
  });

  it("a command is deferred at once and then told the service is unreachable", async () => {
    const sent = stack.fake.slashCommand(newUser(), "price", { ticker: "AAPL" });
    expect((await sent.acknowledged()).type).toBe(5);
    // The pricing client gives up after 5 s; on a machine busy with other suites that can take far longer, and
    // only the outcome is asserted here (the deferral inside Discord's window is, above).
    const reply = await sent.reply(60_000);
    expect(reply.flags & 64).toBe(64);
    expect(reply.content).toMatch(/trouble reaching its services/);
  }, 90_000);
});
