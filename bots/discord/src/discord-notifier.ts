import { createHash } from "node:crypto";
import {
  actionOf,
  type Button,
  type ChartEdit,
  DeliveryError,
  type Digest,
  fileNameOf,
  formatNotification,
  type NotificationBatch,
  type Notifier,
  type NotifyOptions,
  type SentMessage,
} from "@tickerbell/bot-core";
import type { Notification, Origin } from "@tickerbell/contracts";
import {
  type APIAllowedMentions,
  type APIEmbed,
  type APIMessage,
  type Client,
  DiscordAPIError,
  HTTPError,
  RateLimitError,
  RESTJSONErrorCodes,
  Routes,
} from "discord.js";
import { buttonRows } from "./discord-bot.ts";

const COLOR_UP = 0x2e9e5b;
const COLOR_DOWN = 0xd14b4b;
const COLOR_NEUTRAL = 0x7f8c8d;

/**
 * One notification per message. Discord drops a message whose nonce it saw recently, and a nonce belongs to a
 * whole message: a bot killed between a send and its record has its notifications sent again by its successor,
 * possibly grouped otherwise (a backlog arrives at once), and only a message of one notification is sure to carry
 * the same nonce again.
 */
export const DISCORD_NOTIFICATIONS_PER_MESSAGE = 1;

/**
 * Sends notification DMs: opens (or reuses) the DM channel with the user and posts one message with an embed per
 * notification and their buttons. discord.js's REST manager already waits out 429s per route bucket and
 * globally; what still fails is sorted here: DMs closed or the user gone never will succeed, a 429 surfaced
 * anyway, 5xx and network failures will.
 */
export class DiscordNotifier implements Notifier {
  readonly platform = "discord" as const;
  readonly maxBatch = DISCORD_NOTIFICATIONS_PER_MESSAGE;
  readonly #client: Client;

  constructor(client: Client) {
    this.#client = client;
  }

  /**
   * Discord shows every time as a `<t:…>` timestamp in the reader's own zone, whatever `options.display` says.
   * A one-firing message's chart is attached and shown as its embed's image; without one the footer says why.
   * A channel alert's firing is posted in its channel, pinging its role and nobody else.
   */
  async send(batch: NotificationBatch, options: NotifyOptions = {}): Promise<SentMessage> {
    const chart = batch.length === 1 ? options.chart : undefined;
    const embeds = batch.map(notificationEmbed);
    const files = chart ? withChart(embeds[0]!, batch[0], chart) : [];
    const message = {
      embeds,
      components: buttonRows(
        batch.length === 1 ? [notificationButtons(batch[0])] : compactNotificationButtons(batch),
      ),
      // Discord itself drops a second message with the same nonce: a redelivered batch is sent once.
      nonce: nonceOf(batch.map((n) => n.triggerId).join(",")),
    };
    const { origin } = batch[0];
    if (isChannel(origin)) {
      const posted = await this.#postInChannel(origin.chatId, {
        ...message,
        content: origin.mentionRoleId === undefined ? undefined : `<@&${origin.mentionRoleId}>`,
        allowedMentions: allowedMentionsOf(origin),
        files,
      });
      return { chatId: origin.chatId, messageId: posted.id };
    }
    try {
      const channel = await this.#client.users.createDM(origin.chatId);
      const sent = await channel.send({
        ...message,
        ...(files.length > 0 ? { files } : {}),
        enforceNonce: true,
      });
      return { chatId: origin.chatId, messageId: sent.id };
    } catch (error) {
      throw classify(error);
    }
  }

  /** Edits the chart into a sent notification as its embed's image, or adds the footer that says why there is none. */
  async attachChart(sent: SentMessage, notification: Notification, options: ChartEdit): Promise<void> {
    const embed = notificationEmbed(notification);
    const files = withChart(embed, notification, options.chart);
    if (isChannel(notification.origin)) {
      // The channel's message, edited over REST: a channel is not opened like a DM.
      try {
        await this.#client.rest.patch(Routes.channelMessage(sent.chatId, sent.messageId), {
          body: { embeds: [embed], ...(files.length > 0 ? { attachments: attachmentsOf(files) } : {}) },
          files: rawFiles(files),
        });
      } catch (error) {
        throw classify(error, "channel");
      }
      return;
    }
    try {
      const channel = await this.#client.users.createDM(sent.chatId);
      await channel.messages.edit(sent.messageId, {
        embeds: [embed],
        ...(files.length > 0 ? { files } : {}),
      });
    } catch (error) {
      throw classify(error);
    }
  }

  /**
   * The quiet-hours digest: one embed, a field per ticker with its firings (times as `<t:…>`). Its nonce comes
   * from the triggerIds it carries, so a digest sent again after a crash within Discord's nonce window is dropped.
   * Only DMs have one: quiet hours never hold a channel's alerts.
   */
  async sendDigest(chatId: string, digest: Digest): Promise<void> {
    try {
      const channel = await this.#client.users.createDM(chatId);
      await channel.send({
        embeds: [digestEmbed(digest)],
        nonce: nonceOf(`digest:${digest.key}`),
        enforceNonce: true,
      });
    } catch (error) {
      throw classify(error);
    }
  }

  /**
   * A plain DM to one person (the creator of a channel alert that was paused): runBotProcess gives it to
   * DestinationLoss because this notifier has it.
   */
  async tellUser(platformUserId: string, text: string): Promise<void> {
    try {
      const channel = await this.#client.users.createDM(platformUserId);
      await channel.send({ content: text.slice(0, 2000), allowedMentions: { parse: [] } });
    } catch (error) {
      throw classify(error);
    }
  }

  /**
   * Posts in a server channel over REST (the bot runs without the GUILDS intent, so it knows no channel objects).
   * A chart the bot may not attach there (no Attach Files) is left out and the footer says so: the firing still
   * gets through, and the channel's alerts are not paused for a missing chart.
   */
  async #postInChannel(channelId: string, message: ChannelMessage): Promise<APIMessage> {
    const post = (files: ChartFile[]) =>
      this.#client.rest.post(Routes.channelMessages(channelId), {
        body: {
          ...(message.content === undefined ? {} : { content: message.content }),
          embeds: message.embeds,
          components: message.components?.map((row) => row.toJSON()) ?? [],
          nonce: message.nonce,
          enforce_nonce: true,
          allowed_mentions: message.allowedMentions,
          ...(files.length > 0 ? { attachments: attachmentsOf(files) } : {}),
        },
        files: rawFiles(files),
      }) as Promise<APIMessage>;
    try {
      return await post(message.files);
    } catch (error) {
      if (!(message.files.length > 0 && isCode(error, RESTJSONErrorCodes.MissingPermissions)))
        throw classify(error, "channel");
    }
    const [first] = message.embeds;
    if (first) {
      delete first.image;
      first.footer = {
        text: `${first.footer?.text ?? "Tickerbell"} · chart unavailable: I may not attach files in this channel`,
      };
    }
    try {
      return await post([]);
    } catch (error) {
      throw classify(error, "channel");
    }
  }
}

