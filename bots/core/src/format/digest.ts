import type { Notification } from "@tickerbell/contracts";
import { describeCondition, formatPrice } from "./format.ts";
import { earningsHourText } from "./notification.ts";
import { formatTime, type TimeDisplay } from "./time.ts";

/** Lines one digest shows at most (Telegram's 4,096 characters, Discord's 2,000 with room to spare). */
export const MAX_DIGEST_LINES = 25;

/** The message that goes out when a user's quiet hours end: what fired meanwhile, platform-neutral. */
export interface Digest {
  /** e.g. `🌙 3 alerts fired during your quiet hours` */
  title: string;
  /** One ticker's block: its name, then a line per firing (condition, price, time), oldest first. */
  groups: { symbol: string; lines: string[] }[];
  /** How many firings did not fit (they are counted, and delivered with the digest all the same). */
  omitted: number;
  /** The triggerIds it carries, joined: the same held firings always give the same key (a send's nonce). */
  key: string;
}

/**
 * Held notifications as one digest: grouped by ticker (the ticker that fired first comes first), each group
 * oldest first, each line the condition, the price and the time in the reader's display.
 */
export function formatDigest(notifications: readonly Notification[], display: TimeDisplay): Digest {
  const sorted = [...notifications].sort(
    (a, b) => Date.parse(a.firedAt) - Date.parse(b.firedAt) || a.triggerId.localeCompare(b.triggerId),
  );
  const bySymbol = new Map<string, Notification[]>();
  for (const n of sorted) bySymbol.set(n.symbol, [...(bySymbol.get(n.symbol) ?? []), n]);
  let shown = 0;
  const groups: Digest["groups"] = [];
  for (const [symbol, items] of bySymbol) {
    const lines: string[] = [];
    for (const n of items) {
      if (shown >= MAX_DIGEST_LINES) break;
      lines.push(digestLine(n, display));
      shown++;
    }
    if (lines.length > 0) groups.push({ symbol, lines });
  }
  const count = notifications.length;
  const fired = notifications.filter((n) => n.type === "triggered").length;
  const title =
    fired === count
      ? `🌙 ${count} alert${count === 1 ? "" : "s"} fired during your quiet hours`
      : `🌙 During your quiet hours: ${fired} firing${fired === 1 ? "" : "s"}, ${count - fired} expired`;
  return { title, groups, omitted: count - shown, key: sorted.map((n) => n.triggerId).join(",") };
}

function digestLine(n: Notification, display: TimeDisplay): string {
  const when = formatTime(n.firedAt, display);
  if (n.type === "expired") return `${describeCondition(n.condition, n.symbol)} — expired · ${when}`;
  if (n.earnings) {
    const day = n.earnings.moment === "eve" ? "tomorrow" : "now";
    return `earnings ${n.earnings.event.date} — results due ${day}, ${earningsHourText(n.earnings.event.hour)} · ${when}`;
  }
  return `${describeCondition(n.condition, n.symbol)} — ${formatPrice(n.price, n.symbol)} · ${when}`;
}

/** The digest as plain text lines (the console; the others add their own markup around the same words). */
export function digestText(digest: Digest): string {
  return [
    digest.title,
    ...digest.groups.flatMap((g) => [g.symbol, ...g.lines.map((l) => `  ${l}`)]),
    ...(digest.omitted > 0 ? [`…and ${digest.omitted} more`] : []),
  ].join("\n");
}
