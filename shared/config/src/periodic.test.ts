import { Writable } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "./logger.ts";
import { PeriodicPass } from "./periodic.ts";

function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, logger: createLogger({ service: "test", destination }) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("PeriodicPass", () => {
  it("runs passes one at a time: a pass asked for while one is at work starts after it", async () => {
    const { logger } = capturedLogger();
    const order: string[] = [];
    const gates: Array<PromiseWithResolvers<void>> = [];
    let n = 0;
    const passes = new PeriodicPass({
      everyMs: 60_000,
      logger,
      failure: { result: -1, message: "pass failed" },
      pass: async () => {
        const mine = ++n;
        order.push(`start ${mine}`);
        const gate = Promise.withResolvers<void>();
        gates.push(gate);
        await gate.promise;
        order.push(`end ${mine}`);
        return mine;
      },
    });
    const first = passes.runOnce();
    const second = passes.runOnce();
    await vi.waitFor(() => expect(gates).toHaveLength(1));
    expect(order).toEqual(["start 1"]);
    gates[0]!.resolve();
    await vi.waitFor(() => expect(gates).toHaveLength(2));
    gates[1]!.resolve();
    expect([await first, await second]).toEqual([1, 2]);
    expect(order).toEqual(["start 1", "end 1", "start 2", "end 2"]);
  });

  it("logs a failed pass, answers the fallback, and the next pass runs again", async () => {
    const { lines, logger } = capturedLogger();
    let calls = 0;
    const passes = new PeriodicPass({
      everyMs: 60_000,
      logger,
      failure: { result: 0, message: "digest pass failed; the next pass retries" },
      pass: async () => {
        calls++;
        if (calls === 1) throw new Error("alert service unreachable");
        return 7;
      },
    });
    expect(await passes.runOnce()).toBe(0);
    expect(await passes.runOnce()).toBe(7);
    const warning = lines.find((l) => l.msg === "digest pass failed; the next pass retries");
    expect(warning?.level).toBe("warn");
    expect((warning?.err as { message?: string } | undefined)?.message).toBe("alert service unreachable");
  });

  it("runs a pass at start and then every interval until stopped; stop waits for the pass at work", async () => {
    vi.useFakeTimers();
    const { logger } = capturedLogger();
    let runs = 0;
    let release: (() => void) | undefined;
    const passes = new PeriodicPass({
      everyMs: 1_000,
      logger,
      failure: { result: undefined, message: "failed" },
      pass: async () => {
        runs++;
        if (runs === 3) await new Promise<void>((resolve) => (release = resolve));
      },
    });
    passes.start();
    passes.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(runs).toBe(2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(runs).toBe(3);
    let stopped = false;
    const stopping = passes.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(stopped).toBe(false);
    release?.();
    await stopping;
    expect(runs).toBe(3);
  });
});
