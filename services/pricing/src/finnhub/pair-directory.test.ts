import { FakeFinnhub } from "@tickerbell/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { CallBudget } from "./call-budget.ts";
import { PairDirectory } from "./pair-directory.ts";
import { FinnhubRestClient } from "./rest-client.ts";

let fake: FakeFinnhub | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function directory(options: { restCallsPerWindow?: number } = {}) {
  fake = await FakeFinnhub.start({ pingIntervalMs: 0, ...options });
  const rest = new FinnhubRestClient({
    baseUrl: fake.restUrl,
    apiKey: fake.apiKey,
    budget: new CallBudget({ callsPerWindow: 600 }),
  });
  let nowMs = Date.parse("2026-12-05T17:00:00Z");
  const pairs = new PairDirectory({ rest, now: () => nowMs });
  const lists = () => fake?.restCalls.filter((c) => c.path.endsWith("/symbol")).length ?? 0;
  return { fake, pairs, lists, advance: (ms: number) => (nowMs += ms) };
}

describe("PairDirectory against the fake Finnhub", () => {
  it("reads each exchange's list once a day, sharing a load in flight", async () => {
    const { pairs, lists, advance } = await directory();
    const [btc, eur] = await Promise.all([pairs.search("btc"), pairs.search("eur")]);
    expect(btc.map((m) => m.symbol)).toEqual(["BINANCE:BTCUSDT", "COINBASE:BTC-USD"]);
    expect(eur.map((m) => m.symbol)).toEqual(["OANDA:EUR_USD"]);
    expect(lists()).toBe(4);
    advance(23 * 3600_000);
    await pairs.search("sol");
    expect(lists()).toBe(4);
    advance(2 * 3600_000);
    expect((await pairs.search("xbt")).map((m) => m.symbol)).toEqual(["KRAKEN:XBTUSD"]);
    expect(lists()).toBe(8);
  });

  it("answers without the lists Finnhub refused, and does not ask again on every search", async () => {
    const { fake, pairs, lists } = await directory({ restCallsPerWindow: 2 });
    const first = await pairs.search("btc");
    // Two of the four lists came back; the others were refused with 429.
    expect(fake.restCalls.filter((c) => c.status === 429)).toHaveLength(2);
    expect(first.length).toBeGreaterThan(0);
    await pairs.search("eth");
    await pairs.search("sol");
    expect(lists()).toBe(4);
  });
});
