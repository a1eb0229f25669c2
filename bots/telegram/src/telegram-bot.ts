import { Agent as HttpAgent } from "node:http";
import {
  APOLOGY,
  type ChatContext,
  COMMAND_HELP,
  type CommandHandler,
  type CommandName,
  type CommunityChat,
  chatLoginErrorOf,
  commandNameOf,
  type DestinationLoss,
  downloadCapped,
  FileTooLargeError,
  FileUnavailableError,
  type IncomingFile,
  type RateLimiter,
  type Reply,
  type ReplyAmendment,
  realSleep,
} from "@tickerbell/bot-core";
import type { Logger } from "@tickerbell/config";
import { type Context, Telegraf, TelegramError } from "telegraf";
import { callbackQuery, message } from "telegraf/filters";
import { inlineKeyboard } from "./keyboards.ts";
import { escapeHtml, MAX_CAPTION_LENGTH } from "./telegram-notifier.ts";

export interface TelegramBotOptions {
  token: string;
  apiRoot: string;
  handler: CommandHandler;
  logger: Logger;
  /**
   * Paces replies and edits. Share it with the notification pipeline: Telegram counts every message to a chat
   * against one limit (about 1/s per chat, 30/s overall), whoever in this process sends it.
   */
  limiter?: RateLimiter;
  /** Where a group's alerts follow the group when it becomes a supergroup (a new chat id). */
  destinations?: GroupDestinations;
  /** Pauses a group's alerts when the bot is removed from it, and tells their creators in private. */
  destinationLoss?: Pick<DestinationLoss, "pause">;
  /** How long a group member's administrator status is trusted once asked (default 60 s). */
  adminCacheMs?: number;
}

/** The alert service's call for a group as a whole (AlertsClient has it). */
export interface GroupDestinations {
  moveDestination(from: string, to: string): Promise<unknown[]>;
}

/**
 * Who may send a command in a group: anyone (it touches no alert), the group's administrators (it acts on the
 * group's alerts), or nobody there (it is about the sender's own account: their private chat).
 */
type GroupAccess = "anyone" | "admins" | "private";
const GROUP_ACCESS: Record<CommandName, GroupAccess> = {
  start: "anyone",
  help: "anyone",
  price: "anyone",
  chart: "anyone",
  alert: "admins",
  "alert-levels": "admins",
  alerts: "admins",
  delete: "admins",
  pause: "admins",
  resume: "admins",
  rearm: "admins",
  snooze: "admins",
  edit: "admins",
  bulk: "admins",
  history: "private",
  watch: "private",
  unwatch: "private",
  watchlist: "private",
  link: "private",
  settings: "private",
  export: "private",
  import: "private",
  webhook: "private",
};

/** The user Telegram shows as the sender when an administrator posts anonymously, as the group. */
const GROUP_ANONYMOUS_BOT_ID = 1087968824;
/** Administrator answers remembered at most; the oldest is forgotten first. */
const ADMIN_ANSWERS_KEPT = 10_000;

/** Tries per reply when Telegram answers 429; each waits the retry_after it was given. */
const REPLY_ATTEMPTS = 4;

/** The chat side of the Telegram bot: long-polls updates and answers commands and button presses. */
export class TelegramBot {
  readonly bot: Telegraf;
  readonly #options: TelegramBotOptions;
  #running: Promise<void> | null = null;
  /**
   * `chatId:userId` → whether they administer the group, asked of Telegram at most once a minute: a burst of
   * commands is one getChatMember call, not one each. The promise is kept so concurrent commands share it.
   */
  readonly #admins = new Map<string, { isAdmin: Promise<boolean>; until: number }>();
  /** `chatId:messageId` of replies waiting for their amendment: still as sent, or changed by a button press. */
  readonly #awaitingAmendment = new Map<string, "as sent" | "pressed">();

