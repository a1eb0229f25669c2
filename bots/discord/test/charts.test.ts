import {
  BarChartMaker,
  type ChartMaker,
  DeliveryPipeline,
  HttpHeldStore,
  InMemoryDeliveryLog,
  processChartRenderer,
  QuietHours,
  RateLimiter,
} from "@tickerbell/bot-core";
import type { Alert, Notification } from "@tickerbell/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DiscordNotifier } from "../src/discord-notifier.ts";
import { capturedLogger, newUser, type Stack, startStack, TOKENS } from "./harness.ts";

let stack: Stack;
beforeAll(async () => {
  // A budget no loaded machine runs out of: these tests are about what is sent, not how fast.
  stack = await startStack({ chartBudgetMs: 120_000 });
}, 180_000);
afterAll(async () => {
  await stack?.close();
});

/** Width and height from a PNG's header (IHDR follows the 8-byte signature). */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

function pipelineWith(charts: ChartMaker | undefined): DeliveryPipeline {
  return new DeliveryPipeline({
    notifier: new DiscordNotifier(stack.bot.client),
    log: new InMemoryDeliveryLog(),
    limiter: new RateLimiter({ globalPerSecond: 50, perChatPerSecond: 5 }),
    logger: capturedLogger("charts-test").logger,
    ...(charts ? { charts } : {}),
  });
}

/** A user with an alert above AAPL's price, and the notification of its firing just now. */
async function firedAlert(): Promise<{ user: { id: string; username: string }; notification: Notification }> {
  const user = newUser();
  const price = (await stack.prices.quote("AAPL"))!.price;
  const target = Math.ceil(price * 1.01);
  await stack.fake
    .slashCommand(user, "alert price", { ticker: "AAPL", condition: "above", value: String(target) })
    .reply();
  const [alert] = (await stack.alerts.listAlerts(user.id)) as [Alert];
  const fired = target + 0.25;
  return {
    user,
    notification: {
      v: 1,
      type: "triggered",
      triggerId: `${alert.id}:${alert.generation}`,
      alertId: alert.id,
      generation: alert.generation,
      userId: alert.userId,
      origin: alert.origin,
      symbol: "AAPL",
      condition: alert.condition,
      price: fired,
      referencePrice: alert.referencePrice,
      moveAbs: fired - alert.referencePrice,
      movePercent: ((fired - alert.referencePrice) / alert.referencePrice) * 100,
      note: null,
      repeating: false,
      firedAt: new Date().toISOString(),
      side: "upper",
      level: target,
      lastPrice: fired,
      referenceKind: "whenSet",
      extreme: null,
      rearm: null,
    },
  };
}

