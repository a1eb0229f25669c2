import {
  type ChartEdit,
  DeliveryError,
  type DestinationLostCode,
  type Digest,
  fileNameOf,
  formatNotification,
  type NotificationBatch,
  type Notifier,
  type NotifyOptions,
  type RateLimiter,
  realSleep,
  type SentMessage,
} from "@tickerbell/bot-core";
import type { Logger } from "@tickerbell/config";
import type { Notification } from "@tickerbell/contracts";
import { type Telegram, TelegramError } from "telegraf";
import { compactNotificationKeyboard, notificationKeyboard } from "./keyboards.ts";

/**
 * Notifications in one message at most: a block is at most about 450 characters (a 200-character note included),
 * so eight stay inside Telegram's 4,096.
 */
export const TELEGRAM_MAX_NOTIFICATIONS_PER_MESSAGE = 8;

/** A photo's caption, in characters: counted here on the HTML, which is never shorter than what Telegram counts. */
export const MAX_CAPTION_LENGTH = 1024;

export interface TelegramNotifierOptions {
  /**
   * Send with `allow_paid_broadcast`: Telegram then takes up to 1,000 messages a second instead of about 30,
   * billing the bot's Stars balance for what exceeds the free limit.
   */
  allowPaidBroadcast?: boolean;
  /** Where a group's alerts follow it when a send finds it became a supergroup (a new chat id). */
  destinations?: { moveDestination(from: string, to: string): Promise<unknown[]> };
  /** Paces `tellUser`'s private messages (the pipeline paces `send` itself). */
  limiter?: RateLimiter;
  logger?: Logger;
}

/** Tries of one `tellUser` message when Telegram answers 429; each waits the retry_after it was given. */
const TELL_ATTEMPTS = 4;

/**
 * Sends notification DMs through the Bot API: one HTML message per batch, a block per notification, and the
 * buttons of the notification when there is one (a compact row per alert otherwise). Sorts failures: 429 and
 * 5xx are worth retrying (429 with the API's retry_after), 403 (blocked, deactivated) and 400 "chat not found"
 * never will succeed.
 */
export class TelegramNotifier implements Notifier {
  readonly platform = "telegram" as const;
  readonly maxBatch = TELEGRAM_MAX_NOTIFICATIONS_PER_MESSAGE;
  readonly #telegram: Telegram;
  readonly #allowPaidBroadcast: boolean;
  readonly #options: TelegramNotifierOptions;

  constructor(telegram: Telegram, options: TelegramNotifierOptions = {}) {
    this.#telegram = telegram;
    this.#allowPaidBroadcast = options.allowPaidBroadcast ?? false;
    this.#options = options;
  }

  /**
   * `options.display` is the reader's zone, for the times the notification shows. A group that became a
   * supergroup gets it at its new id at once (and its alerts are moved there), so the firing is not lost.
   */
  async send(batch: NotificationBatch, options: NotifyOptions = {}): Promise<SentMessage> {
    const chatId = batch[0].origin.chatId;
    try {
      return await this.#post(chatId, batch, options);
    } catch (error) {
      const movedTo = migratedTo(error);
      if (movedTo === undefined) throw classify(error, { group: isGroupId(chatId) });
      await this.#move(chatId, movedTo);
      try {
        return await this.#post(movedTo, batch, options);
      } catch (again) {
        throw classify(again, { group: true });
      }
    }
  }

