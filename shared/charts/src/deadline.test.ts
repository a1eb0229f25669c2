import { describe, expect, it } from "vitest";
import { chartWithin } from "./deadline.ts";

describe("chartWithin", () => {
  it("gives the chart when it is made in time", async () => {
    const png = Buffer.from("png");
    expect(await chartWithin(5_000, async () => png)).toEqual({ png, missing: null });
  });

  it("gives no chart, and says why, when the chart is not made within the budget", async () => {
    let sawAbort = false;
    const outcome = await chartWithin(
      20,
      (signal) =>
        new Promise<Buffer>(() => {
          signal.addEventListener("abort", () => {
            sawAbort = true;
          });
        }),
    );
    expect(outcome).toEqual({ png: null, missing: "chart not ready within 20 ms" });
    expect(sawAbort).toBe(true);
  });

  it("gives no chart when making it fails", async () => {
    const outcome = await chartWithin(5_000, async () => {
      throw new Error("resvg said no");
    });
    expect(outcome).toEqual({ png: null, missing: "chart failed: resvg said no" });
  });

  it("refuses a budget that is no duration", async () => {
    await expect(chartWithin(Number.NaN, async () => Buffer.alloc(0))).rejects.toThrow(/got NaN/);
  });
});