describe("/chart on Discord", () => {
  it("answers with the PNG attached and shown as the image of an embed naming the symbol, window and price", async () => {
    const reply = await stack.fake.slashCommand(newUser(), "chart", { ticker: "AAPL", window: "1m" }).reply();
    expect(reply.attachments).toHaveLength(1);
    const [png] = reply.attachments;
    expect(png?.filename).toBe("AAPL-1m.png");
    expect(pngSize(png!.data)).toEqual({ width: 800, height: 450 });
    const embed = reply.embeds[0] as { image?: { url?: string }; description?: string };
    expect(embed.image?.url).toBe("attachment://AAPL-1m.png");
    expect(embed.description).toMatch(/^\*\*AAPL\*\* · 1m · last \$[\d,]+\.\d\d$/);
  }, 180_000);

  it("shows a crypto pair's chart as the embed's image: the file's name is one Discord keeps as it is", async () => {
    const reply = await stack.fake
      .slashCommand(newUser(), "chart", { ticker: "BINANCE:BTCUSDT", window: "5d" })
      .reply(20_000)
      .catch((e) => {
        console.log("LOGS", JSON.stringify(stack.logs().slice(-8)));
        throw e;
      });
    const [png] = reply.attachments;
    expect(png?.filename).toBe("BINANCE_BTCUSDT-5d.png");
    expect(png?.title).toBeUndefined();
    const embed = reply.embeds[0] as { image?: { url?: string } };
    expect(embed.image?.url).toBe(`attachment://${png?.filename}`);
  }, 180_000);

  it("a day unless told; refuses an unknown ticker, and offers only the windows it draws", async () => {
    const day = await stack.fake.slashCommand(newUser(), "chart", { ticker: "MSFT" }).reply();
    expect(day.attachments[0]?.filename).toBe("MSFT-1d.png");
    const unknown = await stack.fake.slashCommand(newUser(), "chart", { ticker: "ZZZZQ" }).reply();
    expect(unknown.attachments).toHaveLength(0);
    expect(unknown.content).toMatch(/^I don't know the ticker ZZZZQ\./);
    // Discord offers only the windows it draws: another never reaches the bot.
    expect(() => stack.fake.slashCommand(newUser(), "chart", { ticker: "AAPL", window: "2w" })).toThrow(
      /must be one of "1d", "5d", "1m", "6m", "1y"/,
    );
  }, 180_000);
});

describe("a chart in each Discord notification", () => {
  it("sends the firing at once, then edits its chart in as the embed's image", async () => {
    const { user, notification } = await firedAlert();
    const pipeline = pipelineWith(stack.charts);
    expect(await pipeline.deliver(notification)).toMatchObject({ status: "sent" });
    // Sent and recorded before its chart was made: the DM did not wait for it.
    const [sent] = stack.fake.dmsTo(user);
    expect(sent?.attachments).toHaveLength(0);
    expect(sent?.editedAt).toBeNull();
    const dm = await stack.fake.waitForDm(user, (m) => m.attachments.length > 0, 120_000);
    await pipeline.close();
    expect(dm.id).toBe(sent!.id);
    expect(dm.attachments).toHaveLength(1);
    expect(pngSize(dm.attachments[0]!.data)).toEqual({ width: 800, height: 450 });
    const embed = dm.embeds[0] as { title?: string; image?: { url?: string } };
    expect(embed.image?.url).toBe("attachment://AAPL.png");
    expect(embed.title).toBe((sent!.embeds[0] as { title?: string }).title);
    expect(dm.components).toEqual(sent!.components);
  }, 180_000);

  it("a user who chose /settings charts state:off gets the embed alone while charts are on, never edited", async () => {
    const { user, notification } = await firedAlert();
    await stack.fake.slashCommand(user, "settings charts", { state: "off" }).reply();
    const log = new InMemoryDeliveryLog();
    const limiter = new RateLimiter({ globalPerSecond: 50, perChatPerSecond: 5 });
    const { logger } = capturedLogger("charts-test");
    const notifier = new DiscordNotifier(stack.bot.client);
    // As main.ts wires it: the quiet-hours gate reads the user's settings from the alert service.
    const quietHours = new QuietHours({
      platform: "discord",
      store: new HttpHeldStore({ baseUrl: stack.alertsUrl, token: TOKENS.discord }),
      log,
      sendDigest: (chatId, digest) => notifier.sendDigest(chatId, digest),
      limiter,
      logger,
    });
    const pipeline = new DeliveryPipeline({
      notifier,
      log,
      limiter,
      logger,
      quietHours,
      charts: stack.charts!,
    });
    expect(await pipeline.deliver(notification)).toMatchObject({ status: "sent" });
    // Closing waits for the charts still being edited in: none was, for this DM.
    await pipeline.close();
    await quietHours.stop();
    const [dm] = stack.fake.dmsTo(user);
    expect(dm?.attachments).toHaveLength(0);
    expect(dm?.editedAt).toBeNull();
    expect((dm!.embeds[0] as { footer?: { text?: string } }).footer?.text).toBe("Tickerbell · AAPL");
  }, 180_000);

  it("with charts off sends the embed alone; past the budget, its footer then says why", async () => {
    const off = await firedAlert();
    const plain = pipelineWith(undefined);
    await plain.deliver(off.notification);
    await plain.close();
    const [offDm] = await stack.fake.waitForDms(off.user, 1);
    expect(offDm?.attachments).toHaveLength(0);
    expect(offDm?.editedAt).toBeNull();
    expect((offDm!.embeds[0] as { footer?: { text?: string } }).footer?.text).toBe("Tickerbell · AAPL");

    const late = await firedAlert();
    const hurried = pipelineWith(
      new BarChartMaker({ bars: stack.prices, renderer: processChartRenderer(), budgetMs: 1 }),
    );
    await hurried.deliver(late.notification);
    await hurried.close();
    const [lateDm] = await stack.fake.waitForDms(late.user, 1);
    expect(lateDm?.attachments).toHaveLength(0);
    expect(lateDm?.editedAt).not.toBeNull();
    expect((lateDm!.embeds[0] as { footer?: { text?: string } }).footer?.text).toBe(
      "Tickerbell · AAPL · chart unavailable: chart not ready within 1 ms",
    );
    expect(lateDm?.components).toHaveLength(1);
  }, 180_000);
});