  constructor(options: TelegramBotOptions) {
    this.#options = options;
    this.bot = new Telegraf(options.token, { telegram: { apiRoot: options.apiRoot } });
    // For an http:// API root (a local Bot API server, the fakes) telegraf drops its keep-alive agent and every
    // request opens and closes a connection; at hundreds of DMs a second that costs more than the sends.
    if (options.apiRoot.startsWith("http://")) {
      this.bot.telegram.options.agent = new HttpAgent({ keepAlive: true, keepAliveMsecs: 10_000 });
    }
    this.bot.on(message("text"), (ctx) => this.#onText(ctx, ctx.message.text));
    this.bot.on(message("document"), (ctx) =>
      this.#onDocument(ctx, ctx.message.document, ctx.message.caption),
    );
    this.bot.on(callbackQuery("data"), (ctx) => this.#onButton(ctx, ctx.callbackQuery.data));
    this.bot.on("my_chat_member", (ctx) =>
      this.#onBotMembership(ctx.myChatMember.chat, ctx.myChatMember.new_chat_member.status),
    );
    this.bot.on(message("migrate_to_chat_id"), (ctx) =>
      this.#onMigrated(String(ctx.chat.id), String(ctx.message.migrate_to_chat_id)),
    );
    this.bot.catch((error, ctx) => {
      this.#options.logger.error({ err: error, updateId: ctx.update.update_id }, "failed handling an update");
    });
  }

  /** Registers the command menu and starts long polling; resolves once polling has begun. */
  async start(): Promise<void> {
    try {
      await this.bot.telegram.setMyCommands(
        COMMAND_HELP.map((c) => ({ command: c.name, description: c.summary.slice(0, 256) })),
      );
      await new Promise<void>((resolve, reject) => {
        this.#running = this.bot.launch({ dropPendingUpdates: false }, () => resolve());
        this.#running.catch(reject);
      });
    } catch (error) {
      throw this.#loginError(error);
    }
    this.#options.logger.info({ username: this.bot.botInfo?.username }, "telegram bot polling");
  }

  /** A refused token or an unreachable API as a ChatLoginError; anything else as it was. */
  #loginError(error: unknown): unknown {
    return chatLoginErrorOf(error, "telegram", {
      refused: error instanceof TelegramError && error.code === 401,
      refusedMessage:
        "Telegram refused TELEGRAM_TOKEN (401 Unauthorized): check it against the token @BotFather gave you (/mybots → API Token)",
      unreachableMessage: (code) =>
        `could not reach Telegram at ${this.#options.apiRoot} (${code}): check the network, or TELEGRAM_API_ROOT if set`,
    });
  }

  async stop(reason = "shutdown"): Promise<void> {
    const running = this.#running;
    if (running === null) return;
    let settled = false;
    const done = running.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    // telegraf's launch tells it connected (start resolves) before it starts polling (after deleteWebhook), and
    // until then bot.stop finds nothing to stop: it is asked again until polling has started or launch ended.
    while (!settled && !this.#stopPolling(reason)) await new Promise((resolve) => setTimeout(resolve, 20));
    await done;
  }

  /** Whether telegraf had polling to stop. */
  #stopPolling(reason: string): boolean {
    try {
      this.bot.stop(reason);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The bot left a group or was removed from it: the group's alerts could only fail from now on, so they are
   * paused (kept, not firing), and each creator hears of it in their private chat.
   */
  async #onBotMembership(chat: { id: number; type: string; title?: string }, status: string): Promise<void> {
    const loss = this.#options.destinationLoss;
    if (!loss || !isGroupChat(chat)) return;
    if (status !== "left" && status !== "kicked") return;
    await loss.pause(
      { platform: "telegram", chatId: String(chat.id), name: quotedTitle(chat) },
      "bot_removed",
    );
  }

  /** A group became a supergroup (a new chat id): its alerts are posted there from now on. */
  async #onMigrated(from: string, to: string): Promise<void> {
    const destinations = this.#options.destinations;
    if (!destinations) return;
    const moved = await destinations.moveDestination(from, to);
    this.#options.logger.info(
      { from, to, moved: moved.length },
      "group became a supergroup: its alerts moved",
    );
  }

