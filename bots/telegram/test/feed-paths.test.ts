// Issue 17 item 6 through telegraf: a symbol the capped Finnhub websocket does not carry is polled, and the user
// is told so. The pricing API quotes through the fake Finnhub's /quote and tells the feed paths of a real
// FinnhubSource on the fake's websocket with a cap of 1.
import { createLogger } from "@tickerbell/config";
import {
  CachedMarketData,
  CallBudget,
  FinnhubMarketData,
  FinnhubRestClient,
  FinnhubSource,
} from "@tickerbell/pricing";
import { FakeFinnhub } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "./harness.ts";

let fake: FakeFinnhub;
let source: FinnhubSource;
let world: World;

beforeAll(async () => {
  fake = await FakeFinnhub.start({ pingIntervalMs: 500 });
  const t = Math.floor(Date.now() / 1000);
  fake.setQuote("AAPL", { c: 190, pc: 188, t });
  fake.setQuote("MSFT", { c: 410, pc: 400, t });
  const rest = new FinnhubRestClient({
    baseUrl: fake.restUrl,
    apiKey: fake.apiKey,
    budget: new CallBudget({ callsPerWindow: 60 }),
  });
  source = new FinnhubSource({
    wsUrl: fake.wsUrl,
    apiKey: fake.apiKey,
    rest,
    symbolCap: 1,
    log: createLogger({ service: "feed-paths-test", level: "silent" }),
    // 48 background polls a minute, as the pricing service spaces them on the free tier.
    pollSpacingMs: 1_250,
  });
  await source.start(() => {});
  source.subscribe(["AAPL", "MSFT"]);
  await fake.waitFor(() => fake.subscriptions().join() === "AAPL", "AAPL on the socket");
  world = await startWorld({
    marketData: new CachedMarketData(new FinnhubMarketData(rest)),
    priceSource: source,
  });
});
afterAll(async () => {
  await world?.close();
  await source?.stop();
  await fake?.close();
});

describe("a polled symbol, as a Telegram user hears of it", () => {
  it("is named in the confirmation, /price and /alerts; the streamed one is not", async () => {
    const ann = { id: 7101, first_name: "Ann" };
    // One polled symbol at one poll per 1.25 s: checked every ~2 s.
    const polled = await world.say(ann, "/alert MSFT above 500");
    expect(polled.text).toBe(
      "✅ Alert set: MSFT above $500.00\nMSFT is at $410.00 now.\n⏱ MSFT is checked every ~2 s (the live stream carries the 1 most urgent symbol), so this alert can fire up to 2 s late.",
    );
    const streamed = await world.say(ann, "/alert AAPL above 200");
    expect(streamed.text).toBe("✅ Alert set: AAPL above $200.00\nAAPL is at $190.00 now.");

    const price = await world.say(ann, "/price MSFT AAPL");
    expect(price.text).toBe(
      [
        "MSFT $410.00 +$10.00 (+2.50%) today",
        "⏱ MSFT is checked every ~2 s (the live stream carries the 1 most urgent symbol), so its price can be up to 2 s old.",
        "AAPL $190.00 +$2.00 (+1.06%) today",
      ].join("\n"),
    );

    const list = await world.say(ann, "/alerts");
    expect(list.text?.split("\n").filter((l) => l.startsWith("⏱"))).toEqual([
      "⏱ MSFT is checked every ~2 s (the live stream carries the 1 most urgent symbol): its alerts can fire up to 2 s late.",
    ]);
  });
});
