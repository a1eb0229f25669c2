import type { SymbolFeed } from "@tickerbell/contracts";
import { describe, expect, it } from "vitest";
import { alertFeedNote, formatLag, listFeedNotes, priceFeedNote } from "./feed.ts";

const polled = (seconds: number, cap = 50): SymbolFeed => ({
  path: "polled",
  maxStalenessSeconds: seconds,
  streamCap: cap,
});
const streamed: SymbolFeed = { path: "streamed", maxStalenessSeconds: null, streamCap: 50 };

describe("feed wording", () => {
  it("says how often a polled symbol is checked and how late its alert can fire", () => {
    expect(alertFeedNote("AAPL", polled(40))).toBe(
      "⏱ AAPL is checked every ~40 s (the live stream carries the 50 most urgent symbols), so this alert can fire up to 40 s late.",
    );
    expect(priceFeedNote("AAPL", polled(40))).toBe(
      "⏱ AAPL is checked every ~40 s (the live stream carries the 50 most urgent symbols), so its price can be up to 40 s old.",
    );
  });

  it("says nothing for a streamed symbol, nor where everything streams", () => {
    expect(alertFeedNote("AAPL", streamed)).toBeNull();
    expect(priceFeedNote("AAPL", streamed)).toBeNull();
    expect(alertFeedNote("AAPL", undefined)).toBeNull();
    expect(alertFeedNote("AAPL", { path: "idle", maxStalenessSeconds: null, streamCap: null })).toBeNull();
  });

  it("warns on a new alert's symbol nobody watched while the stream is full; /price stays quiet on it", () => {
    const idle: SymbolFeed = { path: "idle", maxStalenessSeconds: 75, streamCap: 1 };
    expect(alertFeedNote("NEWCO", idle)).toBe(
      "⏱ Unless it ranks among the most urgent (the live stream carries the 1 most urgent symbol), NEWCO will be checked every ~75 s, so this alert can fire up to 75 s late.",
    );
    expect(priceFeedNote("NEWCO", idle)).toBeNull();
  });

  it("lists one line per polled symbol under /alerts", () => {
    expect(
      listFeedNotes(["MSFT", "AAPL", "MSFT", "TSLA"], { AAPL: streamed, MSFT: polled(150), TSLA: polled(3) }),
    ).toEqual([
      "⏱ MSFT is checked every ~3 min (the live stream carries the 50 most urgent symbols): its alerts can fire up to 3 min late.",
      "⏱ TSLA is checked every ~3 s (the live stream carries the 50 most urgent symbols): its alerts can fire up to 3 s late.",
    ]);
  });

  it("rounds lags up to whole seconds, minutes from two minutes on", () => {
    expect([
      formatLag(0),
      formatLag(0.2),
      formatLag(41.5),
      formatLag(119),
      formatLag(150),
      formatLag(3600),
    ]).toEqual(["1 s", "1 s", "42 s", "119 s", "3 min", "60 min"]);
  });
});
