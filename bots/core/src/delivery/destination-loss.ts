import type { Logger } from "@tickerbell/config";
import { isCommunityDestination, type Notification, type Platform } from "@tickerbell/contracts";
import type { AlertsClient } from "../clients/alerts-client.ts";
import { type DestinationLostCode, isDestinationLost } from "./ports.ts";

export interface DestinationLossDeps {
  alerts: Pick<AlertsClient, "pauseDestination" | "acknowledgeUndeliverable">;
  /** A plain DM to one person (the notifier's `tellUser`); throws when it cannot be delivered. */
  tellUser: (platformUserId: string, text: string) => Promise<void>;
  logger: Logger;
}

/** A community chat the bot can no longer post in. */
export interface LostChat {
  platform: Platform;
  chatId: string;
  /** How the creators' message names it (a group's title); unset: the channel as a mention, or "the group". */
  name?: string | undefined;
}

/**
 * A community chat the bot can no longer post in (the channel was deleted, the bot lost access to it, the bot
 * was removed from the group): its alerts would only fail from now on, so they are paused (kept, not firing),
 * never retried forever, and each creator is told in their DMs. A creator whose DMs are closed hears of it on
 * their next command instead: the notification that failed stays in their undeliverable list, and is
 * acknowledged here only once the DM reached them.
 */
export class DestinationLoss {
  readonly #deps: DestinationLossDeps;
  /**
   * Alerts whose creator was told by DM they are paused, and that creator: a notification of theirs that failed
   * (now, or a moment later, while its record was still being written) is then acknowledged, not told again.
   */
  readonly #told = new Map<string, string>();

  constructor(deps: DestinationLossDeps) {
    this.#deps = deps;
  }

  /** The pipeline's `onUndeliverable`: only a community notification refused for a lost chat pauses anything. */
  async onUndeliverable(notification: Notification, reason: string): Promise<void> {
    const { origin } = notification;
    if (!isCommunityDestination(origin) || !isDestinationLost(reason)) return;
    await this.pause({ platform: origin.platform, chatId: origin.chatId }, reason);
    const creator = this.#told.get(notification.alertId);
    if (creator === undefined) return;
    await this.#deps.alerts
      .acknowledgeUndeliverable(creator, [notification.triggerId])
      .catch((error: unknown) => {
        this.#deps.logger.warn(
          { err: error, creator },
          "could not acknowledge a told undeliverable notification",
        );
      });
  }

  /**
   * Pauses what is active in `chat` and tells each creator which of their alerts were paused and why. A repeat
   * (another notification for the same chat failing) pauses nothing more and tells nobody again.
   */
  async pause(chat: LostChat, reason: DestinationLostCode): Promise<void> {
    const { alerts, logger } = this.#deps;
    const paused = await alerts.pauseDestination(chat.chatId, reason);
    logger.info(
      { platform: chat.platform, chatId: chat.chatId, reason, paused: paused.length },
      "a community chat was lost: its alerts are paused",
    );
    const byCreator = new Map<string, { symbols: string[]; alertIds: string[] }>();
    for (const { alert, creatorPlatformUserId } of paused) {
      if (creatorPlatformUserId === null) continue;
      const told = byCreator.get(creatorPlatformUserId) ?? { symbols: [], alertIds: [] };
      told.symbols.push(alert.symbol);
      told.alertIds.push(alert.id);
      byCreator.set(creatorPlatformUserId, told);
    }
    for (const [creator, { symbols, alertIds }] of byCreator) {
      try {
        await this.#deps.tellUser(creator, pausedText(chat, reason, symbols.sort()));
      } catch (error) {
        // Their DMs are closed: the notification that failed tells them on their next command instead.
        logger.warn({ err: error, creator }, "could not tell a creator their community alerts are paused");
        continue;
      }
      for (const alertId of alertIds) this.#remember(alertId, creator);
    }
  }

  #remember(alertId: string, creator: string): void {
    this.#told.delete(alertId);
    this.#told.set(alertId, creator);
    if (this.#told.size > TOLD_REMEMBERED) this.#told.delete(this.#told.keys().next().value!);
  }
}

/** Alerts remembered as told (the oldest forgotten first). */
const TOLD_REMEMBERED = 10_000;

const WHY: Record<DestinationLostCode, { discord: string; telegram: string }> = {
  channel_gone: { discord: "the channel no longer exists", telegram: "the group no longer exists" },
  access_lost: {
    discord: "I no longer have the permissions to post there (View Channel, Send Messages, Embed Links)",
    telegram: "I can no longer post in the group",
  },
  bot_removed: { discord: "I was removed from the server", telegram: "I was removed from the group" },
};

/** "⏸ Your 2 alerts (AAPL, MSFT) posted in <#123> are paused: …" */
export function pausedText(chat: LostChat, reason: DestinationLostCode, symbols: string[]): string {
  const where = chat.name ?? (chat.platform === "discord" ? `<#${chat.chatId}>` : "the group");
  const why = WHY[reason][chat.platform === "discord" ? "discord" : "telegram"];
  const one = symbols.length === 1;
  const what = one ? `Your ${symbols[0]} alert` : `Your ${symbols.length} alerts (${symbols.join(", ")})`;
  return `⏸ ${what} posted in ${where} ${one ? "is" : "are"} paused: ${why}. ${one ? "It is" : "They are"} kept, and ${one ? "does" : "do"} not fire while paused; resume ${one ? "it" : "them"} once I can post there again.`;
}
