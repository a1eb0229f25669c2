import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PriceTick } from "@tickerbell/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ReplaySource } from "./replay-source.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "pricing-replay-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("ReplaySource", () => {
  it("delivers the recorded ticks of subscribed symbols in file order", async () => {
    const path = join(dir, "ticks.jsonl");
    const lines = [
      "# recorded 2026-11-24",
      JSON.stringify({ v: 1, symbol: "AAPL", price: 190, ts: 1 }),
      JSON.stringify({ v: 1, symbol: "MSFT", price: 410, ts: 2 }),
      "",
      JSON.stringify({ v: 1, symbol: "AAPL", price: 191, ts: 3, volume: 5 }),
    ];
    await writeFile(path, `${lines.join("\n")}\n`);
    const source = new ReplaySource({ path });
    source.subscribe(["AAPL"]);
    const got: PriceTick[] = [];
    await source.start((t) => got.push(t));
    expect(await source.finished).toBe(2);
    expect(got).toEqual([
      { v: 1, symbol: "AAPL", price: 190, ts: 1 },
      { v: 1, symbol: "AAPL", price: 191, ts: 3, volume: 5 },
    ]);
  });

  it("names the line that is not a tick", async () => {
    const path = join(dir, "bad.jsonl");
    await writeFile(path, `${JSON.stringify({ v: 1, symbol: "AAPL", price: -1, ts: 1 })}\n`);
    const source = new ReplaySource({ path });
    await source.start(() => {});
    await expect(source.finished).rejects.toThrow(/bad\.jsonl:1: not a price tick/);
  });
});
