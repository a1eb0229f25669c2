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
