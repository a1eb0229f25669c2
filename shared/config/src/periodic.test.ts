import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.ts";
import { PeriodicPass } from "./periodic.ts";

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ service: "periodic", level: "info", destination }), lines };
}

describe("PeriodicPass", () => {
  it("runs one pass at a time: a pass asked for during another starts after it", async () => {
    const { logger } = capturingLogger();
    const events: string[] = [];
    let n = 0;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const passes = new PeriodicPass(
      async () => {
        const i = ++n;
        events.push(`start ${i}`);
        if (i === 1) await gate;
        events.push(`end ${i}`);
        return i;
      },
      { intervalMs: 60_000, fallback: 0, logger, failure: "pass failed" },
    );
    const first = passes.runOnce();
    const second = passes.runOnce();
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(["start 1"]);
    release();
    expect([await first, await second]).toEqual([1, 2]);
    expect(events).toEqual(["start 1", "end 1", "start 2", "end 2"]);
  });

  it("logs a failed pass, answers the fallback, and runs the next one", async () => {
    const { logger, lines } = capturingLogger();
    let n = 0;
    const passes = new PeriodicPass(
      async () => {
        n++;
        if (n === 1) throw new Error("the database would not answer");
        return 7;
      },
      { intervalMs: 60_000, fallback: -1, logger, failure: "pass failed; the next pass retries" },
    );
    expect(await passes.runOnce()).toBe(-1);
    expect(await passes.runOnce()).toBe(7);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([["warn", "pass failed; the next pass retries"]]);
    expect(JSON.stringify(lines[0]?.err)).toContain("the database would not answer");
  });

  it("runs a pass at start, and stop waits for the pass at work", async () => {
    const { logger } = capturingLogger();
    let finished = 0;
    const passes = new PeriodicPass(
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        finished++;
        return finished;
      },
      { intervalMs: 60_000, fallback: 0, logger, failure: "pass failed" },
    );
    passes.start();
    passes.start();
    await passes.stop();
    expect(finished).toBe(1);
  });
});
