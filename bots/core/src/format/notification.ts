import type { Notification } from "@tickerbell/contracts";
import { describeCondition, formatChange, formatPercent, formatPrice } from "./format.ts";

export interface NotificationMessage {
  /** One line: what happened. */
  title: string;
  /** The details, one fact per line. */
  lines: string[];
}

/** The words of a DM, shared by every platform so a Telegram and a Discord user read the same thing. */
export function formatNotification(n: Notification): NotificationMessage {
  // Worded from the condition itself, exactly as /alerts lists it, so the DM and the list read alike.
  const condition = describeCondition(n.condition);
  if (n.type === "expired") {
    return {
      title: `⌛ Your ${n.symbol} alert expired`,
      lines: [
        `${n.symbol} ${condition} did not happen before it expired.`,
        `Last price ${formatPrice(n.price)}.`,
        ...(n.note ? [`Note: ${n.note}`] : []),
      ],
    };
  }
  return {
    title: `🔔 ${n.symbol} ${condition}`,
    lines: [
      `${n.symbol} is at ${formatPrice(n.price)} now.`,
      `${formatChange(n.moveAbs, n.price)} (${formatPercent(n.movePercent)}) since ${formatPrice(n.referencePrice)} when the alert was set.`,
      ...(n.note ? [`Note: ${n.note}`] : []),
      ...(n.repeating ? ["This alert repeats; it re-arms after its cooldown."] : []),
    ],
  };
}

/** Title and lines as plain text. */
export function notificationText(n: Notification): string {
  const message = formatNotification(n);
  return [message.title, ...message.lines].join("\n");
}