  /**
   * Who a command in a group acts as, or why it may not: anyone for what touches no alert, a group administrator
   * (acting for the group: `community`) for alert commands, nobody for personal ones. Plain talk and commands
   * this bot does not know (another bot's, bare) are ignored: null.
   */
  async #groupTurn(ctx: Context, text: string): Promise<{ chat: ChatContext } | { refusal: string } | null> {
    const name = commandNameOf(text);
    if (name === null) return null;
    const access = GROUP_ACCESS[name];
    if (access === "private") return { refusal: `/${name} is about your own account: ${this.#privately()}` };
    const chat = this.#chatOf(ctx);
    if (chat === null) return null;
    if (access === "anyone") return { chat };
    return this.#asAdmin(ctx, chat);
  }

  /**
   * The person acting for the group (`community` set) if they administer it: Telegram's word, remembered
   * briefly. An administrator posting anonymously shows as the group itself, and acts as the group.
   */
  async #asAdmin(ctx: Context, person: ChatContext): Promise<{ chat: ChatContext } | { refusal: string }> {
    const group = ctx.chat;
    if (!group || !isGroupChat(group)) return { refusal: this.#notAdminText() };
    const name = quotedTitle(group);
    const community: CommunityChat = { kind: "group", chatId: String(group.id), ...(name ? { name } : {}) };
    const senderChat = (ctx.msg as { sender_chat?: { id: number } } | undefined)?.sender_chat;
    if (ctx.from?.id === GROUP_ANONYMOUS_BOT_ID && senderChat?.id === group.id) {
      // Telegram does not say which administrator it was: the group is the creator of what they set.
      const title = "title" in group ? group.title : undefined;
      return {
        chat: {
          platform: "telegram",
          platformUserId: String(group.id),
          chatId: String(group.id),
          ...(title ? { displayName: title } : {}),
          community,
        },
      };
    }
    let isAdmin: boolean;
    try {
      isAdmin = await this.#isAdmin(group.id, Number(person.platformUserId));
    } catch (error) {
      this.#options.logger.warn(
        { err: error, chatId: group.id },
        "could not ask Telegram who administers a group",
      );
      return {
        refusal: "I could not check the group's administrators just now. Please try again in a moment.",
      };
    }
    return isAdmin ? { chat: { ...person, community } } : { refusal: this.#notAdminText() };
  }

  async #isAdmin(chatId: number, userId: number): Promise<boolean> {
    const key = `${chatId}:${userId}`;
    const now = Date.now();
    const known = this.#admins.get(key);
    if (known !== undefined && known.until > now) return known.isAdmin;
    const isAdmin = this.bot.telegram
      .getChatMember(chatId, userId)
      .then((member) => member.status === "creator" || member.status === "administrator");
    this.#admins.delete(key);
    this.#admins.set(key, { isAdmin, until: now + (this.#options.adminCacheMs ?? 60_000) });
    if (this.#admins.size > ADMIN_ANSWERS_KEPT) this.#admins.delete(this.#admins.keys().next().value!);
    // A failed question is not remembered: the next command asks again.
    isAdmin.catch(() => {
      if (this.#admins.get(key)?.isAdmin === isAdmin) this.#admins.delete(key);
    });
    return isAdmin;
  }

  #notAdminText(): string {
    return `Only group admins can set group alerts. For your own alerts, ${this.#privately()}`;
  }

  #privately(): string {
    return `message me privately: https://t.me/${this.bot.botInfo?.username ?? ""}`;
  }

  #chatOf(ctx: Context): ChatContext | null {
    const from = ctx.from;
    const chat = ctx.chat;
    if (!from || !chat) return null;
    const name = [from.first_name, from.last_name].filter(Boolean).join(" ");
    return {
      platform: "telegram",
      platformUserId: String(from.id),
      // Notifications go to the private chat with the user, even when the command came from a group.
      chatId: String(from.id),
      ...(name ? { displayName: name } : {}),
      ...(isGroupChat(chat) ? { seenByOthers: true } : {}),
    };
  }

  async #onText(ctx: Context, text: string): Promise<void> {
    if (ctx.chat === undefined) return;
    if (this.#addressedToAnotherBot(text, ctx.botInfo?.username)) return;
    let chat = this.#chatOf(ctx);
    if (isGroupChat(ctx.chat)) {
      const turn = await this.#groupTurn(ctx, text);
      if (turn === null) return;
      if ("refusal" in turn) {
        await this.#send(ctx, ctx.chat.id, { text: turn.refusal });
        return;
      }
      chat = turn.chat;
    }
    if (!chat) return;
    // `/import` answering a file the user sent imports that file.
    const replied = (ctx.message as { reply_to_message?: { document?: TelegramDocument } } | undefined)
      ?.reply_to_message?.document;
    const reply =
      replied !== undefined && isImportCommand(text)
        ? await this.#options.handler.handleImport(chat, this.#incomingFile(replied))
        : await this.#options.handler.handleText(chat, text);
    await this.#answer(ctx, ctx.chat.id, reply);
  }

  /**
   * A command's reply; should Telegram refuse it (or it could not be built), a plain apology in its place, so
   * the user is never left unanswered. One the chat cannot take either (the bot blocked) is only logged.
   */
  async #answer(ctx: Context, chatId: number, reply: Reply): Promise<void> {
    try {
      const sent = await this.#send(ctx, chatId, reply);
      if (reply.amended !== undefined && sent !== null) this.#amendLater(ctx, chatId, sent, reply.amended);
    } catch (error) {
      this.#options.logger.error(
        { err: error, updateId: ctx.update.update_id },
        "could not send a command's reply; sending an apology instead",
      );
      await this.#send(ctx, chatId, { text: APOLOGY });
    }
  }

  /** A file with the caption `/import` is imported; in a private chat, any other file gets told how. */
  async #onDocument(ctx: Context, document: TelegramDocument, caption: string | undefined): Promise<void> {
    const chat = this.#chatOf(ctx);
    if (!chat || ctx.chat === undefined) return;
    if (caption !== undefined && this.#addressedToAnotherBot(caption, ctx.botInfo?.username)) return;
    if (caption !== undefined && isImportCommand(caption) && isGroupChat(ctx.chat)) {
      await this.#send(ctx, ctx.chat.id, { text: `/import is about your own account: ${this.#privately()}` });
    } else if (caption !== undefined && isImportCommand(caption)) {
      await this.#answer(
        ctx,
        ctx.chat.id,
        await this.#options.handler.handleImport(chat, this.#incomingFile(document)),
      );
    } else if (ctx.chat.type === "private") {
      await this.#send(ctx, ctx.chat.id, {
        text: "To import this file, answer it with /import (or send it with the caption /import).",
      });
    }
  }

  /**
   * The document, read only when the handler asks: its declared size is checked first, getFile's next, and the
   * download stops at the cap. The file URL holds the token: it is never logged or shown.
   */
  #incomingFile(document: TelegramDocument): IncomingFile {
    const telegram = this.bot.telegram;
    return {
      name: document.file_name ?? "file",
      size: document.file_size ?? null,
      read: async (maxBytes) => {
        let file: Awaited<ReturnType<typeof telegram.getFile>>;
        try {
          file = await telegram.getFile(document.file_id);
        } catch (error) {
          if (error instanceof TelegramError && /too big/i.test(error.description))
            throw new FileTooLargeError(null, maxBytes);
          throw new FileUnavailableError("getFile failed", error);
        }
        if (file.file_size !== undefined && file.file_size > maxBytes)
          throw new FileTooLargeError(file.file_size, maxBytes);
        const link = await telegram.getFileLink(file);
        if (link.protocol !== "http:" && link.protocol !== "https:")
          throw new FileUnavailableError("the Bot API server keeps files locally");
        return downloadCapped(link.href, maxBytes);
      },
    };
  }

  /**
   * Edits a sent reply into its amended form once that is ready (a dry run past its budget), unless a button
   * under it was pressed meanwhile: what the press made of the message stands.
   */
  #amendLater(
    ctx: Context,
    chatId: number,
    messageId: number,
    amended: Promise<ReplyAmendment | null>,
  ): void {
    const key = `${chatId}:${messageId}`;
    this.#awaitingAmendment.set(key, "as sent");
    void amended
      .then(async (amendment) => {
        if (amendment === null || this.#awaitingAmendment.get(key) !== "as sent") return;
        // One message it was; one message it stays (a reply near Telegram's length limit keeps its first form).
        const [text, ...more] = renderMessages(amendment.reply);
        if (text === undefined || more.length > 0) return;
        await this.#paced(String(chatId), () =>
          ctx.telegram.editMessageText(chatId, messageId, undefined, text, {
            parse_mode: "HTML",
            ...(amendment.reply.buttons ? { reply_markup: inlineKeyboard(amendment.reply.buttons) } : {}),
          }),
        );
      })
      .catch((error: unknown) => {
        this.#options.logger.warn({ err: error, chatId }, "could not edit a reply with what came after it");
      })
      .finally(() => this.#awaitingAmendment.delete(key));
  }

  /**
   * A reply: its text (in as many messages as it takes, buttons under the last), and its file as a document.
   * Resolves with the message id when it went as one text message (one that can be edited into its amended form).
   */
  async #send(ctx: Context, chatId: number, reply: Reply): Promise<number | null> {
    const image = reply.image;
    const caption = image === undefined ? null : renderHtml({ text: reply.text });
    // A picture (a /chart) carries its text as its caption when it fits in one.
    if (image !== undefined && caption !== null && caption.length <= MAX_CAPTION_LENGTH) {
      await this.#paced(String(chatId), () =>
        ctx.telegram.sendPhoto(
          chatId,
          { source: Buffer.from(image.data), filename: image.name },
          {
            caption,
            parse_mode: "HTML",
            ...(reply.buttons ? { reply_markup: inlineKeyboard(reply.buttons) } : {}),
          },
        ),
      );
      return null;
    }
    // A long answer (a hundred alerts) goes out as several messages; the buttons sit under the last one.
    const parts = renderMessages(reply);
    let sent: number | null = null;
    for (const [i, part] of parts.entries()) {
      const last = i === parts.length - 1;
      const message = await this.#paced(String(chatId), () =>
        ctx.telegram.sendMessage(chatId, part, {
          parse_mode: "HTML",
          ...(last && reply.buttons ? { reply_markup: inlineKeyboard(reply.buttons) } : {}),
        }),
      );
      sent = parts.length === 1 ? message.message_id : null;
    }
    // A picture whose text was too long for a caption follows the text on its own.
    if (image !== undefined) {
      await this.#paced(String(chatId), () =>
        ctx.telegram.sendPhoto(chatId, { source: Buffer.from(image.data), filename: image.name }),
      );
    }
    const file = reply.file;
    if (file !== undefined) {
      await this.#paced(String(chatId), () =>
        ctx.telegram.sendDocument(chatId, { source: Buffer.from(file.data), filename: file.name }),
      );
    }
    return image === undefined && file === undefined ? sent : null;
  }

  /** In a group, `/alert@other_bot …` is for that bot: only a bare command or one naming this bot is ours. */
  #addressedToAnotherBot(text: string, username: string | undefined): boolean {
    const addressee = /^\/[A-Za-z0-9_]+@([A-Za-z0-9_]+)/.exec(text.trimStart())?.[1];
    return addressee !== undefined && addressee.toLowerCase() !== username?.toLowerCase();
  }

  async #onButton(ctx: Context, data: string): Promise<void> {
    let chat = this.#chatOf(ctx);
    if (!chat) return;
    // Every button acts on an alert: under a group's message, only its administrators may press them.
    const where = ctx.callbackQuery?.message?.chat;
    if (where !== undefined && isGroupChat(where)) {
      const acting = await this.#asAdmin(ctx, chat);
      if ("refusal" in acting) {
        await ctx.answerCbQuery(acting.refusal, { show_alert: true });
        return;
      }
      chat = acting.chat;
    }
    const reply = await this.#options.handler.handleAction(chat, data);
    // Answer first: the client shows a spinner on the button until it is answered.
    // Its text is capped at 200 characters; cut by code point so an emoji is never split in half.
    const answer = Array.from(reply.text.split("\n")[0]!).slice(0, 190).join("");
    // A press that changed nothing (the alert was deleted since, the button is stale) is answered on its own,
    // as a pop-up: the message it sits under (a whole /alerts list, say) stays as it was.
    if (!reply.alerts?.length) {
      await ctx.answerCbQuery(answer, { show_alert: true });
      return;
    }
    await ctx.answerCbQuery(answer);
    const message = ctx.callbackQuery?.message;
    if (!message) return;
    // A message that carries several notifications keeps them: the answer goes below it instead of over it.
    if (isCoalescedNotification(message)) {
      await this.#paced(String(message.chat.id), () =>
        ctx.telegram.sendMessage(message.chat.id, renderMessages(reply)[0]!, {
          parse_mode: "HTML",
          ...(reply.buttons ? { reply_markup: inlineKeyboard(reply.buttons) } : {}),
        }),
      );
      return;
    }
    // A reply waiting for its amendment keeps what this press makes of it.
    const key = `${message.chat.id}:${message.message_id}`;
    if (this.#awaitingAmendment.has(key)) this.#awaitingAmendment.set(key, "pressed");
    const text = renderMessages(reply)[0]!;
    const extra = {
      parse_mode: "HTML" as const,
      ...(reply.buttons ? { reply_markup: inlineKeyboard(reply.buttons) } : {}),
    };
    // A notification its chart was edited into is a photo: the answer goes in its caption (it has no text).
    const isPhoto = "photo" in message && message.photo !== undefined;
    await this.#paced(String(message.chat.id), () =>
      isPhoto && text.length <= MAX_CAPTION_LENGTH
        ? ctx.telegram.editMessageCaption(message.chat.id, message.message_id, undefined, text, extra)
        : ctx.telegram.editMessageText(message.chat.id, message.message_id, undefined, text, extra),
    ).catch((error: unknown) => {
      // The message may be too old to edit; the callback answer already told the user.
      this.#options.logger.debug({ err: error }, "could not edit the message under a button");
    });
  }

  /** Sends within the rate limits, riding out a 429 by waiting the retry_after Telegram names. */
  async #paced<T>(chatId: string, send: () => Promise<T>): Promise<T> {
    const limiter = this.#options.limiter;
    for (let attempt = 1; ; attempt++) {
      await limiter?.acquire(chatId);
      try {
        return await send();
      } catch (error) {
        if (!(error instanceof TelegramError) || error.code !== 429 || attempt >= REPLY_ATTEMPTS) throw error;
        const waitMs = (error.parameters?.retry_after ?? 1) * 1000;
        this.#options.logger.warn({ chatId, waitMs, attempt }, "Telegram said too many requests; waiting");
        if (limiter) limiter.backOff(waitMs, chatId);
        else await realSleep(waitMs);
      }
    }
  }
}