  /** The group's alerts to its supergroup; a failure is only logged: the next send to the old id tries again. */
  async #move(from: string, to: string): Promise<void> {
    try {
      const moved = await this.#options.destinations?.moveDestination(from, to);
      this.#options.logger?.info(
        { from, to, moved: moved?.length },
        "a group became a supergroup: alerts moved",
      );
    } catch (error) {
      this.#options.logger?.warn({ err: error, from, to }, "could not move a migrated group's alerts");
    }
  }

  async #post(chatId: string, batch: NotificationBatch, options: NotifyOptions): Promise<SentMessage> {
    const chart = batch.length === 1 ? options.chart : undefined;
    const html = notificationsHtml(batch, options);
    const extra = {
      parse_mode: "HTML" as const,
      reply_markup: batch.length === 1 ? notificationKeyboard(batch[0]) : compactNotificationKeyboard(batch),
      // Not in telegraf's types yet (Bot API 7.11); telegraf passes the extra fields through as they are.
      ...(this.#allowPaidBroadcast ? { allow_paid_broadcast: true } : {}),
    };
    // The chart is the message's photo and the text its caption, when the text fits in one; a longer text
    // (a long note) goes as a message without the chart rather than cut.
    if (chart?.png && html.length <= MAX_CAPTION_LENGTH) {
      const png = { source: chart.png, filename: `${fileNameOf(batch[0].symbol)}.png` };
      try {
        const message = await this.#telegram.sendPhoto(chatId, png, { ...extra, caption: html });
        return { chatId, messageId: String(message.message_id) };
      } catch (error) {
        // A group may let the bot send text but not photos: the notification goes without its chart.
        if (!(error instanceof TelegramError && /rights to send photos/i.test(error.description)))
          throw error;
      }
    }
    const message = await this.#telegram.sendMessage(chatId, html + missingChartFooter(chart), extra);
    return { chatId, messageId: String(message.message_id) };
  }

  /**
   * A plain private message to one person (a group alert's creator, told their alert was paused), within the
   * rate limits, riding out a 429.
   */
  async tellUser(platformUserId: string, text: string): Promise<void> {
    const limiter = this.#options.limiter;
    for (let attempt = 1; ; attempt++) {
      await limiter?.acquire(platformUserId);
      try {
        await this.#telegram.sendMessage(platformUserId, text);
        return;
      } catch (error) {
        const failure = classify(error);
        if (failure.code !== "429" || attempt >= TELL_ATTEMPTS) throw failure;
        const waitMs = failure.retryAfterMs ?? 1000;
        if (limiter) limiter.backOff(waitMs, platformUserId);
        else await realSleep(waitMs);
      }
    }
  }

  /**
   * Turns a sent notification into a photo with its text as the caption (Bot API 9: `editMessageMedia` adds media
   * to a text message), or adds the footer that says why there is no chart. Its buttons are given again: an edit
   * without them would drop them. A text too long for a caption stays as it is.
   */
  async attachChart(sent: SentMessage, notification: Notification, options: ChartEdit): Promise<void> {
    const { chart } = options;
    const html = notificationsHtml([notification], options);
    const extra = { reply_markup: notificationKeyboard(notification) };
    const messageId = Number(sent.messageId);
    try {
      if (chart.png !== null) {
        if (html.length > MAX_CAPTION_LENGTH) return;
        const media = {
          type: "photo" as const,
          media: { source: chart.png, filename: `${notification.symbol}.png` },
          caption: html,
          parse_mode: "HTML" as const,
        };
        await this.#telegram.editMessageMedia(sent.chatId, messageId, undefined, media, extra);
        return;
      }
      await this.#telegram.editMessageText(
        sent.chatId,
        messageId,
        undefined,
        html + missingChartFooter(chart),
        {
          parse_mode: "HTML",
          ...extra,
        },
      );
    } catch (error) {
      throw classify(error, { group: isGroupId(sent.chatId) });
    }
  }

  /** The quiet-hours digest: one HTML message, a bold title, then each ticker in bold with its firings. */
  async sendDigest(chatId: string, digest: Digest): Promise<void> {
    try {
      await this.#telegram.sendMessage(chatId, digestHtml(digest), {
        parse_mode: "HTML",
        ...(this.#allowPaidBroadcast ? { allow_paid_broadcast: true } : {}),
      });
    } catch (error) {
      throw classify(error, { group: isGroupId(chatId) });
    }
  }
}

/** Where a chart could not be made: an italic last line that says why. */
function missingChartFooter(chart: NotifyOptions["chart"]): string {
  return chart?.missing ? `\n<i>chart unavailable: ${escapeHtml(chart.missing)}</i>` : "";
}

export function digestHtml(digest: Digest): string {
  return [
    `<b>${escapeHtml(digest.title)}</b>`,
    ...digest.groups.flatMap((g) => ["", `<b>${escapeHtml(g.symbol)}</b>`, ...g.lines.map(escapeHtml)]),
    ...(digest.omitted > 0 ? ["", `…and ${digest.omitted} more`] : []),
  ].join("\n");
}

/** A block per notification (bold title, then its lines), separated by an empty line. */
export function notificationsHtml(batch: readonly Notification[], options: NotifyOptions = {}): string {
  return batch
    .map((notification) => {
      // Times in the reader's zone (UTC unless they set one).
      const message = formatNotification(notification, options.display);
      return [
        `<b>${escapeHtml(message.title)}</b>`,
        ...message.fields.map((field) => `${escapeHtml(field.label)}: ${escapeHtml(field.value)}`),
      ].join("\n");
    })
    .join("\n\n");
}

/** Telegram's group, supergroup and channel ids are negative; a person's (their private chat's) positive. */
function isGroupId(chatId: string): boolean {
  return Number(chatId) < 0;
}

/** The supergroup a basic group became, from the 400 its old id answers (`parameters.migrate_to_chat_id`). */
function migratedTo(error: unknown): string | undefined {
  if (!(error instanceof TelegramError) || error.code !== 400) return undefined;
  const to = error.parameters?.migrate_to_chat_id;
  return to === undefined ? undefined : String(to);
}

/**
 * A group the bot can no longer post in, by the Bot API's words: removed from it, the group deleted, the right
 * to send taken away. Its alerts are paused rather than retried (DestinationLoss).
 */
function groupLost(error: TelegramError): DeliveryError | null {
  const text = error.description;
  const lost = (code: DestinationLostCode, message: string) =>
    new DeliveryError(message, { retryable: false, code, cause: error });
  if (/was deleted|is deactivated|chat not found/i.test(text))
    return lost("channel_gone", "the group no longer exists");
  if (error.code === 403 && /kicked|not a member/i.test(text))
    return lost("bot_removed", "the bot was removed from the group");
  if (
    /not enough rights|have no rights|need administrator rights|CHAT_WRITE_FORBIDDEN|CHAT_RESTRICTED/i.test(
      text,
    )
  )
    return lost("access_lost", "the bot may no longer post in the group");
  return error.code === 403 ? lost("access_lost", "Telegram forbids the bot to post in the group") : null;
}

/** `group`: the chat is a group (a lost group is told apart from a person who blocked the bot). */
export function classify(error: unknown, where: { group?: boolean } = {}): DeliveryError {
  if (error instanceof TelegramError) {
    const code = error.code;
    if (where.group === true && (code === 400 || code === 403)) {
      const lost = groupLost(error);
      if (lost !== null) return lost;
    }
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
