import {
  BarChartMaker,
  type ChartMaker,
  DeliveryPipeline,
  HttpDeliveryLog,
  HttpHeldStore,
  processChartRenderer,
  QuietHours,
} from "@tickerbell/bot-core";
import { createLogger } from "@tickerbell/config";
import type { Alert } from "@tickerbell/contracts";
import type { FakeUserInput, RecordedMessage } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TelegramNotifier } from "../src/telegram-notifier.ts";
import { notificationFor, startWorld, TOKENS, type World } from "./harness.ts";

let world: World;
beforeAll(async () => {
  // A budget no loaded machine runs out of: these tests are about what is sent, not how fast.
  world = await startWorld({ chartBudgetMs: 120_000 });
}, 180_000);
afterAll(async () => {
  await world?.close();
});

/** Width and height from a PNG's header (IHDR follows the 8-byte signature). */
function pngSize(data: Uint8Array): { width: number; height: number } {
  const png = Buffer.from(data);
  expect(png.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** The user sends `text`; resolves with the next message the bot sends them, a photo or a text. */
async function answerTo(user: FakeUserInput, text: string): Promise<RecordedMessage> {
  const isAnswer = (m: RecordedMessage) =>
    m.chatId === user.id && (m.method === "sendMessage" || m.method === "sendPhoto");
  const before = world.telegram.messagesTo(user.id).filter(isAnswer).length;
  world.telegram.userSends(user, text);
  const answers = await world.telegram.waitForMessages(isAnswer, before + 1, 120_000);
  return answers[before]!;
}

async function alertBy(user: FakeUserInput, command: string): Promise<Alert> {
  const reply = await answerTo(user, command);
  expect(reply.text, command).toMatch(/^✅ Alert set/);
  const alerts = await world.alertsOf(user);
  return alerts.sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0]!;
}

/** A pipeline of this world's bot with charts made by `charts` (none: CHARTS=off). */
function pipelineWith(charts: ChartMaker | undefined): DeliveryPipeline {
  return new DeliveryPipeline({
    notifier: new TelegramNotifier(world.bot.bot.telegram),
    log: new HttpDeliveryLog({ baseUrl: world.alertsUrl, token: TOKENS.telegram }),
    limiter: world.limiter,
    logger: createLogger({ service: "telegram-charts-test", level: "silent" }),
    ...(charts ? { charts } : {}),
  });
}

describe("/chart on Telegram", () => {
  it("answers with an 800x450 PNG photo whose caption names the symbol, the window and the last price", async () => {
    const user = { id: 6101, first_name: "Cora" };
    const photo = await answerTo(user, "/chart AAPL 5d");
    expect(photo.method).toBe("sendPhoto");
    expect(photo.text).toMatch(/^AAPL · 5d · last \$[\d,]+\.\d\d$/);
    expect(photo.photo?.source).toBe("upload");
    expect(pngSize(photo.photo!.data!)).toEqual({ width: 800, height: 450 });
  }, 180_000);

  it("refuses a window it does not draw, a missing ticker and an unknown one, each with a clear message", async () => {
    const user = { id: 6102, first_name: "Dov" };
    const badWindow = await answerTo(user, "/chart AAPL 2w");
    expect(badWindow.method).toBe("sendMessage");
    expect(badWindow.text).toContain('A chart spans 1d, 5d, 1m (a month), 6m or 1y, not "2w".');
    const noTicker = await answerTo(user, "/chart");
    expect(noTicker.text).toContain("Chart which ticker?");
    const unknown = await answerTo(user, "/chart ZZZZQ");
    expect(unknown.method).toBe("sendMessage");
    expect(unknown.text).toMatch(/^I don't know the ticker ZZZZQ\./);
  }, 180_000);
});

describe("a chart in each notification", () => {
  it("sends a firing at once as text, then edits the chart in as its photo, the text its caption, buttons kept", async () => {
    const user = { id: 6201, first_name: "Eli" };
    const price = (await world.prices.quote("MSFT"))!.price;
    const target = Math.ceil(price * 1.01);
    const alert = await alertBy(user, `/alert MSFT above ${target}`);
    await world.fire(user, alert, target + 0.5);
    expect(await world.pipeline.deliver(notificationFor(alert, { price: target + 0.5 }))).toMatchObject({
      status: "sent",
    });
    // Sent and recorded before its chart was made: the DM did not wait for it.
    const firings = () => world.telegram.messagesTo(user.id).filter((m) => m.text?.startsWith("🔔"));
    expect(firings().map((m) => m.method)).toEqual(["sendMessage"]);
    const dm = firings()[0]!;
    const edit = await world.telegram.waitForMessage(
      (m) => m.chatId === user.id && m.method === "editMessageMedia",
      120_000,
    );
    expect(edit.messageId).toBe(dm.messageId);
    expect(edit.parseMode).toBe("HTML");
    expect(edit.text).toBe(dm.text);
    expect(edit.text).toMatch(/^🔔 MSFT rose above \$/);
    expect(edit.replyMarkup).toEqual(dm.replyMarkup);
    expect(edit.replyMarkup?.inline_keyboard.length).toBeGreaterThan(0);
    expect(pngSize(edit.photo!.data!)).toEqual({ width: 800, height: 450 });
  }, 180_000);

  it("a button under a notification that became a photo answers in its caption", async () => {
    const user = { id: 6205, first_name: "Ida" };
    const price = (await world.prices.quote("MSFT"))!.price;
    const target = Math.ceil(price * 1.03);
    const alert = await alertBy(user, `/alert MSFT above ${target}`);
    await world.fire(user, alert, target + 0.5);
    await world.pipeline.deliver(notificationFor(alert, { price: target + 0.5 }));
    const photo = await world.telegram.waitForMessage(
      (m) => m.chatId === user.id && m.method === "editMessageMedia",
      120_000,
    );
    world.telegram.userPresses(user, photo, `delete:${alert.id}`);
    const answered = await world.telegram.waitForMessage(
      (m) => m.chatId === user.id && m.messageId === photo.messageId && m.method === "editMessageCaption",
      15_000,
    );
    expect(answered.text).toMatch(/^Deleted: MSFT/);
    expect(answered.message.photo).toEqual(photo.message.photo);
    expect((await world.alerts.getAlert(String(user.id), alert.id)).status).toBe("cancelled");
  }, 180_000);

  it("with charts off (CHARTS=off) sends the text alone, without a footer", async () => {
    const user = { id: 6202, first_name: "Fay" };
    const price = (await world.prices.quote("NVDA"))!.price;
    const alert = await alertBy(user, `/alert NVDA below ${Math.floor(price * 0.99)}`);
    const pipeline = pipelineWith(undefined);
    await pipeline.deliver(notificationFor(alert, { price: Math.floor(price * 0.99) - 0.5 }));
    await pipeline.close();
    const dm = world.telegram.messagesTo(user.id).find((m) => m.text?.startsWith("🔔"));
    expect(dm?.method).toBe("sendMessage");
    expect(dm?.text).not.toContain("chart");
  }, 180_000);

  it("a user who said /settings charts off gets the text alone with charts on, never edited; the others their chart", async () => {
    const off = { id: 6206, first_name: "Hana" };
    const on = { id: 6207, first_name: "Ivo" };
    expect((await answerTo(off, "/settings charts off")).text).toMatch(/^✅ Charts off/);
    const price = (await world.prices.quote("AAPL"))!.price;
    const target = Math.ceil(price * 1.01);
    const offAlert = await alertBy(off, `/alert AAPL above ${target}`);
    const onAlert = await alertBy(on, `/alert AAPL above ${target}`);
    await world.fire(off, offAlert, target + 0.5);
    await world.fire(on, onAlert, target + 0.5);
    // As main.ts wires it: the quiet-hours gate reads each user's settings from the alert service.
    const logger = createLogger({ service: "telegram-charts-test", level: "silent" });
    const log = new HttpDeliveryLog({ baseUrl: world.alertsUrl, token: TOKENS.telegram });
    const notifier = new TelegramNotifier(world.bot.bot.telegram);
    const quietHours = new QuietHours({
      platform: "telegram",
      store: new HttpHeldStore({ baseUrl: world.alertsUrl, token: TOKENS.telegram }),
      log,
      sendDigest: (chatId, digest) => notifier.sendDigest(chatId, digest),
      limiter: world.limiter,
      logger,
    });
    const pipeline = new DeliveryPipeline({
      notifier,
      log,
      limiter: world.limiter,
      logger,
      quietHours,
      charts: new BarChartMaker({ bars: world.prices, renderer: processChartRenderer(), budgetMs: 120_000 }),
    });
    await Promise.all([
      pipeline.deliver(notificationFor(offAlert, { price: target + 0.5 })),
      pipeline.deliver(notificationFor(onAlert, { price: target + 0.5 })),
    ]);
    await pipeline.close();
    await quietHours.stop();
    // The one who wants charts gets theirs edited in; the other's DM stays as sent, no chart and no footer.
    const edit = await world.telegram.waitForMessage(
      (m) => m.chatId === on.id && m.method === "editMessageMedia",
      120_000,
    );
    expect(pngSize(edit.photo!.data!)).toEqual({ width: 800, height: 450 });
    const offDms = world.telegram.messagesTo(off.id).filter((m) => m.text?.startsWith("🔔"));
    expect(offDms.map((m) => m.method)).toEqual(["sendMessage"]);
    expect(offDms[0]?.text).not.toContain("chart");
  }, 180_000);

  it("a chart not ready within its budget never holds the DM back: it goes at once and its footer then says so", async () => {
    const user = { id: 6203, first_name: "Gus" };
    const price = (await world.prices.quote("TSLA"))!.price;
    const alert = await alertBy(user, `/alert TSLA above ${Math.ceil(price * 1.02)}`);
    const pipeline = pipelineWith(
      new BarChartMaker({ bars: world.prices, renderer: processChartRenderer(), budgetMs: 1 }),
    );
    await pipeline.deliver(notificationFor(alert, { price: Math.ceil(price * 1.02) + 0.5 }));
    await pipeline.close();
    const [dm, edit] = world.telegram.messagesTo(user.id).filter((m) => m.text?.startsWith("🔔"));
    expect(dm?.method).toBe("sendMessage");
    expect(dm?.text).not.toContain("chart");
    expect(edit?.method).toBe("editMessageText");
    expect(edit?.messageId).toBe(dm?.messageId);
    expect(edit?.text?.split("\n").at(-1)).toBe("chart unavailable: chart not ready within 1 ms");
    expect(edit?.replyMarkup).toEqual(dm?.replyMarkup);
  }, 180_000);

  it("past the charts it may make at once, a DM goes without one and says so from the start", async () => {
    const user = { id: 6204, first_name: "Hal" };
    const price = (await world.prices.quote("AMZN"))!.price;
    const alert = await alertBy(user, `/alert AMZN above ${Math.ceil(price * 1.02)}`);
    const pipeline = new DeliveryPipeline({
      notifier: new TelegramNotifier(world.bot.bot.telegram),
      log: new HttpDeliveryLog({ baseUrl: world.alertsUrl, token: TOKENS.telegram }),
      limiter: world.limiter,
      logger: createLogger({ service: "telegram-charts-test", level: "silent" }),
      charts: world.charts!,
      maxPendingCharts: 0,
    });
    await pipeline.deliver(notificationFor(alert, { price: Math.ceil(price * 1.02) + 0.5 }));
    await pipeline.close();
    const firings = world.telegram.messagesTo(user.id).filter((m) => m.text?.startsWith("🔔"));
    expect(firings.map((m) => m.method)).toEqual(["sendMessage"]);
    expect(firings[0]?.text?.split("\n").at(-1)).toBe("chart unavailable: too many charts at once");
  }, 180_000);
});
