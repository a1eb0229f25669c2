import { AlertsClient, CommandHandler, PricingClient } from "@tickerbell/bot-core";
import { createLogger } from "@tickerbell/config";
import { FakeTelegram } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TelegramBot } from "../src/telegram-bot.ts";

// telegraf's launch tells it has connected (after getMe) before it starts polling (after deleteWebhook). A stop in
// between, as when `npm start` gives up because Discord refused its token just after Telegram connected, found no
// polling to stop, and the polling that started next kept the process alive forever.

let telegram: FakeTelegram;
beforeAll(async () => {
  telegram = await FakeTelegram.start();
});
afterAll(async () => {
  await telegram?.close();
});

describe("a Telegram bot stopped while it launches", () => {
  it("stops once its polling starts, instead of polling on", async () => {
    const logger = createLogger({ service: "telegram-stop-while-launching", level: "silent" });
    // Never called: no update comes. Nothing listens on port 9.
    const handler = new CommandHandler({
      alerts: new AlertsClient({ baseUrl: "http://127.0.0.1:9", token: "unused", platform: "telegram" }),
      prices: new PricingClient({ baseUrl: "http://127.0.0.1:9" }),
      logger,
    });
    const bot = new TelegramBot({ token: telegram.token, apiRoot: telegram.apiRoot, handler, logger });
    const release = telegram.holdNext("deleteWebhook");
    await bot.start();
    let stopped = false;
    const stopping = bot.stop().then(() => {
      stopped = true;
    });
    // Launch goes on to poll only once deleteWebhook is answered.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(stopped).toBe(true);
  }, 60_000);
});
