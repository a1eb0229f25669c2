import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { createLogger } from "@tickerbell/config";
import { FakeDiscord, FakeFinnhub, FakeTelegram } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnv } from "../src/env.ts";
import { type RunningStandalone, startStandalone } from "../src/standalone.ts";

// Issue 17 item 5, the whole way: `npm start` on Finnhub (the local fake, its REST and its websocket), with the
// real telegraf and discord.js bots against the fakes of both platforms. A crypto pair is set by chat, found by
// Discord's autocomplete, streamed over Finnhub's socket, matched, and DMed on a Saturday trade; rth is refused.
const dataDir = mkdtempSync(join(tmpdir(), "tickerbell-crypto-forex-"));
let finnhub: FakeFinnhub;
let telegram: FakeTelegram;
let discord: FakeDiscord;
let running: RunningStandalone;

/** Saturday 5 December 2026, noon in New York: US stocks and forex are shut, crypto trades. */
const SATURDAY_NOON = Date.parse("2026-12-05T17:00:00Z");

beforeAll(async () => {
  finnhub = await FakeFinnhub.start();
  telegram = await FakeTelegram.start();
  discord = await FakeDiscord.start();
  const env = loadEnv({
    DATA_DIR: dataDir,
    DATABASE_URL: "",
    ALERTS_PORT: "0",
    PRICING_PORT: "0",
    FINNHUB_API_KEY: finnhub.apiKey,
    FINNHUB_REST_URL: finnhub.restUrl,
    FINNHUB_WS_URL: finnhub.wsUrl,
    TELEGRAM_TOKEN: telegram.token,
    TELEGRAM_API_ROOT: telegram.apiRoot,
    DISCORD_TOKEN: discord.token,
    DISCORD_API_BASE: discord.apiBase,
  });
  const logger = createLogger({ service: "standalone-crypto-forex", level: "silent" });
  running = await startStandalone(env, logger, { input: new PassThrough(), output: new PassThrough() });
}, 60_000);

afterAll(async () => {
  await running?.stop();
  await telegram?.close();
  await discord?.close();
  await finnhub?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("crypto and forex pairs, end to end", () => {
  it("a Telegram alert on BINANCE:BTCUSDT fires on a Saturday trade from Finnhub's socket and is DMed once", async () => {
    const sam = { id: 5151, first_name: "Sam" };
    telegram.userSends(sam, "/alert binance:btcusdt above 100000");
    const set = await telegram.waitForMessage(
      (m) => m.chatId === sam.id && /Alert set/.test(m.text ?? ""),
      15_000,
    );
    expect(set.text).toMatch(/^✅ Alert set: BINANCE:BTCUSDT above \$100,000\.00/);
    expect(set.text).toMatch(/BINANCE:BTCUSDT is at \$97,000\.00 now\./);
    // The pricing service subscribes Finnhub's socket to the pair once the alert is demand.
    await finnhub.waitFor(
      () => finnhub.subscriptions().includes("BINANCE:BTCUSDT"),
      "BTC subscribed",
      30_000,
    );

    finnhub.pushTrade("BINANCE:BTCUSDT", 99_800, { ts: SATURDAY_NOON, volume: 0.5 });
    finnhub.pushTrade("BINANCE:BTCUSDT", 100_250.5, { ts: SATURDAY_NOON + 1_000, volume: 0.25 });
    const dm = await telegram.waitForMessage(
      (m) => m.chatId === sam.id && (m.text ?? "").startsWith("🔔"),
      30_000,
    );
    expect(dm.text).toMatch(
      /^🔔 BINANCE:BTCUSDT rose above \$100,000\.00\nPrice: \$100,250\.50 · 2026-12-05 17:00 UTC/,
    );
    await new Promise((r) => setTimeout(r, 1_000));
    // One DM: the edit that puts its chart in (editMessageMedia, which may land within that second) is no new one.
    const dms = telegram
      .messagesTo(sam.id)
      .filter((m) => (m.method === "sendMessage" || m.method === "sendPhoto") && m.text?.startsWith("🔔"));
    expect(dms).toHaveLength(1);
  }, 90_000);

  it("a Discord alert on COINBASE:BTC-USD set with discord.js's slash command is DMed as an embed on a Saturday trade", async () => {
    const ray = { id: "300000000000000070" };
    const set = await discord
      .slashCommand(ray, "alert price", { ticker: "coinbase:btc-usd", condition: "below", value: "95000" })
      .reply();
    expect(set.content).toMatch(/Alert set: COINBASE:BTC-USD below \$95,000\.00/);
    await finnhub.waitFor(
      () => finnhub.subscriptions().includes("COINBASE:BTC-USD"),
      "pair subscribed",
      30_000,
    );
    finnhub.pushTrade("COINBASE:BTC-USD", 94_900.25, { ts: SATURDAY_NOON + 60_000, volume: 0.1 });
    const [dm] = await discord.waitForDms(ray, 1, 30_000);
    expect(dm?.embeds[0]).toMatchObject({
      title: expect.stringMatching(/^🔔 COINBASE:BTC-USD fell below \$95,000\.00/),
      fields: expect.arrayContaining([
        expect.objectContaining({
          name: "Price",
          value: expect.stringMatching(/^\$94,900\.25 · <t:\d+:f>$/),
        }),
      ]),
    });
  }, 90_000);

  it("refuses rth on a pair in Telegram and on Discord's regular-hours-only option, saying why", async () => {
    const kim = { id: 5252, first_name: "Kim" };
    telegram.userSends(kim, "/alert OANDA:EUR_USD above 1.2 rth");
    const refused = await telegram.waitForMessage((m) => m.chatId === kim.id, 15_000);
    expect(refused.text).toMatch(/OANDA:EUR_USD is forex.*Sunday to Friday 17:00 New York.*leave out rth/);

    const lee = { id: "300000000000000071" };
    const reply = await discord
      .slashCommand(lee, "alert price", {
        ticker: "COINBASE:BTC-USD",
        condition: "above",
        value: "100000",
        "regular-hours-only": true,
      })
      .reply();
    expect(reply.content).toMatch(/COINBASE:BTC-USD is crypto.*around the clock.*leave out rth/);
  }, 60_000);

  it("Discord's ticker autocomplete finds crypto and forex pairs from Finnhub's lists", async () => {
    const lee = { id: "300000000000000072" };
    const btc = await discord.autocomplete(lee, "alert price", { ticker: "btc" }, "ticker").choices();
    expect(btc.map((c) => c.value)).toEqual(expect.arrayContaining(["BINANCE:BTCUSDT", "COINBASE:BTC-USD"]));
    expect(btc.find((c) => c.value === "BINANCE:BTCUSDT")?.name).toBe("BINANCE:BTCUSDT — Binance BTCUSDT");
    const eur = await discord.autocomplete(lee, "alert price", { ticker: "EUR/USD" }, "ticker").choices();
    expect(eur.map((c) => c.value)).toEqual(["OANDA:EUR_USD"]);
  }, 60_000);
});
