import { type ChatContext, COMMAND_HELP, type CommandHandler, type Reply } from "@tickerbell/bot-core";
import type { Logger } from "@tickerbell/config";
import { type Context, Telegraf } from "telegraf";
import { callbackQuery, message } from "telegraf/filters";
import { inlineKeyboard } from "./keyboards.ts";
import { escapeHtml } from "./telegram-notifier.ts";

export interface TelegramBotOptions {
  token: string;
  apiRoot: string;
  handler: CommandHandler;
  logger: Logger;
}

/** The chat side of the Telegram bot: long-polls updates and answers commands and button presses. */
export class TelegramBot {
  readonly bot: Telegraf;
  private readonly options: TelegramBotOptions;
  private running: Promise<void> | null = null;

  constructor(options: TelegramBotOptions) {
    this.options = options;
    this.bot = new Telegraf(options.token, { telegram: { apiRoot: options.apiRoot } });
    this.bot.on(message("text"), (ctx) => this.onText(ctx, ctx.message.text));
    this.bot.on(callbackQuery("data"), (ctx) => this.onButton(ctx, ctx.callbackQuery.data));
    this.bot.catch((error, ctx) => {
      this.options.logger.error({ err: error, updateId: ctx.update.update_id }, "failed handling an update");
    });
  }

  /** Registers the command menu and starts long polling; resolves once polling has begun. */
  async start(): Promise<void> {
    await this.bot.telegram.setMyCommands(
      COMMAND_HELP.map((c) => ({ command: c.name, description: c.summary.slice(0, 256) })),
    );
    await new Promise<void>((resolve, reject) => {
      this.running = this.bot.launch({ dropPendingUpdates: false }, () => resolve());
      this.running.catch(reject);
    });
    this.options.logger.info({ username: this.bot.botInfo?.username }, "telegram bot polling");
  }

  async stop(reason = "shutdown"): Promise<void> {
    try {
      this.bot.stop(reason);
    } catch {
      // Not running (start failed or never called): nothing to stop.
    }
    await this.running?.catch(() => undefined);
  }

  private chatOf(ctx: Context): ChatContext | null {
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
    };
  }

  private async onText(ctx: Context, text: string): Promise<void> {
    const chat = this.chatOf(ctx);
    if (!chat) return;
    const reply = await this.options.handler.handleText(chat, text);
    await ctx.reply(renderHtml(reply), {
      parse_mode: "HTML",
      ...(reply.buttons ? { reply_markup: inlineKeyboard(reply.buttons) } : {}),
    });
  }

  private async onButton(ctx: Context, data: string): Promise<void> {
    const chat = this.chatOf(ctx);
    if (!chat) return;
    const reply = await this.options.handler.handleAction(chat, data);
    await ctx.answerCbQuery(reply.text.slice(0, 190));
    await ctx.editMessageText(renderHtml(reply), { parse_mode: "HTML" }).catch((error: unknown) => {
      // The message may be too old to edit; the callback answer already told the user.
      this.options.logger.debug({ err: error }, "could not edit the message under a button");
    });
  }
}

/** Light markup (`*bold*`) to Telegram HTML, escaping everything else. */
export function renderHtml(reply: Reply): string {
  return escapeHtml(reply.text).replace(/\*([^*\n]+)\*/g, "<b>$1</b>");
}
