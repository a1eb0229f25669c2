import { Input, Markup, Telegraf, TelegramError } from "telegraf";
import { message } from "telegraf/filters";
import { afterEach, describe, expect, it } from "vitest";
import { FakeTelegram, type FakeTelegramOptions } from "./fake-telegram.ts";
import type { Update } from "./types.ts";

const ALICE = { id: 1001, first_name: "Alice", username: "alice" };
const BOB = { id: 1002, first_name: "Bob" };

const running: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of running.splice(0).reverse()) await cleanup();
});

async function startFake(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
  const fake = await FakeTelegram.start(options);
  running.push(() => fake.close());
  return fake;
}

function botFor(fake: FakeTelegram, token = fake.token): Telegraf {
  return new Telegraf(token, { telegram: { apiRoot: fake.apiRoot } });
}

/**
 * Launches long polling and resolves once the bot's first getUpdates is open on the fake server. `stopped`
 * settles when polling ends (telegraf's launch() promise only settles then).
 */
async function launch(fake: FakeTelegram, bot: Telegraf): Promise<{ stopped: Promise<void> }> {
  let ended = false;
  const stopped = bot.launch().finally(() => {
    ended = true;
  });
  running.push(async () => {
    if (!ended) bot.stop("test cleanup");
    await stopped;
  });
  await until(() => fake.isPolling() || ended, "the bot to open a long poll");
  return { stopped };
}

async function until(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function telegramError(promise: Promise<unknown>): Promise<TelegramError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof TelegramError)) throw new Error(`Expected a TelegramError, got ${String(error)}`);
  return error;
}

