import { describe, expect, it } from "vitest";
import { buttonRows, discordText, refusalText } from "./discord-bot.ts";

describe("buttonRows", () => {
  it("packs core rows into at most five rows of five, keeping each row's buttons together", () => {
    const rows = Array.from({ length: 12 }, (_, i) => [
      { label: `Pause ${i + 1}`, action: `pause:${i}` },
      { label: `Delete ${i + 1}`, action: `delete:${i}` },
    ]);
    const packed = buttonRows(rows).map((row) =>
      row.toJSON().components.map((b) => ("custom_id" in b ? b.custom_id : "")),
    );
    expect(packed).toHaveLength(5);
    expect(packed[0]).toEqual(["pause:0", "delete:0", "pause:1", "delete:1"]);
    expect(packed.flat()).toHaveLength(20);
    expect(buttonRows([])).toEqual([]);
  });
});

describe("discordText", () => {
  it("turns core markup and typed command names into Discord's", () => {
    expect(discordText("*Your alerts* (2)\nSee /alerts.")).toBe("**Your alerts** (2)\nSee /alert list.");
    expect(discordText("Add tickers with /watch AAPL MSFT")).toBe("Add tickers with /watchlist add");
  });

  it("shows a refusal with its example as a slash command", () => {
    expect(refusalText({ message: "Above what price?", example: "/alert AAPL above 200" })).toBe(
      "Above what price?\nExample: `/alert price ticker:AAPL condition:above value:200`",
    );
  });
});
