import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConsoleCompleter, completeCommand } from "../src/completion.ts";
import { startWorld, type World } from "./world.ts";

// What Tab offers, against the real alert service and pricing API (the simulated market's symbols).
let world: World;
const user = { platform: "console" as const, platformUserId: "completion-user", chatId: "console" };

beforeAll(async () => {
  world = await startWorld();
}, 60_000);

afterAll(async () => {
  await world?.close();
});

describe("console completion", () => {
  it("completes command names, with or without the slash", () => {
    expect(completeCommand("/ale")).toEqual(["/alert", "/alerts"]);
    expect(completeCommand("/WATCHL")).toEqual(["/watchlist"]);
    expect(completeCommand("qu")).toEqual(["quit"]);
    expect(completeCommand("/zz")).toEqual([]);
  });

  it("completes tickers where a command takes one, and nothing elsewhere", async () => {
    const completer = new ConsoleCompleter(
      { alerts: world.alerts, prices: world.prices },
      user.platformUserId,
    );
    expect(await completer.complete("/ale")).toEqual([["/alert", "/alerts"], "/ale"]);
    expect(await completer.complete("/hel")).toEqual([["/help "], "/hel"]);
    expect(await completer.complete("/alert aap")).toEqual([["AAPL "], "aap"]);
    expect(await completer.complete("/alert $nfl")).toEqual([["$NFLX "], "$nfl"]);
    expect(await completer.complete("/price AAPL goo")).toEqual([["GOOGL", "GOOG"], "goo"]);
    // The condition of an alert is no ticker; neither is a number.
    expect(await completer.complete("/alert AAPL ab")).toEqual([[], "ab"]);
    expect(await completer.complete("/delete 2")).toEqual([[], "2"]);
    // `/delete AAPL` deletes every alert on a ticker.
    expect(await completer.complete("/delete aap")).toEqual([["AAPL "], "aap"]);
    expect(await completer.complete("/pause nfl")).toEqual([["NFLX "], "nfl"]);
    // Crypto and forex pairs, prefix and all.
    expect(await completer.complete("/alert binance:b")).toEqual([["BINANCE:BTCUSDT "], "binance:b"]);
    expect(await completer.complete("/price OANDA:EUR")).toEqual([["OANDA:EUR_USD "], "OANDA:EUR"]);
    expect(await completer.complete("/watch oanda:eur_u")).toEqual([["OANDA:EUR_USD "], "oanda:eur_u"]);
  });

  it("offers the user's own tickers first, looked up again after a command", async () => {
    const completer = new ConsoleCompleter(
      { alerts: world.alerts, prices: world.prices },
      user.platformUserId,
    );
    // A user nobody has seen yet has no tickers: nothing to offer, and no failure.
    expect(await completer.complete("/price ")).toEqual([[], ""]);
    await world.handler.handleText(user, "/watch TSLA");
    await world.handler.handleText(user, "/alert MSFT above 9000");
    // Known from before the commands until told to look again.
    expect(await completer.complete("/price ")).toEqual([[], ""]);
    completer.forget();
    expect(await completer.complete("/price ")).toEqual([["MSFT", "TSLA"], ""]);
    // "t": the user's TSLA comes before what search finds (which ranks T, the exact match, first).
    const [offered] = await completer.complete("/alerts t");
    expect(offered[0]).toBe("TSLA");
    expect(offered).toContain("T");
    expect(offered.filter((t) => t === "TSLA")).toHaveLength(1);
  });
});
