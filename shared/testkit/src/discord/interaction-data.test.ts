import { describe, expect, it } from "vitest";
import { buildCommandData, type DeclaredCommand } from "./interaction-data.ts";

const watchlist: DeclaredCommand = {
  id: "42",
  name: "watchlist",
  options: [
    {
      type: 2,
      name: "manage",
      options: [{ type: 1, name: "add", options: [{ type: 3, name: "ticker", required: true }] }],
    },
    {
      type: 1,
      name: "show",
      options: [{ type: 4, name: "limit", min_value: 1, max_value: 25 }],
    },
  ],
};

describe("buildCommandData", () => {
  it("nests group and subcommand options with declared types", () => {
    expect(buildCommandData("watchlist manage add", { ticker: "AAPL" }, watchlist, {})).toEqual({
      id: "42",
      name: "watchlist",
      type: 1,
      options: [
        {
          name: "manage",
          type: 2,
          options: [{ name: "add", type: 1, options: [{ name: "ticker", type: 3, value: "AAPL" }] }],
        },
      ],
    });
  });

  it("refuses what Discord's client would never send", () => {
    expect(() => buildCommandData("watchlist show", { limit: 1.5 }, watchlist, {})).toThrow(/integer/);
    expect(() => buildCommandData("watchlist show", { limit: 30 }, watchlist, {})).toThrow(/<= 25/);
    expect(() => buildCommandData("watchlist", {}, watchlist, {})).toThrow(/needs a subcommand/);
    expect(() => buildCommandData("watchlist manage add", {}, watchlist, {})).toThrow(
      /requires option "ticker"/,
    );
  });

  it("sends the focused option as raw text and skips required checks while typing", () => {
    const data = buildCommandData("watchlist show", { limit: 2 }, watchlist, { focused: "limit" });
    expect(data.options).toEqual([
      { name: "show", type: 1, options: [{ name: "limit", type: 4, value: "2", focused: true }] },
    ]);
    const empty = buildCommandData("watchlist manage add", {}, watchlist, { focused: "ticker" });
    expect(JSON.stringify(empty)).toContain('"focused":true');
  });

  it("infers types from values when nothing is registered", () => {
    expect(
      buildCommandData("price", { ticker: "AAPL", n: 3, x: 1.5, on: true }, undefined, {}).options,
    ).toEqual([
      { name: "ticker", type: 3, value: "AAPL" },
      { name: "n", type: 4, value: 3 },
      { name: "x", type: 10, value: 1.5 },
      { name: "on", type: 5, value: true },
    ]);
  });
});