async function rawCall(fake: FakeTelegram, method: string, body: unknown, token = fake.token) {
  const response = await fetch(`${fake.apiRoot}/bot${token}/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("FakeTelegram with the real telegraf client", () => {
  it("answers getMe for its token and refuses an unknown token with 401 Unauthorized", async () => {
    const fake = await startFake({
      bots: [{ token: "123456:secret", username: "price_bot", firstName: "Price" }],
    });

    const me = await botFor(fake).telegram.getMe();
    expect(me).toMatchObject({ id: 123456, is_bot: true, username: "price_bot", first_name: "Price" });

    const error = await telegramError(botFor(fake, "123456:wrong").telegram.getMe());
    expect(error.code).toBe(401);
    expect(error.response).toEqual({ ok: false, error_code: 401, description: "Unauthorized" });
  });

  it("answers unknown methods and paths with 404 Not Found", async () => {
    const fake = await startFake();
    const unknownMethod = await rawCall(fake, "sendTelepathy", {});
    expect(unknownMethod).toEqual({
      status: 404,
      body: { ok: false, error_code: 404, description: "Not Found" },
    });
    const response = await fetch(`${fake.apiRoot}/nothing-here`);
    expect(response.status).toBe(404);
  });

  it("delivers a /start command to bot.command and records ctx.reply; bot.stop() ends polling", async () => {
    const fake = await startFake();
    const bot = botFor(fake);
    const seenPayloads: string[] = [];
    bot.command("start", async (ctx) => {
      seenPayloads.push(ctx.payload);
      await ctx.reply(`Welcome, ${ctx.from.first_name}!`);
    });
    const { stopped } = await launch(fake, bot);

    fake.userSends(ALICE, "/start from-ad");
    const reply = await fake.waitForMessage((m) => m.chatId === ALICE.id);

    expect(seenPayloads).toEqual(["from-ad"]);
    expect(reply).toMatchObject({ method: "sendMessage", text: "Welcome, Alice!", messageId: 2 });
    expect(reply.message.from.id).toBe(fake.botUser().id);
    expect(fake.messagesTo(ALICE.id).map((m) => m.text)).toEqual(["Welcome, Alice!"]);
    expect(fake.messagesTo(BOB.id)).toEqual([]);

    bot.stop("test");
    await stopped;
    expect(fake.isPolling()).toBe(false);
    // telegraf confirms what it handled on the way out, so nothing is redelivered to the next instance.
    expect(fake.pendingUpdates()).toEqual([]);
  });

  it("runs bot.action for a pressed inline button and records answerCallbackQuery and the edit", async () => {
    const fake = await startFake();
    const bot = botFor(fake);
    bot.command("alerts", (ctx) =>
      ctx.reply("AAPL above 200", Markup.inlineKeyboard([Markup.button.callback("Pause", "pause:42")])),
    );
    bot.action(/^pause:(\d+)$/, async (ctx) => {
      await ctx.answerCbQuery(`Paused alert ${ctx.match[1]}`);
      await ctx.editMessageText("AAPL above 200 (paused)");
    });
    await launch(fake, bot);

    fake.userSends(ALICE, "/alerts");
    const listing = await fake.waitForMessage((m) => m.method === "sendMessage");
    expect(listing.replyMarkup).toEqual({
      inline_keyboard: [[{ text: "Pause", callback_data: "pause:42" }]],
    });

    fake.userPresses(ALICE, listing, "pause:42");
    const edit = await fake.waitForMessage((m) => m.method === "editMessageText");

    expect(edit).toMatchObject({ messageId: listing.messageId, text: "AAPL above 200 (paused)" });
    expect(edit.replyMarkup).toBeUndefined();
    expect(fake.answeredCallbacks()).toMatchObject([
      { userId: ALICE.id, data: "pause:42", text: "Paused alert 42", showAlert: false },
    ]);
    // The edit removed the keyboard, so a real user could no longer press the button.
    expect(() => fake.userPresses(ALICE, listing, "pause:42")).toThrow(/no button/);
  });

  it("records setMyCommands and serves them back through getMyCommands", async () => {
    const fake = await startFake();
    const bot = botFor(fake);
    const commands = [
      { command: "alert", description: "Set a price alert" },
      { command: "alerts", description: "List your alerts" },
    ];

    await bot.telegram.setMyCommands(commands);

    expect(fake.commands()).toEqual(commands);
    expect(await bot.telegram.getMyCommands()).toEqual(commands);
    const invalid = await telegramError(
      bot.telegram.setMyCommands([{ command: "Bad Command", description: "x" }]),
    );
    expect(invalid.description).toBe("Bad Request: BOT_COMMAND_INVALID");
  });

  it("refuses messages to a user who blocked the bot with 403 and tells the bot through my_chat_member", async () => {
    const fake = await startFake({ rateLimits: { perChat: { limit: 10, windowMs: 1000 } } });
    const bot = botFor(fake);
    fake.userSends(ALICE, "/start");
    await bot.telegram.sendMessage(ALICE.id, "hello");

    fake.blockBot(ALICE.id);
    const error = await telegramError(bot.telegram.sendMessage(ALICE.id, "are you there?"));

    expect(error.code).toBe(403);
    expect(error.description).toBe("Forbidden: bot was blocked by the user");
    expect(fake.messagesTo(ALICE.id).map((m) => m.text)).toEqual(["hello"]);
    const lastUpdate = fake.pendingUpdates().at(-1);
    expect(lastUpdate?.my_chat_member?.new_chat_member.status).toBe("kicked");

    fake.userSends(ALICE, "/start");
    await expect(bot.telegram.sendMessage(ALICE.id, "welcome back")).resolves.toMatchObject({
      text: "welcome back",
    });
    const memberships = fake.pendingUpdates().flatMap((u) => u.my_chat_member?.new_chat_member.status ?? []);
    expect(memberships).toEqual(["kicked", "member"]);
  });

  it("refuses chats the bot has never seen with 400 chat not found", async () => {
    const fake = await startFake();
    const error = await telegramError(botFor(fake).telegram.sendMessage(424242, "hi"));
    expect(error.code).toBe(400);
    expect(error.description).toBe("Bad Request: chat not found");
  });

  it("knowUser opens a chat the bot may write to without queuing an update for the bot", async () => {
    const fake = await startFake();
    fake.knowUser({ id: 424243 });
    expect(fake.pendingUpdates()).toEqual([]);
    await botFor(fake).telegram.sendMessage(424243, "hi");
    expect(fake.messagesTo(424243).map((m) => m.text)).toEqual(["hi"]);
  });

  it("answers 429 with retry_after when a chat exceeds its per-chat rate and keeps counting early retries", async () => {
    const fake = await startFake({ rateLimits: { perChat: { limit: 1, windowMs: 60_000 } } });
    const bot = botFor(fake);
    fake.userSends(ALICE, "hi");
    fake.userSends(BOB, "hi");

    await bot.telegram.sendMessage(ALICE.id, "first");
    const limited = await telegramError(bot.telegram.sendMessage(ALICE.id, "second"));
    await telegramError(bot.telegram.sendMessage(ALICE.id, "second, retried too early"));
    await bot.telegram.sendMessage(BOB.id, "another chat is not limited");

    expect(limited.code).toBe(429);
    expect(limited.parameters?.retry_after).toBe(60);
    expect(limited.description).toBe("Too Many Requests: retry after 60");
    expect(fake.tooManyRequests()).toMatchObject([
      { chatId: ALICE.id, reason: "rate-limit-chat", retryAfter: 60 },
      { chatId: ALICE.id, reason: "rate-limit-chat" },
    ]);
    expect(fake.messagesTo(ALICE.id).map((m) => m.text)).toEqual(["first"]);
  });

  it("defaults to 1 message per second per chat and 30 per second overall", async () => {
    let now = Date.UTC(2026, 0, 5, 14, 30);
    const fake = await startFake({ now: () => now });
    const bot = botFor(fake);
    const users = Array.from({ length: 31 }, (_, n) => ({ id: 3000 + n }));
    for (const user of users) fake.userSends(user, "hi");

    await bot.telegram.sendMessage(3000, "first");
    const perChat = await telegramError(bot.telegram.sendMessage(3000, "second"));
    expect(perChat.parameters?.retry_after).toBe(1);
    now += 1000;
    await bot.telegram.sendMessage(3000, "second, after retry_after");

    for (const user of users.slice(1, 30)) await bot.telegram.sendMessage(user.id, "burst");
    const overall = await telegramError(bot.telegram.sendMessage(3030, "31st in a second"));
    expect(overall.code).toBe(429);
    expect(fake.tooManyRequests().map((r) => r.reason)).toEqual(["rate-limit-chat", "rate-limit-global"]);
    expect(fake.messagesTo(3000)[1]?.receivedAt).toBe(Date.UTC(2026, 0, 5, 14, 30, 1));
  });

  it("counts paid broadcasts (allow_paid_broadcast) against their own 1,000/s limit instead of the 30/s one", async () => {
    const now = Date.UTC(2026, 0, 5, 14, 30);
    const fake = await startFake({ now: () => now });
    const bot = botFor(fake);
    const users = Array.from({ length: 1031 }, (_, n) => ({ id: 50_000 + n }));
    for (const user of users) fake.knowUser(user);
    const paid = { allow_paid_broadcast: true } as Record<string, unknown>;

    // The free limit used up within the same second does not hold up paid messages, and they do not use it up.
    for (const user of users.slice(0, 30)) await bot.telegram.sendMessage(user.id, "free");
    expect((await telegramError(bot.telegram.sendMessage(users[30]!.id, "free"))).code).toBe(429);
    for (const user of users.slice(30, 1030)) await bot.telegram.sendMessage(user.id, "paid", paid);
    const over = await telegramError(bot.telegram.sendMessage(users[1030]!.id, "paid, 1001st", paid));
    expect(over.code).toBe(429);
    expect(fake.tooManyRequests().map((r) => r.reason)).toEqual([
      "rate-limit-global",
      "rate-limit-paid-broadcast",
    ]);
    const sent = fake.allSent();
    expect(sent.filter((m) => m.paidBroadcast)).toHaveLength(1000);
    expect(sent.filter((m) => !m.paidBroadcast)).toHaveLength(30);
  });

  it("still paces paid broadcasts per chat, and takes a custom paid limit", async () => {
    const fake = await startFake({ rateLimits: { paidBroadcast: { limit: 2, windowMs: 1000 } } });
    const bot = botFor(fake);
    for (const id of [6001, 6002, 6003]) fake.knowUser({ id });
    const paid = { allow_paid_broadcast: true } as Record<string, unknown>;
    await bot.telegram.sendMessage(6001, "a", paid);
    const sameChat = await telegramError(bot.telegram.sendMessage(6001, "b", paid));
    expect(sameChat.parameters?.retry_after).toBe(1);
    await bot.telegram.sendMessage(6002, "c", paid);
    expect((await telegramError(bot.telegram.sendMessage(6003, "d", paid))).code).toBe(429);
    expect(fake.tooManyRequests().map((r) => r.reason)).toEqual([
      "rate-limit-chat",
      "rate-limit-paid-broadcast",
    ]);
  });

  it("waits for several messages to arrive", async () => {
    const fake = await startFake({ rateLimits: { perChat: { limit: 10, windowMs: 1000 } } });
    const bot = botFor(fake);
    fake.userSends(ALICE, "hi");
    const three = fake.waitForMessages((m) => m.chatId === ALICE.id, 3);
    for (const text of ["a", "b", "c", "d"]) await bot.telegram.sendMessage(ALICE.id, text);
    expect((await three).map((m) => m.text)).toEqual(["a", "b", "c"]);
    await expect(fake.waitForMessages((m) => m.chatId === ALICE.id, 5, 50)).rejects.toThrow(/Only 4 of 5/);
  });

  it("surfaces a per-chat 429 to the bot's error handler with retry_after", async () => {
    const fake = await startFake({ rateLimits: { perChat: { limit: 1, windowMs: 60_000 } } });
    const bot = botFor(fake);
    const errors: unknown[] = [];
    bot.command("burst", async (ctx) => {
      await ctx.reply("one");
      await ctx.reply("two");
    });
    bot.catch((error) => {
      errors.push(error);
    });
    await launch(fake, bot);

    fake.userSends(ALICE, "/burst");
    await until(() => errors.length > 0, "the handler to fail");

    const [error] = errors;
    expect(error).toBeInstanceOf(TelegramError);
    expect((error as TelegramError).code).toBe(429);
    expect((error as TelegramError).parameters?.retry_after).toBe(60);
    expect(fake.messagesTo(ALICE.id).map((m) => m.text)).toEqual(["one"]);
  });

  it("enforces the overall rate across chats", async () => {
    const fake = await startFake({ rateLimits: { global: { limit: 2, windowMs: 30_000 } } });
    const bot = botFor(fake);
    const users = [1, 2, 3].map((n) => ({ id: 2000 + n }));
    for (const user of users) fake.userSends(user, "hi");

    await bot.telegram.sendMessage(2001, "one");
    await bot.telegram.sendMessage(2002, "two");
    const limited = await telegramError(bot.telegram.sendMessage(2003, "three"));

    expect(limited.code).toBe(429);
    expect(limited.parameters?.retry_after).toBe(30);
    expect(fake.tooManyRequests()).toMatchObject([{ chatId: 2003, reason: "rate-limit-global" }]);
  });

  it("injects 5xx storms with failNext and 429s with rateLimitStorm", async () => {
    const fake = await startFake();
    const bot = botFor(fake);
    fake.userSends(ALICE, "hi");

    fake.failNext(2, 502);
    const first = await telegramError(bot.telegram.sendMessage(ALICE.id, "a"));
    const second = await telegramError(bot.telegram.sendMessage(ALICE.id, "b"));
    await bot.telegram.sendMessage(ALICE.id, "c");
    expect([first.code, second.code]).toEqual([502, 502]);
    expect(first.description).toBe("Bad Gateway");
    expect(fake.messagesTo(ALICE.id).map((m) => m.text)).toEqual(["c"]);

    fake.rateLimitStorm(5_000);
    const stormed = await telegramError(bot.telegram.answerCbQuery("123", "x"));
    expect(stormed.code).toBe(429);
    expect(stormed.parameters?.retry_after).toBeGreaterThanOrEqual(1);
    expect(fake.refusals().map((r) => r.reason)).toEqual(["injected", "injected", "storm"]);
  });

  it("starts a storm armed with fromFirstCall at the next call, however late it comes", async () => {
    const fake = await startFake();
    fake.rateLimitStorm(200, { fromFirstCall: true });
    // Longer than the storm: one started at once would be over.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const late = await rawCall(fake, "sendMessage", { chat_id: 1, text: "x" });
    expect(late.status).toBe(429);
    // getUpdates neither starts it nor meets it.
    fake.rateLimitStorm(200, { fromFirstCall: true });
    expect((await rawCall(fake, "getUpdates", { timeout: 0 })).status).toBe(200);
  });

  it("keeps long polling alive through a 5xx on getUpdates when the failure targets it", async () => {
    const fake = await startFake();
    fake.failNext(1, 500, { methods: ["getUpdates"] });
    const response = await rawCall(fake, "getUpdates", { timeout: 0 });
    expect(response.status).toBe(500);
    expect((await rawCall(fake, "getUpdates", { timeout: 0 })).body).toEqual({ ok: true, result: [] });
  });

  it("uploads a photo as multipart and accepts a photo URL as JSON", async () => {
    const fake = await startFake();
    const bot = botFor(fake);
    fake.userSends(ALICE, "/chart");
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4]);

    const sent = await bot.telegram.sendPhoto(ALICE.id, Input.fromBuffer(png, "chart.png"), {
      caption: "<b>AAPL</b> today",
      parse_mode: "HTML",
      ...Markup.inlineKeyboard([Markup.button.callback("Refresh", "chart:AAPL")]),
    });
    expect(sent.caption).toBe("AAPL today");
    expect(sent.caption_entities).toEqual([{ type: "bold", offset: 0, length: 4 }]);
    const [upload] = fake.messagesTo(ALICE.id);
    expect(upload?.photo).toMatchObject({ source: "upload", filename: "chart.png" });
    expect(upload?.photo?.data).toEqual(png);
    expect(upload?.replyMarkup?.inline_keyboard[0]?.[0]?.callback_data).toBe("chart:AAPL");

    fake.userSends(BOB, "/chart");
    const byUrl = await bot.telegram.sendPhoto(BOB.id, "https://example.invalid/c.png");
    expect(byUrl.photo?.length).toBeGreaterThan(0);
    expect(fake.messagesTo(BOB.id)[0]?.photo).toMatchObject({
      source: "url",
      url: "https://example.invalid/c.png",
    });

    const reused = await telegramError(bot.telegram.sendPhoto(BOB.id, "never-issued-file-id"));
    expect(reused.description).toBe("Bad Request: wrong file identifier/HTTP URL specified");
  });

  it("adds an uploaded photo to a text message with editMessageMedia: the caption replaces the text", async () => {
    const fake = await startFake();
    const bot = botFor(fake);
    fake.userSends(ALICE, "hi");
    const keyboard = Markup.inlineKeyboard([Markup.button.callback("Delete", "delete:1")]);
    const sent = await bot.telegram.sendMessage(ALICE.id, "<b>AAPL</b> rose", {
      parse_mode: "HTML",
      ...keyboard,
    });
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 9, 8, 7]);

    const edited = await bot.telegram.editMessageMedia(
      ALICE.id,
      sent.message_id,
      undefined,
      {
        type: "photo",
        media: { source: png, filename: "AAPL.png" },
        caption: "<b>AAPL</b> rose",
        parse_mode: "HTML",
      },
      keyboard,
    );
    expect(edited).toMatchObject({ message_id: sent.message_id, caption: "AAPL rose" });
    expect(edited).not.toHaveProperty("text");
    const record = fake.messagesTo(ALICE.id).find((m) => m.method === "editMessageMedia");
    expect(record?.photo).toMatchObject({ source: "upload", filename: "AAPL.png" });
    expect(record?.photo?.data).toEqual(png);
    expect(record?.text).toBe("AAPL rose");
    expect(record?.replyMarkup?.inline_keyboard[0]?.[0]?.callback_data).toBe("delete:1");

    const captioned = await bot.telegram.editMessageCaption(
      ALICE.id,
      sent.message_id,
      undefined,
      "<i>Deleted</i>",
      {
        parse_mode: "HTML",
      },
    );
    expect(captioned).toMatchObject({
      caption: "Deleted",
      caption_entities: [{ type: "italic", offset: 0, length: 7 }],
    });
    expect(fake.messagesTo(ALICE.id).at(-1)).toMatchObject({ method: "editMessageCaption", text: "Deleted" });
    fake.userSends(BOB, "hi");
    const text = await bot.telegram.sendMessage(BOB.id, "plain");
    const noCaption = await telegramError(
      bot.telegram.editMessageCaption(BOB.id, text.message_id, undefined, "x"),
    );
    expect(noCaption.description).toBe("Bad Request: there is no caption in the message to edit");

    const noFile = await telegramError(
      bot.telegram.editMessageMedia(ALICE.id, sent.message_id, undefined, {
        type: "photo",
        media: "never-issued",
      }),
    );
    expect(noFile.description).toBe("Bad Request: wrong file identifier/HTTP URL specified");
  });

  it("renders parse_mode like Telegram and refuses what Telegram cannot parse", async () => {
    const fake = await startFake({ rateLimits: { perChat: { limit: 100, windowMs: 1000 } } });
    const bot = botFor(fake);
    fake.userSends(ALICE, "hi");

    const html = await bot.telegram.sendMessage(ALICE.id, "<b>AAPL</b> &gt; $200 <i>note</i>", {
      parse_mode: "HTML",
    });
    expect(html.text).toBe("AAPL > $200 note");
    expect(html.entities).toEqual([
      { type: "bold", offset: 0, length: 4 },
      { type: "italic", offset: 12, length: 4 },
    ]);
    expect(fake.messagesTo(ALICE.id)[0]?.rawText).toBe("<b>AAPL</b> &gt; $200 <i>note</i>");

    const unescapedNote = await telegramError(
      bot.telegram.sendMessage(ALICE.id, "note: <script>alert(1)</script>", { parse_mode: "HTML" }),
    );
    expect(unescapedNote.description).toBe(
      'Bad Request: can\'t parse entities: Unsupported start tag "script" at byte offset 6',
    );

    const markdown = await telegramError(
      bot.telegram.sendMessage(ALICE.id, "AAPL is up 2.5%", { parse_mode: "MarkdownV2" }),
    );
    expect(markdown.description).toBe(
      "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'",
    );
    const escaped = await bot.telegram.sendMessage(ALICE.id, "*AAPL* is up 2\\.5%", {
      parse_mode: "MarkdownV2",
    });
    expect(escaped.text).toBe("AAPL is up 2.5%");
  });

  it("validates inline keyboards like Telegram", async () => {
    const fake = await startFake();
    const bot = botFor(fake);
    fake.userSends(ALICE, "hi");
    const tooLong = await telegramError(
      bot.telegram.sendMessage(
        ALICE.id,
        "x",
        Markup.inlineKeyboard([Markup.button.callback("Delete", `delete:${"x".repeat(64)}`)]),
      ),
    );
    expect(tooLong.description).toBe("Bad Request: BUTTON_DATA_INVALID");
  });

  it("refuses an edit that changes nothing and an answer to an already answered callback", async () => {
    const fake = await startFake();
    const bot = botFor(fake);
    fake.userSends(ALICE, "hi");
    const sent = await bot.telegram.sendMessage(
      ALICE.id,
      "AAPL",
      Markup.inlineKeyboard([Markup.button.callback("Delete", "delete:1")]),
    );

    const unchanged = await telegramError(
      bot.telegram.editMessageText(ALICE.id, sent.message_id, undefined, "AAPL", {
        reply_markup: { inline_keyboard: [[{ text: "Delete", callback_data: "delete:1" }]] },
      }),
    );
    expect(unchanged.description).toMatch(/^Bad Request: message is not modified/);

    const press = fake.userPresses(ALICE, { chatId: ALICE.id, messageId: sent.message_id }, "delete:1");
    const queryId = press.callback_query!.id;
    await bot.telegram.answerCbQuery(queryId, "Deleted");
    const again = await telegramError(bot.telegram.answerCbQuery(queryId, "Deleted"));
    expect(again.code).toBe(400);
    expect(fake.answeredCallbacks()).toHaveLength(1);
  });
});

describe("FakeTelegram getUpdates semantics", () => {
  it("redelivers updates until an offset above them confirms them", async () => {
    const fake = await startFake();
    fake.userSends(ALICE, "one");
    fake.userSends(ALICE, "two");

    const first = (await rawCall(fake, "getUpdates", {})).body.result as Update[];
    const again = (await rawCall(fake, "getUpdates", { offset: first[0]!.update_id })).body
      .result as Update[];
    const afterConfirm = (await rawCall(fake, "getUpdates", { offset: first[1]!.update_id + 1 })).body
      .result as Update[];

    expect(first.map((u) => u.message?.text)).toEqual(["one", "two"]);
    expect(again.map((u) => u.message?.text)).toEqual(["one", "two"]);
    expect(afterConfirm).toEqual([]);
    expect(fake.pendingUpdates()).toEqual([]);
  });

  it("answers a long poll as soon as an update is queued, and honours limit and allowed_updates", async () => {
    const fake = await startFake();
    const poll = rawCall(fake, "getUpdates", { timeout: 30 });
    await until(() => fake.isPolling(), "the long poll to open");
    fake.userSends(ALICE, "/price AAPL");

    const result = (await poll).body.result as Update[];
    expect(result).toHaveLength(1);
    expect(result[0]?.message?.entities).toEqual([{ type: "bot_command", offset: 0, length: 6 }]);

    fake.userSends(ALICE, "a");
    fake.userSends(ALICE, "b");
    const limited = (await rawCall(fake, "getUpdates", { offset: result[0]!.update_id + 1, limit: 1 })).body
      .result as Update[];
    expect(limited.map((u) => u.message?.text)).toEqual(["a"]);

    fake.blockBot(ALICE.id);
    const onlyMessages = (await rawCall(fake, "getUpdates", { allowed_updates: ["message"] })).body
      .result as Update[];
    expect(onlyMessages.every((u) => u.message !== undefined)).toBe(true);
    expect(fake.pendingUpdates().some((u) => u.my_chat_member !== undefined)).toBe(false);
  });

  it("ends a long poll after its timeout with an empty result", async () => {
    const fake = await startFake();
    expect((await rawCall(fake, "getUpdates", { timeout: 1 })).body).toEqual({ ok: true, result: [] });
  });

  it("terminates the older of two concurrent long polls with 409 Conflict", async () => {
    const fake = await startFake();
    const older = rawCall(fake, "getUpdates", { timeout: 30 });
    await until(() => fake.isPolling(), "the first long poll to open");
    const newer = rawCall(fake, "getUpdates", { timeout: 30 });

    const conflict = await older;
    expect(conflict.status).toBe(409);
    expect(conflict.body.description).toBe(
      "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    );
    fake.userSends(ALICE, "hello");
    expect(((await newer).body.result as Update[]).map((u) => u.message?.text)).toEqual(["hello"]);
  });
});

describe("files: documents both ways", () => {
  it("serves a user's document through getFile and the file URL, and takes the bot's upload", async () => {
    const fake = await startFake();
    const bot = botFor(fake);
    const received = new Promise<{ fileId: string; caption: string | undefined; size: number | undefined }>(
      (resolve) =>
        bot.on("document", (ctx) =>
          resolve({
            fileId: ctx.message.document.file_id,
            caption: ctx.message.caption,
            size: ctx.message.document.file_size,
          }),
        ),
    );
    await launch(fake, bot);
    fake.userSendsDocument(ALICE, { filename: "a.csv", data: Buffer.from("x,y\n"), caption: "/import" });
    const doc = await received;
    expect(doc).toMatchObject({ caption: "/import", size: 4 });
    const link = await bot.telegram.getFileLink(doc.fileId);
    expect(link.href).toMatch(
      new RegExp(`^${fake.apiRoot}/file/bot${fake.token}/documents/file_\\d+\\.csv$`),
    );
    const download = await fetch(link);
    expect([download.headers.get("content-length"), await download.text()]).toEqual(["4", "x,y\n"]);
    expect((await fetch(`${fake.apiRoot}/file/bot${fake.token}/documents/nope.csv`)).status).toBe(404);
    expect((await telegramError(bot.telegram.getFile("unknown"))).code).toBe(400);

    await bot.telegram.sendDocument(
      ALICE.id,
      { source: Buffer.from("a,b\r\n"), filename: "out.csv" },
      { caption: "here" },
    );
    const sent = await fake.waitForMessage((m) => m.method === "sendDocument");
    expect(sent).toMatchObject({
      chatId: ALICE.id,
      text: "here",
      document: { source: "upload", filename: "out.csv" },
    });
    expect(sent.document?.data.toString()).toBe("a,b\r\n");
  });

  it("refuses getFile for a document over the 20 MB bots may download", async () => {
    const fake = await startFake();
    const bot = botFor(fake);
    const received = new Promise<string>((resolve) =>
      bot.on("document", (ctx) => resolve(ctx.message.document.file_id)),
    );
    await launch(fake, bot);
    fake.userSendsDocument(ALICE, { filename: "big.bin", data: Buffer.alloc(20 * 1024 * 1024 + 1) });
    const error = await telegramError(bot.telegram.getFile(await received));
    expect(error.description).toBe("Bad Request: file is too big");
  });
});

describe("groups, supergroups and administrators", () => {
  const CAROL = { id: 1003, first_name: "Carol" };
  const DAVE = { id: 1004, first_name: "Dave" };
  const ERIN = { id: 1005, first_name: "Erin" };
  const FRANK = { id: 1006, first_name: "Frank" };

  it("delivers group commands in both forms with the group chat and the sender; a press comes from the presser", async () => {
    const fake = await startFake({ rateLimits: { perChat: { limit: 10, windowMs: 1000 } } });
    const group = fake.createGroup({
      title: "Traders",
      members: [
        { user: ALICE, status: "creator" },
        { user: BOB, status: "member" },
      ],
    });
    const bot = botFor(fake);
    const seen: Array<{ chat: unknown; from: number; payload: string }> = [];
    bot.command("alert", async (ctx) => {
      seen.push({ chat: ctx.chat, from: ctx.from.id, payload: ctx.payload });
      await ctx.reply(
        `Alert set: ${ctx.payload}`,
        Markup.inlineKeyboard([Markup.button.callback("Pause", "p:1")]),
      );
    });
    const pressedBy: number[] = [];
    bot.action("p:1", async (ctx) => {
      pressedBy.push(ctx.from.id);
      await ctx.answerCbQuery("Paused");
      await ctx.editMessageText("Paused by an administrator");
    });
    await launch(fake, bot);

    fake.userSendsInGroup(group.id, BOB, `/alert@${fake.botUser().username} AAPL above 200`);
    const first = await fake.waitForMessageIn(group.id);
    const plain = fake.userSendsInGroup(group.id, ALICE, "/alert MSFT below 300");
    await fake.waitForMessages((m) => m.chatId === group.id, 2);

    expect(plain.entities).toEqual([{ type: "bot_command", offset: 0, length: 6 }]);
    expect(seen).toEqual([
      { chat: { id: group.id, type: "group", title: "Traders" }, from: BOB.id, payload: "AAPL above 200" },
      { chat: { id: group.id, type: "group", title: "Traders" }, from: ALICE.id, payload: "MSFT below 300" },
    ]);
    expect(first).toMatchObject({ method: "sendMessage", text: "Alert set: AAPL above 200" });
    expect(first.message.chat).toEqual({ id: group.id, type: "group", title: "Traders" });
    expect(group.id).toBeLessThan(0);

    fake.userPresses(ALICE, first, "p:1");
    const edit = await fake.waitForMessageIn(group.id, (m) => m.method === "editMessageText");
    expect(pressedBy).toEqual([ALICE.id]);
    expect(fake.answeredCallbacks()[0]).toMatchObject({ userId: ALICE.id, text: "Paused" });
    expect(edit).toMatchObject({ messageId: first.messageId, text: "Paused by an administrator" });
    expect(() => fake.userPresses(CAROL, first, "p:1")).toThrow(/not in group/);
  });

  it("an administrator may post anonymously, as the group: from GroupAnonymousBot, sender_chat the group", async () => {
    const fake = await startFake();
    const group = fake.createGroup({
      title: "Masked",
      type: "supergroup",
      members: [
        { user: ALICE, status: "creator" },
        { user: BOB, status: "member" },
      ],
    });

    const sent = fake.userSendsInGroup(group.id, ALICE, "/alerts", { anonymously: true });

    expect(sent.from).toEqual({
      id: 1087968824,
      is_bot: true,
      first_name: "Group",
      username: "GroupAnonymousBot",
    });
    expect(sent.sender_chat).toEqual({ id: group.id, type: "supergroup", title: "Masked" });
    expect(fake.pendingUpdates().map((u) => u.message?.from.id)).toEqual([1087968824]);
    await botFor(fake).telegram.getChatMember(group.id, ALICE.id);
    expect(fake.callCount("getChatMember")).toBe(1);
    expect(() => fake.userSendsInGroup(group.id, BOB, "/alerts", { anonymously: true })).toThrow(
      /only administrators/,
    );
  });

  it("hides plain talk and other bots' commands from a bot in privacy mode, not from an administrator", async () => {
    const fake = await startFake();
    const members = [{ user: ALICE, status: "creator" as const }];
    const plainMember = fake.createGroup({ title: "Quiet", members });
    const asAdmin = fake.createGroup({ title: "Admin bot", members, botStatus: "administrator" });

    fake.userSendsInGroup(plainMember.id, ALICE, "good morning");
    fake.userSendsInGroup(plainMember.id, ALICE, "/alert@other_bot AAPL above 1");
    fake.userSendsInGroup(plainMember.id, ALICE, "/alerts");
    fake.userSendsInGroup(asAdmin.id, ALICE, "good morning");
    const question = await botFor(fake).telegram.sendMessage(plainMember.id, "Which ticker?");
    fake.userSendsInGroup(plainMember.id, ALICE, "AAPL", { replyTo: question.message_id });

    expect(fake.pendingUpdates().map((u) => [u.message?.chat.id, u.message?.text])).toEqual([
      [plainMember.id, "/alerts"],
      [asAdmin.id, "good morning"],
      [plainMember.id, "AAPL"],
    ]);
    expect(() => fake.userSendsInGroup(plainMember.id, CAROL, "hi")).toThrow(/not in group/);
  });

  it("answers getChatMember for each status, getChatAdministrators and getChat like Telegram", async () => {
    const fake = await startFake();
    fake.userSends(FRANK, "/start"); // met the bot in private, not in the group
    const group = fake.createGroup({
      type: "supergroup",
      title: "Desk",
      members: [
        { user: ALICE, status: "creator" },
        { user: BOB, status: "administrator", rights: { can_restrict_members: false }, customTitle: "Chief" },
        { user: CAROL, status: "member" },
        { user: DAVE, status: "restricted", restrictions: { can_send_messages: true } },
        { user: ERIN, status: "left" },
        { user: { id: 1007 }, status: "kicked" },
      ],
    });
    const api = botFor(fake).telegram;

    expect(String(group.id)).toMatch(/^-100\d{10}$/);
    expect(await api.getChatMember(group.id, ALICE.id)).toEqual({
      status: "creator",
      user: { id: ALICE.id, is_bot: false, first_name: "Alice", username: "alice" },
      is_anonymous: false,
    });
    const admin = await api.getChatMember(group.id, BOB.id);
    expect(admin).toMatchObject({
      status: "administrator",
      custom_title: "Chief",
      can_be_edited: false,
      can_manage_chat: true,
      can_delete_messages: true,
      can_restrict_members: false,
      can_promote_members: false,
      can_pin_messages: true,
    });
    expect(await api.getChatMember(group.id, CAROL.id)).toEqual({
      status: "member",
      user: { id: CAROL.id, is_bot: false, first_name: "Carol" },
    });
    expect(await api.getChatMember(group.id, DAVE.id)).toMatchObject({
      status: "restricted",
      is_member: true,
      can_send_messages: true,
      can_send_photos: false,
      until_date: 0,
    });
    expect((await api.getChatMember(group.id, ERIN.id)).status).toBe("left");
    expect(await api.getChatMember(group.id, 1007)).toMatchObject({ status: "kicked", until_date: 0 });
    expect(await api.getChatMember(group.id, FRANK.id)).toEqual({
      status: "left",
      user: { id: FRANK.id, is_bot: false, first_name: "Frank" },
    });
    expect(await api.getChatMember(group.id, fake.botUser().id)).toMatchObject({
      status: "member",
      user: { is_bot: true },
    });

    const stranger = await telegramError(api.getChatMember(group.id, 999_999));
    expect([stranger.code, stranger.description]).toEqual([400, "Bad Request: user not found"]);
    const noChat = await telegramError(api.getChatMember(-4_000_000_123, ALICE.id));
    expect([noChat.code, noChat.description]).toEqual([400, "Bad Request: chat not found"]);

    const admins = await api.getChatAdministrators(group.id);
    expect(admins.map((member) => [member.user.id, member.status])).toEqual([
      [ALICE.id, "creator"],
      [BOB.id, "administrator"],
    ]);
    expect(await api.getChat(group.id)).toMatchObject({ id: group.id, type: "supergroup", title: "Desk" });
    const privateAdmins = await telegramError(api.getChatAdministrators(FRANK.id));
    expect(privateAdmins.description).toBe("Bad Request: there are no administrators in the private chat");
  });

  it("tells the bot through my_chat_member when it is added and kicked, and then refuses sends with 403", async () => {
    const fake = await startFake();
    const group = fake.createGroup({
      title: "Traders",
      members: [
        { user: ALICE, status: "creator" },
        { user: BOB, status: "member" },
      ],
      botStatus: "left",
    });
    const bot = botFor(fake);
    const memberships: Array<{ from: number; chat: number; old: string; new: string; date: number }> = [];
    const joined: number[] = [];
    bot.on("my_chat_member", (ctx) => {
      const update = ctx.myChatMember;
      memberships.push({
        from: update.from.id,
        chat: update.chat.id,
        old: update.old_chat_member.status,
        new: update.new_chat_member.status,
        date: update.date,
      });
    });
    bot.on(message("new_chat_members"), (ctx) => {
      joined.push(...ctx.message.new_chat_members.map((user) => user.id));
    });
    await launch(fake, bot);
    const notYet = await telegramError(bot.telegram.sendMessage(group.id, "hello?"));
    expect(notYet.description).toBe("Forbidden: bot is not a member of the group chat");

    fake.addBotToGroup(group.id, BOB);
    await until(() => memberships.length === 1 && joined.length === 1, "the bot to hear it was added");
    await bot.telegram.sendMessage(group.id, "Hello, traders");
    expect(() => fake.removeBotFromGroup(group.id, BOB)).toThrow(/not an administrator/);
    fake.removeBotFromGroup(group.id, ALICE, { kick: true });
    await until(() => memberships.length === 2, "the bot to hear it was kicked");

    expect(memberships).toEqual([
      { from: BOB.id, chat: group.id, old: "left", new: "member", date: expect.any(Number) },
      { from: ALICE.id, chat: group.id, old: "member", new: "kicked", date: expect.any(Number) },
    ]);
    expect(joined).toEqual([fake.botUser().id]);
    const kicked = await telegramError(bot.telegram.sendMessage(group.id, "still here?"));
    expect([kicked.code, kicked.description]).toEqual([403, "Forbidden: bot was kicked from the group chat"]);
    expect(fake.messagesTo(group.id).map((m) => m.text)).toEqual(["Hello, traders"]);
    expect(fake.refusals().at(-1)).toMatchObject({ chatId: group.id, errorCode: 403, reason: "api" });
  });

  it("refuses a restricted bot what it may not send, and a supergroup it left with its own wording", async () => {
    const fake = await startFake();
    const api = botFor(fake).telegram;
    const muted = fake.createGroup({
      title: "Muted",
      members: [{ user: ALICE, status: "creator" }],
      botStatus: "restricted",
      botOptions: { restrictions: { can_send_messages: true } },
    });
    await api.sendMessage(muted.id, "text is allowed");
    const photo = await telegramError(api.sendPhoto(muted.id, "https://example.invalid/c.png"));
    expect(photo.description).toBe("Bad Request: not enough rights to send photos to the chat");

    const supergroup = fake.createGroup({
      type: "supergroup",
      title: "Big",
      members: [{ user: ALICE, status: "creator" }],
    });
    await api.leaveChat(supergroup.id);
    expect(fake.pendingUpdates().at(-1)?.my_chat_member).toMatchObject({
      from: { id: fake.botUser().id },
      new_chat_member: { status: "left" },
    });
    const left = await telegramError(api.sendMessage(supergroup.id, "hi"));
    expect([left.code, left.description]).toEqual([
      403,
      "Forbidden: bot is not a member of the supergroup chat",
    ]);
  });

  it("migrates a group to a supergroup: both service messages, and the old id answers with migrate_to_chat_id", async () => {
    const fake = await startFake();
    const group = fake.createGroup({
      title: "Growing",
      members: [
        { user: ALICE, status: "creator" },
        { user: BOB, status: "administrator" },
      ],
    });
    const bot = botFor(fake);
    const moves: Array<{ chat: number; type: string; to?: number; from?: number; sender: number }> = [];
    bot.on(message("migrate_to_chat_id"), (ctx) => {
      moves.push({
        chat: ctx.chat.id,
        type: ctx.chat.type,
        to: ctx.message.migrate_to_chat_id,
        sender: ctx.from.id,
      });
    });
    bot.on(message("migrate_from_chat_id"), (ctx) => {
      moves.push({
        chat: ctx.chat.id,
        type: ctx.chat.type,
        from: ctx.message.migrate_from_chat_id,
        sender: ctx.from.id,
      });
    });
    await launch(fake, bot);

    const supergroupId = fake.migrateToSupergroup(group.id);
    await until(() => moves.length === 2, "both migration messages");

    expect(String(supergroupId)).toMatch(/^-100\d{10}$/);
    expect(moves).toEqual([
      { chat: group.id, type: "group", to: supergroupId, sender: ALICE.id },
      { chat: supergroupId, type: "supergroup", from: group.id, sender: 1087968824 },
    ]);
    const upgraded = await telegramError(bot.telegram.sendMessage(group.id, "hello?"));
    expect(upgraded.code).toBe(400);
    expect(upgraded.description).toBe("Bad Request: group chat was upgraded to a supergroup chat");
    expect(upgraded.parameters?.migrate_to_chat_id).toBe(supergroupId);
    expect(upgraded.response.parameters).toEqual({ migrate_to_chat_id: supergroupId });
    await bot.telegram.sendMessage(supergroupId, "hello again");
    expect((await bot.telegram.getChatMember(supergroupId, BOB.id)).status).toBe("administrator");
    expect(fake.group(group.id)?.upgradedTo).toBe(supergroupId);
    expect(() => fake.migrateToSupergroup(group.id)).toThrow(/was upgraded/);
  });

  it("answers the 21st message within a minute to a group with 429 and retry_after, and takes a custom limit", async () => {
    let now = Date.UTC(2026, 0, 5, 14, 30);
    const fake = await startFake({ now: () => now });
    const api = botFor(fake).telegram;
    const group = fake.createGroup({ title: "Busy", members: [{ user: ALICE, status: "creator" }] });
    fake.userSends(BOB, "hi");

    // One a second, within the per-chat limit: the group's 20 a minute is what stops the 21st.
    for (let n = 1; n <= 20; n++) {
      await api.sendMessage(group.id, `message ${n}`);
      now += 1000;
    }
    const limited = await telegramError(api.sendMessage(group.id, "message 21"));
    await api.sendMessage(BOB.id, "a private chat is not held up by the group");

    expect(limited.code).toBe(429);
    expect(limited.description).toBe("Too Many Requests: retry after 40");
    expect(limited.parameters?.retry_after).toBe(40);
    expect(fake.tooManyRequests()).toMatchObject([
      { chatId: group.id, reason: "rate-limit-group", retryAfter: 40 },
    ]);
    now += 40_000;
    await api.sendMessage(group.id, "message 21, after retry_after");
    expect(fake.messagesTo(group.id)).toHaveLength(21);

    const custom = await startFake({
      now: () => now,
      rateLimits: { perGroup: { limit: 2, windowMs: 10_000 } },
    });
    const customApi = botFor(custom).telegram;
    const small = custom.createGroup({ title: "Small", members: [{ user: ALICE, status: "creator" }] });
    await customApi.sendMessage(small.id, "one");
    now += 1000;
    await customApi.sendMessage(small.id, "two");
    now += 1000;
    const customLimited = await telegramError(customApi.sendMessage(small.id, "three"));
    expect(customLimited.parameters?.retry_after).toBe(8);
  });

  it("sends chat_member about other members only to an administrator bot that asked for it", async () => {
    const fake = await startFake();
    const members = [
      { user: ALICE, status: "creator" as const },
      { user: BOB, status: "member" as const },
    ];
    const watched = fake.createGroup({ title: "Watched", members, botStatus: "administrator" });
    const unwatched = fake.createGroup({ title: "Unwatched", members });

    fake.setMemberStatus(watched.id, { user: BOB, status: "administrator" }, { by: ALICE });
    fake.setMemberStatus(unwatched.id, { user: BOB, status: "administrator" }, { by: ALICE });
    const updates = (await rawCall(fake, "getUpdates", { allowed_updates: ["chat_member"] })).body
      .result as Update[];

    expect(
      updates.map((u) => [
        u.chat_member?.chat.id,
        u.chat_member?.from.id,
        u.chat_member?.old_chat_member.status,
        u.chat_member?.new_chat_member.status,
      ]),
    ).toEqual([[watched.id, ALICE.id, "member", "administrator"]]);
    expect((await botFor(fake).telegram.getChatMember(unwatched.id, BOB.id)).status).toBe("administrator");
    expect(() => fake.setMemberStatus(watched.id, { user: BOB, status: "left" }, { by: CAROL })).toThrow(
      /not in group/,
    );
  });

  it("refuses group set-ups Telegram could not have, with a message saying why", async () => {
    const fake = await startFake();
    const members = [{ user: ALICE, status: "creator" as const }];
    expect(() => fake.createGroup({ id: 42, title: "x", members })).toThrow(/negative integer/);
    expect(() => fake.createGroup({ id: -42, type: "supergroup", title: "x", members })).toThrow(/-100/);
    expect(() => fake.createGroup({ id: -1001234567890, title: "x", members })).toThrow(/basic group id/);
    expect(() => fake.createGroup({ title: " ", members })).toThrow(/title/);
    expect(() =>
      fake.createGroup({
        title: "x",
        members: [
          { user: ALICE, status: "creator" },
          { user: BOB, status: "creator" },
        ],
      }),
    ).toThrow(/at most one creator/);
    expect(() => fake.userSendsInGroup(-7, ALICE, "hi")).toThrow(/no group -7/);
    expect(() => fake.addBotToGroup(fake.createGroup({ title: "y", members }).id, ALICE)).toThrow(
      /already in group/,
    );
  });
});
