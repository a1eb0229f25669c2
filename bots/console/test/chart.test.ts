import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConsoleChat } from "../src/console-chat.ts";
import { startWorld, type World } from "./world.ts";

let world: World;
beforeAll(async () => {
  world = await startWorld();
}, 120_000);
afterAll(async () => {
  await world?.close();
});

describe("/chart on the console", () => {
  it("writes the PNG to a file, prints its path and a one-line sparkline; refuses a bad window", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = "";
    output.on("data", (chunk) => {
      printed += String(chunk);
    });
    const chartDir = join(world.dataDir, "charts");
    const chat = new ConsoleChat({
      handler: world.handler,
      input,
      output,
      user: { platform: "console", platformUserId: "charting", chatId: "console" },
      chartDir,
    });
    chat.start();
    input.end("/chart AAPL 5d\n/chart AAPL 3w\n");
    await chat.closed;

    const lines = printed.split("\n");
    const caption = lines.findIndex((line) => /AAPL · 5d · last \$[\d,]+\.\d\d$/.test(line));
    expect(caption, printed).toBeGreaterThanOrEqual(0);
    expect(lines[caption + 1]).toMatch(/^[▁▂▃▄▅▆▇█]{10,40}$/);
    const path = /^Chart saved to (.+)$/.exec(lines[caption + 2] ?? "")?.[1];
    expect(path).toBe(join(chartDir, "AAPL-5d.png"));
    const png = readFileSync(path!);
    expect(png.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
    expect({ width: png.readUInt32BE(16), height: png.readUInt32BE(20) }).toEqual({
      width: 800,
      height: 450,
    });
    expect(printed).toContain('A chart spans 1d, 5d, 1m (a month), 6m or 1y, not "3w".');
  }, 180_000);
});
