import { actionOf, type Button } from "@tickerbell/bot-core";
import type { Notification } from "@tickerbell/contracts";
import { Markup } from "telegraf";
import type { InlineKeyboardMarkup } from "telegraf/types";

export function inlineKeyboard(rows: Button[][]): InlineKeyboardMarkup {
  return Markup.inlineKeyboard(rows.map((row) => row.map((b) => Markup.button.callback(b.label, b.action))))
    .reply_markup;
}

/**
 * Under a notification: Snooze 1h (repeating alerts), Re-arm (one-shot alerts), Delete. An expired alert can
 * only be set up again.
 */
export function notificationKeyboard(n: Notification): InlineKeyboardMarkup {
  const rearm: Button = { label: "🔁 Re-arm", action: actionOf("rearm", n.alertId) };
  if (n.type === "expired") return inlineKeyboard([[rearm]]);
  const first: Button = n.repeating
    ? { label: "😴 Snooze 1h", action: actionOf("snooze", n.alertId) }
    : rearm;
  return inlineKeyboard([[first, { label: "🗑 Delete", action: actionOf("delete", n.alertId) }]]);
}

/**
 * Under a message that carries several notifications: one row per alert, its buttons named by symbol, since
 * the alerts cannot be told apart by position.
 */
export function compactNotificationKeyboard(batch: readonly Notification[]): InlineKeyboardMarkup {
  const rows: Button[][] = [];
  const seen = new Set<string>();
  for (const n of batch) {
    if (seen.has(n.alertId)) continue;
    seen.add(n.alertId);
    const first: Button =
      n.type === "triggered" && n.repeating
        ? { label: `😴 Snooze ${n.symbol}`, action: actionOf("snooze", n.alertId) }
        : { label: `🔁 Re-arm ${n.symbol}`, action: actionOf("rearm", n.alertId) };
    rows.push(
      n.type === "expired"
        ? [first]
        : [first, { label: `🗑 Delete ${n.symbol}`, action: actionOf("delete", n.alertId) }],
    );
  }
  return inlineKeyboard(rows);
}
