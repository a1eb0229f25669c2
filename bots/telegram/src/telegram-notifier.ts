import { DeliveryError, formatNotification, type Notifier } from "@tickerbell/bot-core";
import type { Notification } from "@tickerbell/contracts";
import { type Telegram, TelegramError } from "telegraf";
import { notificationKeyboard } from "./keyboards.ts";

/**
 * Sends notification DMs through the Bot API and sorts failures: 429 and 5xx are worth retrying (429 with the
 * API's retry_after), 403 (blocked, deactivated) and 400 "chat not found" never will succeed.
 */
export class TelegramNotifier implements Notifier {
  readonly platform = "telegram" as const;
  private readonly telegram: Telegram;

  constructor(telegram: Telegram) {
    this.telegram = telegram;
  }

  async send(notification: Notification): Promise<void> {
    const message = formatNotification(notification);
    const text = [`<b>${escapeHtml(message.title)}</b>`, ...message.lines.map(escapeHtml)].join("\n");
    try {
      await this.telegram.sendMessage(notification.origin.chatId, text, {
        parse_mode: "HTML",
        reply_markup: notificationKeyboard(notification),
      });
    } catch (error) {
      throw classify(error);
    }
  }
}

export function classify(error: unknown): DeliveryError {
  if (error instanceof TelegramError) {
    const code = error.code;
    if (code === 429) {
      const seconds = error.parameters?.retry_after ?? 1;
      return new DeliveryError("rate limited by Telegram", {
        retryable: true,
        code: "429",
        retryAfterMs: seconds * 1000,
      });
    }
    if (code === 403) {
      return new DeliveryError("the user blocked the bot", {
        retryable: false,
        code: "blocked_by_user",
        cause: error,
      });
    }
    if (code === 400 && /chat not found|user is deactivated/i.test(error.description)) {
      return new DeliveryError("the chat does not exist", {
        retryable: false,
        code: "chat_not_found",
        cause: error,
      });
    }
    if (code >= 500)
      return new DeliveryError(`Telegram answered ${code}`, { retryable: true, code: String(code) });
    return new DeliveryError(`Telegram refused the message (${code})`, {
      retryable: false,
      code: String(code),
    });
  }
  return new DeliveryError("network failure talking to Telegram", {
    retryable: true,
    code: "network",
    cause: error,
  });
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
