import { createServer, type Server } from "node:http";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, describe, expect, it } from "vitest";
import { withDeadline } from "./deadline.ts";

setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
});

/** A server that takes the connection and never answers. */
async function silentServer(): Promise<string> {
  server = createServer(() => {});
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
}

describe("withDeadline", () => {
  it("aborts a fetch to a server that never answers, however the garbage collector runs meanwhile", async () => {
    const url = await silentServer();
    const outcome = withDeadline(300, (signal) => fetch(url, { signal })).then(
      () => "answered",
      (error: unknown) => String(error),
    );
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      collectGarbage();
    }
    const settled = await Promise.race([
      outcome,
      new Promise((resolve) => setTimeout(() => resolve("still waiting"), 5_000)),
    ]);
    expect(settled).toMatch(/no answer within 300 ms/);
  });

  it("answers what the work answers", async () => {
    expect(await withDeadline(1_000, async () => 42)).toBe(42);
  });
});