type ChartFile = { attachment: Buffer; name: string };

interface ChannelMessage {
  content?: string | undefined;
  embeds: APIEmbed[];
  components?: ReturnType<typeof buttonRows>;
  nonce: string;
  allowedMentions: APIAllowedMentions;
  files: ChartFile[];
}

function isChannel(origin: Origin): boolean {
  return origin.kind === "channel";
}

/** Exactly the alert's role may ping: never @everyone, @here or a user named in a note. */
export function allowedMentionsOf(origin: Origin): APIAllowedMentions {
  return origin.mentionRoleId === undefined ? { parse: [] } : { parse: [], roles: [origin.mentionRoleId] };
}

function attachmentsOf(files: ChartFile[]) {
  return files.map((file, id) => ({ id, filename: file.name }));
}

function rawFiles(files: ChartFile[]) {
  return files.map((file) => ({ name: file.name, data: file.attachment, contentType: "image/png" }));
}

function isCode(error: unknown, code: number): boolean {
  return error instanceof DiscordAPIError && error.code === code;
}

/** Shows the chart as the embed's image (the file to attach with it), or says in its footer why there is none. */
function withChart(
  embed: APIEmbed,
  notification: Notification,
  chart: NonNullable<NotifyOptions["chart"]>,
): Array<{ attachment: Buffer; name: string }> {
  if (chart.png) {
    const name = `${fileNameOf(notification.symbol)}.png`;
    embed.image = { url: `attachment://${name}` };
    return [{ attachment: chart.png, name }];
  }
  if (chart.missing)
    embed.footer = { text: `${embed.footer?.text ?? "Tickerbell"} · chart unavailable: ${chart.missing}` };
  return [];
}

export function digestEmbed(digest: Digest): APIEmbed {
  return {
    title: digest.title.slice(0, 256),
    fields: digest.groups
      .slice(0, 25)
      .map((g) => ({ name: g.symbol, value: g.lines.join("\n").slice(0, 1024) })),
    ...(digest.omitted > 0 ? { footer: { text: `…and ${digest.omitted} more` } } : {}),
    color: COLOR_NEUTRAL,
  };
}