interface TelegramDocument {
  file_id: string;
  file_name?: string;
  file_size?: number;
}

function isGroupChat(chat: { type: string }): boolean {
  return chat.type === "group" || chat.type === "supergroup";
}

/** How replies and creators' messages name a group: its title in quotes. */
function quotedTitle(chat: object): string | undefined {
  const title = (chat as { title?: string }).title;
  return title ? `“${title}”` : undefined;
}

/** `/import`, `/import@this_bot`, with anything after it. */
function isImportCommand(text: string): boolean {
  return /^\/import(@[A-Za-z0-9_]+)?(\s|$)/i.test(text.trim());
}

/** Light markup (`*bold*`) to Telegram HTML, escaping everything else. */
export function renderHtml(reply: Pick<Reply, "text">): string {
  return escapeHtml(reply.text).replace(/\*([^*\n]+)\*/g, "<b>$1</b>");
}

/** Telegram refuses a message longer than this (counted after the markup is parsed; we count before, safely). */
export const MAX_MESSAGE_LENGTH = 4096;
/** A line this long (raw) stays under the limit even if every character were escaped into `&amp;`. */
const SAFE_PIECE = Math.floor(MAX_MESSAGE_LENGTH / 5);

/** The reply as one or more Telegram HTML messages, split between lines, each within MAX_MESSAGE_LENGTH. */
export function renderMessages(reply: Pick<Reply, "text">): string[] {
  const lines = reply.text.split("\n").flatMap((line) => {
    if (renderHtml({ text: line }).length <= MAX_MESSAGE_LENGTH) return [line];
    const pieces: string[] = [];
    for (let at = 0; at < line.length; at += SAFE_PIECE) pieces.push(line.slice(at, at + SAFE_PIECE));
    return pieces;
  });
  const messages: string[] = [];
  let current: string[] = [];
  for (const line of lines) {
    const candidate = renderHtml({ text: [...current, line].join("\n") });
    if (current.length > 0 && candidate.length > MAX_MESSAGE_LENGTH) {
      messages.push(renderHtml({ text: current.join("\n") }));
      current = [line];
    } else {
      current.push(line);
    }
  }
  messages.push(renderHtml({ text: current.join("\n") }));
  return messages;
}

/** A notification DM (it starts with 🔔 or ⌛) whose buttons act on several alerts: several firings in one. */
function isCoalescedNotification(message: object): boolean {
  const { text, reply_markup: markup } = message as {
    text?: string;
    reply_markup?: { inline_keyboard?: Array<Array<{ callback_data?: string }>> };
  };
  if (!text || !/^(🔔|⌛)/u.test(text)) return false;
  const alerts = new Set<string>();
  for (const row of markup?.inline_keyboard ?? []) {
    for (const button of row) {
      const id = button.callback_data?.split(":")[1];
      if (id) alerts.add(id);
    }
  }
  return alerts.size > 1;
}