/** At most 25 characters, as Discord allows; the same triggerId always gives the same nonce. */
export function nonceOf(triggerId: string): string {
  return createHash("sha256").update(triggerId).digest("base64url").slice(0, 25);
}

/** Under a notification: Snooze 1h (repeating alerts) or Re-arm (one-shot alerts), and Delete. */
export function notificationButtons(n: Notification): Button[] {
  const first: Button = n.repeating
    ? { label: "😴 Snooze 1h", action: actionOf("snooze", n.alertId) }
    : { label: "🔁 Re-arm", action: actionOf("rearm", n.alertId) };
  return [first, { label: "🗑 Delete", action: actionOf("delete", n.alertId) }];
}

/**
 * Under a message with several notifications: per alert its buttons named by symbol (two alerts share a row, so
 * ten alerts fit Discord's five rows).
 */
export function compactNotificationButtons(batch: readonly Notification[]): Button[][] {
  const seen = new Set<string>();
  const rows: Button[][] = [];
  for (const n of batch) {
    if (seen.has(n.alertId)) continue;
    seen.add(n.alertId);
    rows.push(notificationButtons(n).map((button) => ({ ...button, label: `${button.label} ${n.symbol}` })));
  }
  return rows;
}

/** The core wording as an embed: its title, and its fields as embed fields (times as Discord timestamps). */
export function notificationEmbed(n: Notification): APIEmbed {
  const message = formatNotification(n, { kind: "discord" });
  return {
    title: message.title.slice(0, 256),
    fields: message.fields.map((field) => ({ name: field.label, value: field.value, inline: field.inline })),
    color:
      n.type === "expired"
        ? COLOR_NEUTRAL
        : (n.side ?? (n.moveAbs >= 0 ? "upper" : "lower")) === "upper"
          ? COLOR_UP
          : COLOR_DOWN,
    timestamp: n.firedAt,
    footer: { text: `Tickerbell · ${n.symbol}` },
  };
}

const UNREACHABLE: ReadonlySet<number | string> = new Set([
  RESTJSONErrorCodes.CannotSendMessagesToThisUser,
  RESTJSONErrorCodes.UnknownUser,
]);

/** What a refused channel post means: the channel is gone, or the bot may no longer post there. */
const CHANNEL_LOST: ReadonlyMap<number | string, "channel_gone" | "access_lost"> = new Map([
  [RESTJSONErrorCodes.UnknownChannel, "channel_gone"],
  [RESTJSONErrorCodes.MissingAccess, "access_lost"],
  [RESTJSONErrorCodes.MissingPermissions, "access_lost"],
]);

/** A failed send as a DeliveryError; `where` says whether it was a DM or a post in a server channel. */
export function classify(error: unknown, where: "dm" | "channel" = "dm"): DeliveryError {
  if (error instanceof DeliveryError) return error;
  if (error instanceof DiscordAPIError) {
    const lost = where === "channel" ? CHANNEL_LOST.get(error.code) : undefined;
    if (lost !== undefined) {
      return new DeliveryError(
        lost === "channel_gone"
          ? "the channel no longer exists"
          : "the bot may no longer post in the channel",
        { retryable: false, code: lost, cause: error },
      );
    }
    if (UNREACHABLE.has(error.code)) {
      return new DeliveryError("the user does not accept DMs from the bot", {
        retryable: false,
        code: "dms_closed",
        cause: error,
      });
    }
    if (error.status === 429) {
      return new DeliveryError("rate limited by Discord", { retryable: true, code: "429", cause: error });
    }
    if (error.status >= 500) {
      return new DeliveryError(`Discord answered ${error.status}`, {
        retryable: true,
        code: String(error.status),
        cause: error,
      });
    }
    return new DeliveryError(`Discord refused the message (${error.status}/${error.code})`, {
      retryable: false,
      code: `discord_${error.code}`,
      cause: error,
    });
  }
  if (error instanceof RateLimitError) {
    return new DeliveryError("rate limited by Discord", {
      retryable: true,
      code: "429",
      retryAfterMs: error.retryAfter,
      cause: error,
    });
  }
  if (error instanceof HTTPError) {
    return new DeliveryError(`Discord answered ${error.status}`, {
      retryable: true,
      code: String(error.status),
      cause: error,
    });
  }
  return new DeliveryError("network failure talking to Discord", {
    retryable: true,
    code: "network",
    cause: error,
  });
}
